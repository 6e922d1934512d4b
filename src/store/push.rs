//! Web Push: the server's VAPID key, and each person's push subscriptions (one per browser
//! that allowed notifications), bound to the session that made them.

use redb::{Durability, ReadTransaction, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{SessionKey, Snapshot, Store, StoreError, tables};

/// A browser's push subscription: where to send and the keys to encrypt for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRecord {
    pub user_id: u64,
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key, uncompressed (65 bytes).
    pub p256dh: Vec<u8>,
    /// The browser's authentication secret (16 bytes).
    pub auth: Vec<u8>,
    /// The session that subscribed: once it ends, nothing more is sent to this browser.
    pub session: SessionKey,
    /// Unix milliseconds.
    pub created_at: u64,
    /// The browser's `User-Agent`, for the list of devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// The key of the VAPID private key in [`tables::SERVER_KEYS`].
const VAPID: &str = "vapid";

fn decode(bytes: &[u8]) -> Result<PushRecord, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

impl Store {
    /// The VAPID private key (a P-256 scalar), made by `make` and kept on first use.
    pub fn vapid_key(&self, make: impl FnOnce() -> Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let known = self.read(|txn| {
            let keys = txn.open_table(tables::SERVER_KEYS)?;
            Ok(keys.get(VAPID)?.map(|key| key.value().to_vec()))
        })?;
        if let Some(key) = known {
            return Ok(key);
        }
        self.write(Durability::Immediate, |txn| {
            let mut keys = txn.open_table(tables::SERVER_KEYS)?;
            // Made between the read and now by someone else: theirs stands.
            if let Some(key) = keys.get(VAPID)? {
                return Ok(key.value().to_vec());
            }
            let key = make();
            keys.insert(VAPID, key.as_slice())?;
            Ok(key)
        })
    }

    /// Keeps a subscription. The same endpoint of the same person again replaces the one before
    /// (a browser renews its keys); at most `limit` per person. Returns its id, or `None` when the
    /// person has `limit` already.
    pub fn add_push(&self, record: &PushRecord, limit: usize) -> Result<Option<u64>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut subscriptions = txn.open_table(tables::PUSH_SUBSCRIPTIONS)?;
            let mut by_user = txn.open_table(tables::USER_PUSH)?;
            let mut mine = Vec::new();
            for entry in by_user.range((record.user_id, 0)..=(record.user_id, u64::MAX))? {
                mine.push(entry?.0.value().1);
            }
            for &id in &mine {
                let same = match subscriptions.get(id)? {
                    Some(bytes) => decode(bytes.value())?.endpoint == record.endpoint,
                    None => false,
                };
                if same {
                    subscriptions.insert(id, serde_json::to_vec(record)?.as_slice())?;
                    return Ok(Some(id));
                }
            }
            if mine.len() >= limit {
                return Ok(None);
            }
            let id = match subscriptions.last()? {
                Some((last, _)) => last.value() + 1,
                None => 1,
            };
            subscriptions.insert(id, serde_json::to_vec(record)?.as_slice())?;
            by_user.insert((record.user_id, id), ())?;
            Ok(Some(id))
        })
    }

    /// Removes a subscription of `user_id` (none: whoever's); true if there was one.
    pub fn remove_push(&self, id: u64, user_id: Option<u64>) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut subscriptions = txn.open_table(tables::PUSH_SUBSCRIPTIONS)?;
            let owner = match subscriptions.get(id)? {
                Some(bytes) => decode(bytes.value())?.user_id,
                None => return Ok(false),
            };
            if user_id.is_some_and(|user_id| user_id != owner) {
                return Ok(false);
            }
            subscriptions.remove(id)?;
            txn.open_table(tables::USER_PUSH)?.remove((owner, id))?;
            Ok(true)
        })
    }

    /// Every subscription of a person, oldest first.
    pub fn user_pushes(&self, user_id: u64) -> Result<Vec<(u64, PushRecord)>, StoreError> {
        self.read(|txn| pushes_of(txn, user_id))
    }

    /// Removes every subscription the sessions made (they ended); returns whose they were.
    pub fn remove_pushes_of_sessions(&self, keys: &[SessionKey]) -> Result<Vec<u64>, StoreError> {
        // Most sessions never subscribed: look before writing anything.
        let doomed = self.read(|txn| {
            let mut doomed = Vec::new();
            for entry in txn.open_table(tables::PUSH_SUBSCRIPTIONS)?.iter()? {
                let (id, bytes) = entry?;
                let record = decode(bytes.value())?;
                if keys.contains(&record.session) {
                    doomed.push((id.value(), record.user_id));
                }
            }
            Ok(doomed)
        })?;
        if doomed.is_empty() {
            return Ok(Vec::new());
        }
        self.write(Durability::Immediate, |txn| {
            let mut subscriptions = txn.open_table(tables::PUSH_SUBSCRIPTIONS)?;
            let mut by_user = txn.open_table(tables::USER_PUSH)?;
            for &(id, user_id) in &doomed {
                subscriptions.remove(id)?;
                by_user.remove((user_id, id))?;
            }
            Ok(())
        })?;
        let mut users: Vec<u64> = doomed.into_iter().map(|(_, user_id)| user_id).collect();
        users.sort_unstable();
        users.dedup();
        Ok(users)
    }

    /// Everyone with at least one subscription.
    pub fn users_with_pushes(&self) -> Result<Vec<u64>, StoreError> {
        self.read(|txn| {
            let by_user = txn.open_table(tables::USER_PUSH)?;
            let mut users = Vec::new();
            for entry in by_user.iter()? {
                let user_id = entry?.0.value().0;
                if users.last() != Some(&user_id) {
                    users.push(user_id);
                }
            }
            Ok(users)
        })
    }
}

/// Every subscription of a person, oldest first.
fn pushes_of(txn: &ReadTransaction, user_id: u64) -> Result<Vec<(u64, PushRecord)>, StoreError> {
    let by_user = txn.open_table(tables::USER_PUSH)?;
    let subscriptions = txn.open_table(tables::PUSH_SUBSCRIPTIONS)?;
    let mut out = Vec::new();
    for entry in by_user.range((user_id, 0)..=(user_id, u64::MAX))? {
        let id = entry?.0.value().1;
        if let Some(bytes) = subscriptions.get(id)? {
            out.push((id, decode(bytes.value())?));
        }
    }
    Ok(out)
}

impl Snapshot {
    /// Every subscription of a person, oldest first.
    pub fn user_pushes(&self, user_id: u64) -> Result<Vec<(u64, PushRecord)>, StoreError> {
        pushes_of(&self.txn, user_id)
    }

    /// Whether a session (by its key) is still signed in.
    pub fn session_exists(&self, key: SessionKey) -> Result<bool, StoreError> {
        Ok(self.txn.open_table(tables::SESSIONS)?.get(key)?.is_some())
    }
}
