//! What admins and the operator do to accounts: make one, disable and enable it, promote and
//! demote it, end its sessions, give it a new password or a sign-in link. Each change commits
//! in one transaction with its entry in the audit log, and a change that changes nothing
//! (promoting an admin) writes no entry.
//!
//! An admin is an account with the `admin` flag: the first account of an empty server is one
//! (decided where accounts are made), and nothing may leave the server without an admin who can
//! sign in: demoting or disabling the last one is refused ([`StoreError::LastAdmin`]).

use redb::{Durability, ReadableTable, WriteTransaction};

use super::audit::{self, AuditEntry};
use super::recovery::{LinkKey, ResetLink, insert_reset_link, replace_password};
use super::sessions::end_user_sessions;
use super::users::{UserRecord, change_user, current_user, insert_user};
use super::{SessionKey, Store, StoreError, User, tables};

/// A change to an existing account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// No more signing in; every session ends.
    Disable,
    /// Disable as a sanction: as [`AccountChange::Disable`], and logged even when the account
    /// was disabled already (its messages may be deleted with it).
    Ban,
    Enable,
    /// Make them an admin.
    Promote,
    /// Make them an admin no longer.
    Demote,
    /// End every session, so each device must sign in again.
    EndSessions,
    /// A new password (its hash); every session ends.
    ResetPassword {
        password_hash: String,
    },
    /// A one-time sign-in link, stored under the hash of its token.
    SignInLink {
        key: LinkKey,
        link: ResetLink,
    },
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Administered {
    /// The account as it is now.
    pub user: User,
    /// Whether anything changed (promoting an admin does not).
    pub changed: bool,
    /// The sessions that ended, whose sockets must close.
    pub ended: Vec<SessionKey>,
}

impl Store {
    /// Makes an account as the operator asked, with its audit entry (see
    /// [`Store::create_user`] for the rules of names and the first admin).
    pub fn add_user(
        &self,
        username: &str,
        password_hash: &str,
        admin: bool,
        entry: &AuditEntry,
    ) -> Result<User, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let user = insert_user(txn, username, password_hash, entry.at, admin)?;
            audit::append(txn, entry)?;
            Ok(user)
        })
    }

    /// Applies `change` to the account `user_id` and, when it changed something, appends
    /// `entry` to the audit log in the same transaction.
    pub fn administer(
        &self,
        user_id: u64,
        change: AccountChange,
        entry: &AuditEntry,
    ) -> Result<Administered, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let before = current_user(txn, user_id)?;
            let mut ended = Vec::new();
            let changed = match change {
                AccountChange::Disable if before.disabled => false,
                AccountChange::Disable | AccountChange::Ban => {
                    if before.admin {
                        keep_an_admin(txn, user_id)?;
                    }
                    change_user(txn, user_id, |record| record.disabled = true)?;
                    ended = end_user_sessions(txn, user_id, None)?;
                    true
                }
                AccountChange::Enable => {
                    change_user(txn, user_id, |record| record.disabled = false)?;
                    before.disabled
                }
                AccountChange::Promote => {
                    change_user(txn, user_id, |record| record.admin = true)?;
                    !before.admin
                }
                AccountChange::Demote => {
                    if before.admin && !before.disabled {
                        keep_an_admin(txn, user_id)?;
                    }
                    change_user(txn, user_id, |record| record.admin = false)?;
                    before.admin
                }
                AccountChange::EndSessions => {
                    ended = end_user_sessions(txn, user_id, None)?;
                    !ended.is_empty()
                }
                AccountChange::ResetPassword { password_hash } => {
                    ended = replace_password(txn, user_id, &password_hash)?.ended;
                    true
                }
                AccountChange::SignInLink { key, link } => {
                    insert_reset_link(txn, key, &link)?;
                    true
                }
            };
            if changed {
                audit::append(txn, entry)?;
            }
            Ok(Administered {
                user: current_user(txn, user_id)?,
                changed,
                ended,
            })
        })
    }
}

/// [`StoreError::LastAdmin`] unless someone other than `user_id` is an admin who can sign in.
fn keep_an_admin(txn: &WriteTransaction, user_id: u64) -> Result<(), StoreError> {
    let users = txn.open_table(tables::USERS)?;
    for row in users.iter()? {
        let (id, bytes) = row?;
        let record: UserRecord = serde_json::from_slice(bytes.value())?;
        if id.value() != user_id && record.admin && !record.disabled {
            return Ok(());
        }
    }
    Err(StoreError::LastAdmin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, target: &str) -> AuditEntry {
        AuditEntry {
            at: 10,
            by_id: None,
            by: "operator".into(),
            from: "command line".into(),
            action: action.into(),
            target: target.into(),
            detail: None,
        }
    }

    fn change(store: &Store, user: &User, change: AccountChange) -> Result<bool, StoreError> {
        let entry = entry(&format!("{change:?}"), &user.username);
        store
            .administer(user.id, change, &entry)
            .map(|done| done.changed)
    }

    #[test]
    fn the_first_account_is_the_admin_and_the_last_admin_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let alice = store.create_user("alice", "hash", 1, false).unwrap();
        let bob = store.create_user("bob", "hash", 2, false).unwrap();
        let cai = store
            .add_user("cai", "hash", true, &entry("user.add", "cai"))
            .unwrap();
        assert_eq!((alice.admin, bob.admin, cai.admin), (true, false, true));

        assert!(change(&store, &cai, AccountChange::Demote).unwrap());
        assert!(
            !change(&store, &bob, AccountChange::Demote).unwrap(),
            "not one: nothing to change"
        );
        assert!(!change(&store, &alice, AccountChange::Promote).unwrap());
        for last in [AccountChange::Demote, AccountChange::Disable] {
            assert!(matches!(
                change(&store, &alice, last),
                Err(StoreError::LastAdmin)
            ));
        }
        // A disabled admin cannot sign in: it does not count.
        change(&store, &bob, AccountChange::Promote).unwrap();
        change(&store, &bob, AccountChange::Disable).unwrap();
        assert!(matches!(
            change(&store, &alice, AccountChange::Demote),
            Err(StoreError::LastAdmin)
        ));
        assert!(!change(&store, &bob, AccountChange::Disable).unwrap());
        change(&store, &bob, AccountChange::Enable).unwrap();
        change(&store, &alice, AccountChange::Demote).unwrap();
        let admins: Vec<String> = store
            .list_users()
            .unwrap()
            .into_iter()
            .filter(|user| user.admin)
            .map(|user| user.username)
            .collect();
        assert_eq!(admins, ["bob"]);
        let nobody = store.administer(999, AccountChange::Promote, &entry("user.promote", "x"));
        assert!(matches!(nobody, Err(StoreError::NotFound)));

        // Every change that changed something is in the log, in order; no refusal or no-op is.
        let log: Vec<(String, String)> = store
            .audit_oldest(0, 100)
            .unwrap()
            .into_iter()
            .map(|a| (a.entry.action, a.entry.target))
            .collect();
        let expected = [
            ("user.add", "cai"),
            ("Demote", "cai"),
            ("Promote", "bob"),
            ("Disable", "bob"),
            ("Enable", "bob"),
            ("Demote", "alice"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, t)| (a.to_string(), t.to_string()))
            .collect();
        assert_eq!(log, expected);
    }

    #[test]
    fn disabling_and_ending_sessions_end_every_session() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_user("alice", "hash", 1, false).unwrap();
        let bob = store.create_user("bob", "hash", 2, false).unwrap();
        let session = |key: u8| {
            let record = crate::store::SessionRecord {
                user_id: bob.id,
                created_at: 1,
                last_seen: 1,
                user_agent: None,
                ip: None,
            };
            store.create_session([key; 32], &record).unwrap();
        };
        session(1);
        session(2);
        let ended = store
            .administer(
                bob.id,
                AccountChange::EndSessions,
                &entry("user.end_sessions", "bob"),
            )
            .unwrap();
        assert_eq!(ended.ended.len(), 2);
        let again = store
            .administer(
                bob.id,
                AccountChange::EndSessions,
                &entry("user.end_sessions", "bob"),
            )
            .unwrap();
        assert!(!again.changed, "nothing left to end");
        session(3);
        let disabled = store
            .administer(
                bob.id,
                AccountChange::Disable,
                &entry("user.disable", "bob"),
            )
            .unwrap();
        assert_eq!(disabled.ended, [[3; 32]]);
        assert!(disabled.user.disabled);
        assert_eq!(store.audit_oldest(0, 100).unwrap().len(), 2);
    }
}
