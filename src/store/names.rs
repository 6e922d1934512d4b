//! Usernames: unique regardless of case, and changeable. A name someone gives up stays theirs
//! for a while (`NAME_HOLDS`): links, mentions and sign-in with it still lead to them, and
//! nobody else can take it and pass for them. Once the hold ends, the name is free again.

use redb::{Durability, ReadableTable, WriteTransaction};

use super::users::{change_user, current_user};
use super::{DmFrom, Store, StoreError, User, tables};

/// The key that makes `Alice` and `alice` the same account.
pub(super) fn username_key(username: &str) -> String {
    username.to_ascii_lowercase()
}

/// The id of the account called `username` (or that was, while the old name is held), in any
/// case.
pub(super) fn user_id_by_name(
    names: &impl ReadableTable<&'static str, u64>,
    username: &str,
) -> Result<Option<u64>, StoreError> {
    Ok(names
        .get(username_key(username).as_str())?
        .map(|v| v.value()))
}

/// Makes `username` lead to `user_id`. [`StoreError::UsernameTaken`] when it is another
/// account's, or held for one that gave it up and whose hold has not ended by `now_ms`. A hold
/// that has ended is released here; a name held for `user_id` itself is simply theirs again.
pub(super) fn claim_name(
    txn: &WriteTransaction,
    username: &str,
    user_id: u64,
    now_ms: u64,
) -> Result<(), StoreError> {
    let key = username_key(username);
    let mut names = txn.open_table(tables::USERNAMES)?;
    let mut holds = txn.open_table(tables::NAME_HOLDS)?;
    let owner = names.get(key.as_str())?.map(|v| v.value());
    if let Some(owner) = owner
        && owner != user_id
    {
        let free_at = holds.get(key.as_str())?.map(|v| v.value().1);
        match free_at {
            Some(free_at) if free_at <= now_ms => {}
            _ => return Err(StoreError::UsernameTaken),
        }
    }
    holds.remove(key.as_str())?;
    names.insert(key.as_str(), user_id)?;
    Ok(())
}

/// A change to how an account shows itself; what is `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// A new username (see [`rename_in`]).
    pub username: Option<String>,
    /// A new display name (`Some(None)`: none).
    pub display_name: Option<Option<String>>,
    pub dm_from: Option<DmFrom>,
    pub private_notifications: Option<bool>,
}

impl Store {
    /// Changes an account's username, display name, DM and notification settings in one transaction (a
    /// refused rename changes nothing); returns the account as it was and as it now is. A new
    /// username is a rename ([`rename_in`]): the old name keeps leading to the account, and
    /// stays taken, until `now_ms + hold_ms`; a change of case only has no hold.
    pub fn change_profile(
        &self,
        user_id: u64,
        change: ProfileChange,
        now_ms: u64,
        hold_ms: u64,
    ) -> Result<(User, User), StoreError> {
        self.write(Durability::Immediate, |txn| {
            let before = current_user(txn, user_id)?;
            if let Some(name) = &change.username
                && *name != before.username
            {
                rename_in(txn, user_id, name, now_ms, hold_ms)?;
            }
            change_user(txn, user_id, |record| {
                if let Some(display_name) = change.display_name {
                    record.display_name = display_name;
                }
                if let Some(dm_from) = change.dm_from {
                    record.dm_from = dm_from;
                }
                if let Some(private) = change.private_notifications {
                    record.private_notifications = private;
                }
            })?;
            Ok((before, current_user(txn, user_id)?))
        })
    }

    /// Frees the given-up names whose hold ended by `now_ms`; returns how many.
    pub fn release_held_names(&self, now_ms: u64) -> Result<usize, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut holds = txn.open_table(tables::NAME_HOLDS)?;
            let mut ended = Vec::new();
            for entry in holds.iter()? {
                let (key, value) = entry?;
                let (user_id, free_at) = value.value();
                if free_at <= now_ms {
                    ended.push((key.value().to_owned(), user_id));
                }
            }
            let mut names = txn.open_table(tables::USERNAMES)?;
            for (key, user_id) in &ended {
                holds.remove(key.as_str())?;
                // Only if it still leads to the one who gave it up.
                if names.get(key.as_str())?.map(|v| v.value()) == Some(*user_id) {
                    names.remove(key.as_str())?;
                }
            }
            Ok(ended.len())
        })
    }
}

/// Renames an account inside a transaction that may do more: the new name is claimed and the
/// old one held for `hold_ms`, still leading to the account.
pub(super) fn rename_in(
    txn: &WriteTransaction,
    user_id: u64,
    new_name: &str,
    now_ms: u64,
    hold_ms: u64,
) -> Result<(), StoreError> {
    let old = {
        let users = txn.open_table(tables::USERS)?;
        let Some(found) = super::users::load_user(&users, user_id)? else {
            return Err(StoreError::NotFound);
        };
        found.user.username
    };
    let (old_key, new_key) = (username_key(&old), username_key(new_name));
    if old_key != new_key {
        claim_name(txn, new_name, user_id, now_ms)?;
        txn.open_table(tables::NAME_HOLDS)?
            .insert(old_key.as_str(), (user_id, now_ms + hold_ms))?;
    }
    change_user(txn, user_id, |record| record.username = new_name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Store {
        /// A rename alone, as `change_profile` makes it.
        fn rename_user(
            &self,
            user_id: u64,
            new_name: &str,
            now_ms: u64,
            hold_ms: u64,
        ) -> Result<(), StoreError> {
            let change = ProfileChange {
                username: Some(new_name.to_owned()),
                ..ProfileChange::default()
            };
            self.change_profile(user_id, change, now_ms, hold_ms)
                .map(drop)
        }
    }

    const DAY: u64 = 24 * 3600 * 1000;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_given_up_name_leads_to_its_old_owner_until_the_hold_ends() {
        let (_dir, store) = store();
        let alice = store.create_user("alice", "hash", 0, false).unwrap();
        store
            .rename_user(alice.id, "Alicia", DAY, 30 * DAY)
            .unwrap();
        assert_eq!(store.user(alice.id).unwrap().unwrap().username, "Alicia");
        assert_eq!(
            store.find_user("alicia").unwrap().unwrap().user.id,
            alice.id
        );
        assert_eq!(
            store.find_user("alice").unwrap().unwrap().user.username,
            "Alicia",
            "the old name still leads to her"
        );
        assert!(matches!(
            store.create_user("ALICE", "hash", 30 * DAY, false),
            Err(StoreError::UsernameTaken)
        ));
        let prefixed = store
            .snapshot()
            .unwrap()
            .users_with_prefix("ali", 10)
            .unwrap();
        assert_eq!(prefixed.len(), 1, "listed once, by her current name");

        // The hold ends: the name is anyone's.
        let mallory = store.create_user("alice", "hash", 31 * DAY, false).unwrap();
        assert_eq!(
            store.find_user("alice").unwrap().unwrap().user.id,
            mallory.id
        );
        assert_eq!(
            store.find_user("alicia").unwrap().unwrap().user.id,
            alice.id
        );
    }

    #[test]
    fn taking_back_ones_own_name_and_changing_case_need_no_hold() {
        let (_dir, store) = store();
        let bob = store.create_user("bob", "hash", 0, false).unwrap();
        let carol = store.create_user("carol", "hash", 0, false).unwrap();
        assert!(matches!(
            store.rename_user(bob.id, "CAROL", 0, DAY),
            Err(StoreError::UsernameTaken)
        ));
        store.rename_user(bob.id, "robert", 0, DAY).unwrap();
        assert!(matches!(
            store.rename_user(carol.id, "bob", 0, DAY),
            Err(StoreError::UsernameTaken)
        ));
        store.rename_user(bob.id, "Bob", 1, DAY).unwrap();
        assert_eq!(
            store.release_held_names(10 * DAY).unwrap(),
            1,
            "robert's hold"
        );
        assert!(store.find_user("robert").unwrap().is_none());
        assert_eq!(
            store.find_user("bob").unwrap().unwrap().user.username,
            "Bob"
        );
        store.rename_user(bob.id, "BOB", 2, DAY).unwrap();
        assert_eq!(
            store.release_held_names(100 * DAY).unwrap(),
            0,
            "a case change holds nothing"
        );
        assert_eq!(
            store.find_user("bob").unwrap().unwrap().user.username,
            "BOB"
        );
    }
}
