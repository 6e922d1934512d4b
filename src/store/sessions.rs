//! Sessions, keyed by the SHA-256 of their token. Whoever reads the file cannot sign in.

use redb::{Durability, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, tables};

/// A stored session. Expiry is decided by the auth layer from these times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user_id: u64,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds; refreshed at most every few minutes, see `auth`.
    pub last_seen: u64,
    /// The browser's `User-Agent` at sign-in (cut to a few hundred bytes), for the list of
    /// signed-in devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The address the sign-in came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// Token hash, the key of a session.
pub type SessionKey = [u8; 32];

impl Store {
    pub fn create_session(
        &self,
        key: SessionKey,
        record: &SessionRecord,
    ) -> Result<(), StoreError> {
        self.write(Durability::Immediate, |txn| {
            txn.open_table(tables::SESSIONS)?
                .insert(key, serde_json::to_vec(record)?.as_slice())?;
            txn.open_table(tables::USER_SESSIONS)?
                .insert((record.user_id, key), ())?;
            Ok(())
        })
    }

    pub fn session(&self, key: SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        self.read(|txn| {
            let sessions = txn.open_table(tables::SESSIONS)?;
            match sessions.get(key)? {
                Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
                None => Ok(None),
            }
        })
    }

    /// Every session of a user, in no particular order.
    pub fn user_sessions(
        &self,
        user_id: u64,
    ) -> Result<Vec<(SessionKey, SessionRecord)>, StoreError> {
        self.read(|txn| {
            let index = txn.open_table(tables::USER_SESSIONS)?;
            let sessions = txn.open_table(tables::SESSIONS)?;
            let mut out = Vec::new();
            for entry in index.range((user_id, [0u8; 32])..=(user_id, [0xffu8; 32]))? {
                let key = entry?.0.value().1;
                if let Some(bytes) = sessions.get(key)? {
                    out.push((key, serde_json::from_slice(bytes.value())?));
                }
            }
            Ok(out)
        })
    }

    /// Records activity. Not fsynced on its own: losing it in a crash only makes the idle
    /// window start a little earlier.
    pub fn touch_session(&self, key: SessionKey, now_ms: u64) -> Result<(), StoreError> {
        self.write(Durability::None, |txn| {
            let mut sessions = txn.open_table(tables::SESSIONS)?;
            let record: Option<SessionRecord> = match sessions.get(key)? {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            };
            if let Some(mut record) = record {
                record.last_seen = now_ms;
                sessions.insert(key, serde_json::to_vec(&record)?.as_slice())?;
            }
            Ok(())
        })
    }

    /// Deletes one session; returns it if it existed.
    pub fn delete_session(&self, key: SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut sessions = txn.open_table(tables::SESSIONS)?;
            let removed: Option<SessionRecord> = match sessions.remove(key)? {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            };
            if let Some(record) = &removed {
                txn.open_table(tables::USER_SESSIONS)?
                    .remove((record.user_id, key))?;
            }
            Ok(removed)
        })
    }

    /// Deletes every session of a user except `keep`; returns the keys it deleted so their open
    /// sockets can be closed.
    pub fn delete_user_sessions(
        &self,
        user_id: u64,
        keep: Option<SessionKey>,
    ) -> Result<Vec<SessionKey>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            end_user_sessions(txn, user_id, keep)
        })
    }

    /// Deletes every session for which `expired` is true; returns their keys.
    pub fn delete_sessions_where(
        &self,
        expired: impl Fn(&SessionRecord) -> bool,
    ) -> Result<Vec<SessionKey>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut sessions = txn.open_table(tables::SESSIONS)?;
            let mut doomed = Vec::new();
            for entry in sessions.iter()? {
                let (key, bytes) = entry?;
                let record: SessionRecord = serde_json::from_slice(bytes.value())?;
                if expired(&record) {
                    doomed.push((key.value(), record.user_id));
                }
            }
            let mut index = txn.open_table(tables::USER_SESSIONS)?;
            for (key, user_id) in &doomed {
                sessions.remove(*key)?;
                index.remove((*user_id, *key))?;
            }
            Ok(doomed.into_iter().map(|(key, _)| key).collect())
        })
    }
}

/// Deletes every session of a user but `keep`, inside a transaction that may do more (a
/// password replaced by a recovery code, say); returns the keys it deleted.
pub(super) fn end_user_sessions(
    txn: &WriteTransaction,
    user_id: u64,
    keep: Option<SessionKey>,
) -> Result<Vec<SessionKey>, StoreError> {
    let mut index = txn.open_table(tables::USER_SESSIONS)?;
    let mut keys = Vec::new();
    for entry in index.range((user_id, [0u8; 32])..=(user_id, [0xffu8; 32]))? {
        let key = entry?.0.value().1;
        if Some(key) != keep {
            keys.push(key);
        }
    }
    let mut sessions = txn.open_table(tables::SESSIONS)?;
    for key in &keys {
        index.remove((user_id, *key))?;
        sessions.remove(*key)?;
    }
    Ok(keys)
}
