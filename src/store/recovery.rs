//! Ways back into an account without its password: one-time recovery codes that the person
//! keeps, and one-hour sign-in links that an operator gives. Only hashes are stored. Using
//! either replaces the password and ends every session of the account in one transaction, so
//! a code or link can never be used twice, even by two requests at once.

use redb::{Durability, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::sessions::end_user_sessions;
use super::users::change_user;
use super::{SessionKey, Store, StoreError, tables};

/// The stored hash of a recovery code (see `auth::recovery`).
pub type CodeHash = [u8; 32];
/// The SHA-256 of a sign-in link's token.
pub type LinkKey = [u8; 32];

/// A sign-in link an operator gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLink {
    pub user_id: u64,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds; the link opens nothing from then on.
    pub expires_at: u64,
    /// Unix milliseconds, once it was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<u64>,
}

/// What a sign-in link is worth now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Valid(ResetLink),
    Used,
    Expired,
    Unknown,
}

impl LinkState {
    fn of(link: Option<ResetLink>, now_ms: u64) -> LinkState {
        match link {
            None => LinkState::Unknown,
            Some(link) if link.used_at.is_some() => LinkState::Used,
            Some(link) if now_ms >= link.expires_at => LinkState::Expired,
            Some(link) => LinkState::Valid(link),
        }
    }
}

/// A password replaced through a code or a link: whose, and the sessions that ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub user_id: u64,
    pub ended: Vec<SessionKey>,
}

impl Store {
    /// Replaces every recovery code of an account with these.
    pub fn replace_recovery_codes(
        &self,
        user_id: u64,
        hashes: &[CodeHash],
    ) -> Result<(), StoreError> {
        self.write(Durability::Immediate, |txn| {
            remove_recovery_codes(txn, user_id)?;
            let mut codes = txn.open_table(tables::RECOVERY_CODES)?;
            for hash in hashes {
                codes.insert((user_id, *hash), ())?;
            }
            Ok(())
        })
    }

    /// How many unused recovery codes an account has.
    pub fn recovery_codes_left(&self, user_id: u64) -> Result<usize, StoreError> {
        self.read(|txn| {
            let codes = txn.open_table(tables::RECOVERY_CODES)?;
            let mut count = 0;
            for entry in codes.range((user_id, [0u8; 32])..=(user_id, [0xffu8; 32]))? {
                entry?;
                count += 1;
            }
            Ok(count)
        })
    }

    /// Whether this is one of the account's unused codes.
    pub fn has_recovery_code(&self, user_id: u64, hash: CodeHash) -> Result<bool, StoreError> {
        self.read(|txn| {
            let codes = txn.open_table(tables::RECOVERY_CODES)?;
            Ok(codes.get((user_id, hash))?.is_some())
        })
    }

    /// Uses up a recovery code, sets the new password hash and ends every session of the
    /// account. `None` when the code is not (or no longer) one of the account's.
    pub fn recover_with_code(
        &self,
        user_id: u64,
        hash: CodeHash,
        password_hash: &str,
    ) -> Result<Option<Recovered>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            if txn
                .open_table(tables::RECOVERY_CODES)?
                .remove((user_id, hash))?
                .is_none()
            {
                return Ok(None);
            }
            replace_password(txn, user_id, password_hash).map(Some)
        })
    }

    #[cfg(test)]
    pub fn create_reset_link(&self, key: LinkKey, link: &ResetLink) -> Result<(), StoreError> {
        self.write(Durability::Immediate, |txn| {
            insert_reset_link(txn, key, link)
        })
    }

    /// What a sign-in link is worth at `now_ms`.
    pub fn reset_link(&self, key: LinkKey, now_ms: u64) -> Result<LinkState, StoreError> {
        self.read(|txn| {
            let links = txn.open_table(tables::RESET_LINKS)?;
            let link = match links.get(key)? {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            };
            Ok(LinkState::of(link, now_ms))
        })
    }

    /// Uses a sign-in link that is still valid at `now_ms`: marks it used, sets the new
    /// password hash and ends every session of its account. Otherwise says what the link is.
    pub fn reset_with_link(
        &self,
        key: LinkKey,
        now_ms: u64,
        password_hash: &str,
    ) -> Result<Result<Recovered, LinkState>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut links = txn.open_table(tables::RESET_LINKS)?;
            let link = match links.get(key)? {
                Some(bytes) => Some(serde_json::from_slice::<ResetLink>(bytes.value())?),
                None => None,
            };
            let mut link = match LinkState::of(link, now_ms) {
                LinkState::Valid(link) => link,
                other => return Ok(Err(other)),
            };
            link.used_at = Some(now_ms);
            links.insert(key, serde_json::to_vec(&link)?.as_slice())?;
            drop(links);
            replace_password(txn, link.user_id, password_hash).map(Ok)
        })
    }

    /// Deletes the sign-in links for which `stale` is true; returns how many.
    pub fn delete_reset_links_where(
        &self,
        stale: impl Fn(&ResetLink) -> bool,
    ) -> Result<usize, StoreError> {
        self.write(Durability::Immediate, |txn| {
            remove_reset_links_where(txn, stale)
        })
    }
}

/// Deletes the sign-in links for which `stale` is true, inside a transaction that may do more.
pub(super) fn remove_reset_links_where(
    txn: &WriteTransaction,
    stale: impl Fn(&ResetLink) -> bool,
) -> Result<usize, StoreError> {
    let mut links = txn.open_table(tables::RESET_LINKS)?;
    let mut doomed = Vec::new();
    for entry in links.iter()? {
        let (key, bytes) = entry?;
        if stale(&serde_json::from_slice(bytes.value())?) {
            doomed.push(key.value());
        }
    }
    for key in &doomed {
        links.remove(*key)?;
    }
    Ok(doomed.len())
}

/// Deletes every recovery code of an account.
pub(super) fn remove_recovery_codes(
    txn: &WriteTransaction,
    user_id: u64,
) -> Result<(), StoreError> {
    let mut codes = txn.open_table(tables::RECOVERY_CODES)?;
    let mut mine = Vec::new();
    for entry in codes.range((user_id, [0u8; 32])..=(user_id, [0xffu8; 32]))? {
        mine.push(entry?.0.value().1);
    }
    for hash in mine {
        codes.remove((user_id, hash))?;
    }
    Ok(())
}

/// Stores a new sign-in link inside a transaction that may do more (write its audit entry).
pub(super) fn insert_reset_link(
    txn: &WriteTransaction,
    key: LinkKey,
    link: &ResetLink,
) -> Result<(), StoreError> {
    txn.open_table(tables::RESET_LINKS)?
        .insert(key, serde_json::to_vec(link)?.as_slice())?;
    Ok(())
}

/// Sets a new password and ends every session of the account, inside a transaction that may
/// do more.
pub(super) fn replace_password(
    txn: &WriteTransaction,
    user_id: u64,
    password_hash: &str,
) -> Result<Recovered, StoreError> {
    change_user(txn, user_id, |record| {
        record.password_hash = password_hash.to_owned()
    })?;
    let ended = end_user_sessions(txn, user_id, None)?;
    Ok(Recovered { user_id, ended })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SessionRecord;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    fn session(store: &Store, key: u8, user_id: u64) {
        let record = SessionRecord {
            user_id,
            created_at: 1,
            last_seen: 1,
            user_agent: None,
            ip: None,
        };
        store.create_session([key; 32], &record).unwrap();
    }

    #[test]
    fn a_recovery_code_works_once_and_ends_every_session() {
        let (_dir, store) = store();
        let alice = store.create_user("alice", "old", 1, false).unwrap();
        let bob = store.create_user("bob", "bob's", 1, false).unwrap();
        store
            .replace_recovery_codes(alice.id, &[[1; 32], [2; 32]])
            .unwrap();
        session(&store, 7, alice.id);
        session(&store, 8, bob.id);
        assert_eq!(store.recovery_codes_left(alice.id).unwrap(), 2);
        assert!(!store.has_recovery_code(bob.id, [1; 32]).unwrap());

        let recovered = store.recover_with_code(alice.id, [1; 32], "new").unwrap();
        assert_eq!(
            recovered,
            Some(Recovered {
                user_id: alice.id,
                ended: vec![[7; 32]]
            })
        );
        assert_eq!(
            store.find_user("alice").unwrap().unwrap().password_hash,
            "new"
        );
        assert!(
            store.session([8; 32]).unwrap().is_some(),
            "bob is untouched"
        );
        assert_eq!(
            store.recover_with_code(alice.id, [1; 32], "again").unwrap(),
            None
        );
        assert_eq!(
            store.recover_with_code(bob.id, [2; 32], "theirs").unwrap(),
            None
        );
        assert_eq!(store.recovery_codes_left(alice.id).unwrap(), 1);

        store.replace_recovery_codes(alice.id, &[[3; 32]]).unwrap();
        assert!(!store.has_recovery_code(alice.id, [2; 32]).unwrap());
        assert!(store.has_recovery_code(alice.id, [3; 32]).unwrap());
    }

    #[test]
    fn a_sign_in_link_is_valid_until_used_or_expired() {
        let (_dir, store) = store();
        let alice = store.create_user("alice", "old", 1, false).unwrap();
        let link = ResetLink {
            user_id: alice.id,
            created_at: 0,
            expires_at: 1_000,
            used_at: None,
        };
        store.create_reset_link([5; 32], &link).unwrap();
        store.create_reset_link([6; 32], &link).unwrap();
        assert_eq!(
            store.reset_link([5; 32], 999).unwrap(),
            LinkState::Valid(link)
        );
        assert_eq!(
            store.reset_link([5; 32], 1_000).unwrap(),
            LinkState::Expired
        );
        assert_eq!(store.reset_link([9; 32], 0).unwrap(), LinkState::Unknown);
        assert_eq!(
            store.reset_with_link([6; 32], 1_000, "late").unwrap(),
            Err(LinkState::Expired)
        );

        session(&store, 7, alice.id);
        let used = store.reset_with_link([5; 32], 10, "new").unwrap().unwrap();
        assert_eq!(used.ended, vec![[7; 32]]);
        assert_eq!(
            store.find_user("alice").unwrap().unwrap().password_hash,
            "new"
        );
        assert_eq!(store.reset_link([5; 32], 11).unwrap(), LinkState::Used);
        assert_eq!(
            store.reset_with_link([5; 32], 11, "again").unwrap(),
            Err(LinkState::Used)
        );
        assert_eq!(
            store
                .delete_reset_links_where(|l| l.expires_at < 2_000)
                .unwrap(),
            2
        );
        assert_eq!(store.reset_link([5; 32], 11).unwrap(), LinkState::Unknown);
    }
}
