//! The server's own settings, as its admins chose them on `/admin`: who may sign up, and who
//! may make rooms; and the server's invite links, with which people sign up when sign-up is by
//! invitation. A change is written with its audit entry in one transaction; a sign-up with an
//! invite uses it up in the transaction that makes the account.

use redb::{Durability, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditEntry};
use super::users::insert_user;
use super::{InviteKey, Store, StoreError, Tx, User, tables};

/// Who may make an account by signing up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signup {
    /// Anyone.
    Open,
    /// Whoever has one of the server's invite links.
    Invite,
    /// Nobody: accounts are made by the operator (`confab user add`).
    Closed,
}

/// Who may make a new named room (a conversation is not one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomCreation {
    #[default]
    Everyone,
    Admins,
}

/// The settings an admin chose. A field nobody chose yet says so, so the command line's default
/// (`--open-signup`) still holds until then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup: Option<Signup>,
    #[serde(default)]
    pub room_creation: RoomCreation,
}

/// One of the server's invite links, keyed by the SHA-256 of its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInvite {
    pub created_by: u64,
    pub created_at: u64,
    /// Unix ms after which it no longer works; none: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// How many accounts it may make; none: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    pub uses: u32,
    #[serde(default)]
    pub revoked: bool,
}

impl ServerInvite {
    /// Whether it still makes an account at `now_ms`.
    pub fn usable(&self, now_ms: u64) -> bool {
        !self.revoked
            && self.expires_at.is_none_or(|at| now_ms < at)
            && self.max_uses.is_none_or(|max| self.uses < max)
    }
}

const SERVER: &str = "server";

fn read_settings(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<ServerSettings, StoreError> {
    match table.get(SERVER)? {
        Some(bytes) => Ok(serde_json::from_slice(bytes.value())?),
        None => Ok(ServerSettings::default()),
    }
}

fn load_invite(
    invites: &impl ReadableTable<[u8; 32], &'static [u8]>,
    key: InviteKey,
) -> Result<Option<ServerInvite>, StoreError> {
    match invites.get(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
        None => Ok(None),
    }
}

fn put_invite(
    txn: &WriteTransaction,
    key: InviteKey,
    invite: &ServerInvite,
) -> Result<(), StoreError> {
    txn.open_table(tables::SERVER_INVITES)?
        .insert(key, serde_json::to_vec(invite)?.as_slice())?;
    Ok(())
}

impl Tx<'_> {
    /// The settings as this transaction sees them: the writer decides who may make a room here.
    pub fn settings(&self) -> Result<ServerSettings, StoreError> {
        read_settings(&self.txn.open_table(tables::SETTINGS)?)
    }
}

impl Store {
    pub fn settings(&self) -> Result<ServerSettings, StoreError> {
        self.read(|txn| read_settings(&txn.open_table(tables::SETTINGS)?))
    }

    /// Saves `settings` with `entry`; whether they changed (nothing is written if not).
    pub fn change_settings(
        &self,
        settings: ServerSettings,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut table = txn.open_table(tables::SETTINGS)?;
            if read_settings(&table)? == settings {
                return Ok(false);
            }
            table.insert(SERVER, serde_json::to_vec(&settings)?.as_slice())?;
            drop(table);
            audit::append(txn, entry)?;
            Ok(true)
        })
    }

    /// Keeps a new invite link, with its audit entry.
    pub fn create_server_invite(
        &self,
        key: InviteKey,
        invite: &ServerInvite,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.write(Durability::Immediate, |txn| {
            put_invite(txn, key, invite)?;
            audit::append(txn, entry)?;
            Ok(())
        })
    }

    /// Every invite link ever made, newest first, with its key.
    pub fn server_invites(&self) -> Result<Vec<(InviteKey, ServerInvite)>, StoreError> {
        self.read(|txn| {
            let table = txn.open_table(tables::SERVER_INVITES)?;
            let mut all = Vec::new();
            for row in table.iter()? {
                let (key, bytes) = row?;
                all.push((key.value(), serde_json::from_slice(bytes.value())?));
            }
            all.sort_by_key(|(_, invite): &(InviteKey, ServerInvite)| {
                std::cmp::Reverse(invite.created_at)
            });
            Ok(all)
        })
    }

    /// Revokes the invite whose key `matches`, with `entry`; whether there was one to revoke.
    pub fn revoke_server_invite(
        &self,
        matches: impl Fn(&InviteKey) -> bool,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let found = {
                let table = txn.open_table(tables::SERVER_INVITES)?;
                let mut found = None;
                for row in table.iter()? {
                    let (key, bytes) = row?;
                    if matches(&key.value()) {
                        let invite: ServerInvite = serde_json::from_slice(bytes.value())?;
                        found = Some((key.value(), invite));
                        break;
                    }
                }
                found
            };
            match found {
                Some((key, invite)) if !invite.revoked => {
                    put_invite(
                        txn,
                        key,
                        &ServerInvite {
                            revoked: true,
                            ..invite
                        },
                    )?;
                    audit::append(txn, entry)?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    /// Makes an account that signed up with the invite `key`, using the invite up in the same
    /// transaction: [`StoreError::NotFound`] when it is unknown or no longer usable at `now_ms`.
    pub fn create_invited_user(
        &self,
        username: &str,
        password_hash: &str,
        now_ms: u64,
        key: InviteKey,
    ) -> Result<User, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let invite = load_invite(&txn.open_table(tables::SERVER_INVITES)?, key)?
                .filter(|invite| invite.usable(now_ms))
                .ok_or(StoreError::NotFound)?;
            let user = insert_user(txn, username, password_hash, now_ms, false)?;
            put_invite(
                txn,
                key,
                &ServerInvite {
                    uses: invite.uses + 1,
                    ..invite
                },
            )?;
            Ok(user)
        })
    }

    /// The invite `key`, if it would still make an account at `now_ms` (the sign-up page
    /// says so before anyone types).
    pub fn usable_server_invite(&self, key: InviteKey, now_ms: u64) -> Result<bool, StoreError> {
        self.read(|txn| {
            let invite = load_invite(&txn.open_table(tables::SERVER_INVITES)?, key)?;
            Ok(invite.is_some_and(|invite| invite.usable(now_ms)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: 1,
            by_id: Some(1),
            by: "root".into(),
            from: "127.0.0.1".into(),
            action: action.into(),
            target: "server".into(),
            detail: None,
        }
    }

    #[test]
    fn settings_change_once_and_are_logged_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.settings().unwrap(), ServerSettings::default());
        let invite_only = ServerSettings {
            signup: Some(Signup::Invite),
            room_creation: RoomCreation::Admins,
        };
        assert!(
            store
                .change_settings(invite_only, &entry("settings.change"))
                .unwrap()
        );
        assert!(
            !store
                .change_settings(invite_only, &entry("settings.change"))
                .unwrap()
        );
        assert_eq!(store.settings().unwrap(), invite_only);
        assert_eq!(store.audit_oldest(0, 10).unwrap().len(), 1);
    }

    #[test]
    fn an_invite_makes_accounts_until_it_is_used_up_expired_or_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let invite = ServerInvite {
            created_by: 1,
            created_at: 10,
            expires_at: Some(1_000),
            max_uses: Some(2),
            uses: 0,
            revoked: false,
        };
        store
            .create_server_invite([1; 32], &invite, &entry("invite.create"))
            .unwrap();
        assert!(store.usable_server_invite([1; 32], 20).unwrap());
        store.create_invited_user("ana", "h", 20, [1; 32]).unwrap();
        assert!(matches!(
            store.create_invited_user("ana", "h", 20, [1; 32]),
            Err(StoreError::UsernameTaken)
        ));
        assert!(matches!(
            store.create_invited_user("bo", "h", 1_000, [1; 32]),
            Err(StoreError::NotFound)
        ));
        store.create_invited_user("bo", "h", 30, [1; 32]).unwrap();
        assert!(matches!(
            store.create_invited_user("cy", "h", 40, [1; 32]),
            Err(StoreError::NotFound)
        ));
        assert!(!store.usable_server_invite([1; 32], 40).unwrap());
        assert_eq!(store.server_invites().unwrap()[0].1.uses, 2);

        store
            .create_server_invite(
                [2; 32],
                &ServerInvite {
                    max_uses: None,
                    expires_at: None,
                    ..invite
                },
                &entry("invite.create"),
            )
            .unwrap();
        assert!(
            store
                .revoke_server_invite(|key| key[0] == 2, &entry("invite.revoke"))
                .unwrap()
        );
        assert!(
            !store
                .revoke_server_invite(|key| key[0] == 2, &entry("invite.revoke"))
                .unwrap()
        );
        assert!(
            !store
                .revoke_server_invite(|key| key[0] == 9, &entry("invite.revoke"))
                .unwrap()
        );
        assert!(matches!(
            store.create_invited_user("cy", "h", 40, [2; 32]),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.create_invited_user("cy", "h", 40, [3; 32]),
            Err(StoreError::NotFound)
        ));
        let actions: Vec<String> = store
            .audit_oldest(0, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.entry.action)
            .collect();
        assert_eq!(actions, ["invite.create", "invite.create", "invite.revoke"]);
    }
}
