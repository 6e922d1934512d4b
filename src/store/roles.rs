//! Who administers the server. An admin is an account with the `admin` flag: the first account
//! of an empty server is one, and the operator makes and unmakes others (`confab user add
//! --admin`, `confab user promote|demote`). Demoting the last admin who can sign in is refused.

use redb::{Durability, ReadableTable};

use super::users::{UserRecord, change_user, current_user};
use super::{Store, StoreError, tables};

impl Store {
    /// Makes an account an admin or no longer one; returns whether that changed anything.
    /// [`StoreError::LastAdmin`] when it would leave no admin who can sign in (decided in the
    /// same transaction as the change).
    pub fn set_admin(&self, user_id: u64, admin: bool) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            if current_user(txn, user_id)?.admin == admin {
                return Ok(false);
            }
            if !admin {
                let users = txn.open_table(tables::USERS)?;
                let mut others = 0;
                for entry in users.iter()? {
                    let (id, bytes) = entry?;
                    let record: UserRecord = serde_json::from_slice(bytes.value())?;
                    if id.value() != user_id && record.admin && !record.disabled {
                        others += 1;
                    }
                }
                if others == 0 {
                    return Err(StoreError::LastAdmin);
                }
            }
            change_user(txn, user_id, |record| record.admin = admin)?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_account_is_the_admin_and_the_last_admin_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let alice = store.create_user("alice", "hash", 1, false).unwrap();
        let bob = store.create_user("bob", "hash", 2, false).unwrap();
        let cai = store.create_user("cai", "hash", 3, true).unwrap();
        assert_eq!((alice.admin, bob.admin, cai.admin), (true, false, true));

        assert!(store.set_admin(cai.id, false).unwrap());
        assert!(
            !store.set_admin(bob.id, false).unwrap(),
            "not one: nothing to change"
        );
        assert!(!store.set_admin(alice.id, true).unwrap(), "one already");
        assert!(matches!(
            store.set_admin(alice.id, false),
            Err(StoreError::LastAdmin)
        ));
        // A disabled admin cannot sign in: it does not count.
        store.set_admin(bob.id, true).unwrap();
        store.set_disabled(bob.id, true).unwrap();
        assert!(matches!(
            store.set_admin(alice.id, false),
            Err(StoreError::LastAdmin)
        ));
        store.set_disabled(bob.id, false).unwrap();
        store.set_admin(alice.id, false).unwrap();
        let admins: Vec<String> = store
            .list_users()
            .unwrap()
            .into_iter()
            .filter(|user| user.admin)
            .map(|user| user.username)
            .collect();
        assert_eq!(admins, ["bob"]);
        assert!(matches!(
            store.set_admin(999, true),
            Err(StoreError::NotFound)
        ));
    }
}
