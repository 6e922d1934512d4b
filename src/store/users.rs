//! Accounts: unique (case-insensitive) usernames (see [`super::names`]), a display name,
//! argon2id PHC hashes, a disabled flag.

use redb::{Durability, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::names::{claim_name, user_id_by_name, username_key};
use super::{Store, StoreError, next_id, tables};

#[derive(Serialize, Deserialize)]
pub(super) struct UserRecord {
    pub(super) username: String,
    /// Shown beside the username; any script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) display_name: Option<String>,
    pub(super) password_hash: String,
    pub(super) created_at: u64,
    #[serde(default)]
    pub(super) disabled: bool,
    #[serde(default)]
    pub(super) dm_from: DmFrom,
    /// The file name of the avatar's images (see [`super::avatars`]), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) avatar: Option<String>,
    /// Unix milliseconds, once the person deleted the account (see [`super::deletion`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) deleted_at: Option<u64>,
    /// Its notifications say only "New message": not who wrote, where, or what.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) private_notifications: bool,
    /// It administers the server (see [`super::roles`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) admin: bool,
}

/// Who may open a direct room with someone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmFrom {
    #[default]
    Everyone,
    Friends,
}

impl DmFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            DmFrom::Everyone => "everyone",
            DmFrom::Friends => "friends",
        }
    }

    pub fn parse(text: &str) -> Option<DmFrom> {
        match text {
            "everyone" => Some(DmFrom::Everyone),
            "friends" => Some(DmFrom::Friends),
            _ => None,
        }
    }
}

/// An account as the rest of confab sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub username: String,
    /// Shown beside the username, when the person chose one.
    pub display_name: Option<String>,
    /// Unix milliseconds.
    pub created_at: u64,
    pub disabled: bool,
    pub dm_from: DmFrom,
    /// The file name its avatar is served under, at each size; none: initials are shown.
    pub avatar: Option<String>,
    /// Its owner deleted it: it is disabled for good and shows as "Deleted user".
    pub deleted: bool,
    /// Its notifications (pushed, or shown by an open page) say only "New message".
    pub private_notifications: bool,
    /// It administers the server.
    pub admin: bool,
}

/// An account together with its password hash, for sign-in only.
pub struct UserWithHash {
    pub user: User,
    pub password_hash: String,
}

impl UserRecord {
    pub(super) fn into_user(self, id: u64) -> UserWithHash {
        UserWithHash {
            user: User {
                id,
                username: self.username,
                display_name: self.display_name,
                created_at: self.created_at,
                disabled: self.disabled,
                dm_from: self.dm_from,
                avatar: self.avatar,
                deleted: self.deleted_at.is_some(),
                private_notifications: self.private_notifications,
                admin: self.admin,
            },
            password_hash: self.password_hash,
        }
    }
}

impl Store {
    /// Creates an account; [`StoreError::UsernameTaken`] when the name is another account's,
    /// in any case, or held for one that gave it up less than its hold ago. It is an admin when
    /// `admin` says so, and when it is the server's first account (decided in the same
    /// transaction, so two sign-ups at once on an empty server make one admin).
    pub fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        now_ms: u64,
        admin: bool,
    ) -> Result<User, StoreError> {
        self.write(Durability::Immediate, |txn| {
            insert_user(txn, username, password_hash, now_ms, admin)
        })
    }

    /// Looks an account up by name, in any case, with its password hash.
    pub fn find_user(&self, username: &str) -> Result<Option<UserWithHash>, StoreError> {
        self.read(|txn| {
            let names = txn.open_table(tables::USERNAMES)?;
            let Some(id) = user_id_by_name(&names, username)? else {
                return Ok(None);
            };
            let users = txn.open_table(tables::USERS)?;
            load_user(&users, id)
        })
    }

    /// Looks an account up by id.
    pub fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        self.read(|txn| {
            let users = txn.open_table(tables::USERS)?;
            Ok(load_user(&users, id)?.map(|u| u.user))
        })
    }

    /// The password hash of an account, by id.
    pub fn password_hash(&self, id: u64) -> Result<Option<String>, StoreError> {
        self.read(|txn| {
            let users = txn.open_table(tables::USERS)?;
            Ok(load_user(&users, id)?.map(|u| u.password_hash))
        })
    }

    /// Every account, oldest first.
    pub fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|txn| {
            let users = txn.open_table(tables::USERS)?;
            let mut out = Vec::new();
            for entry in users.iter()? {
                let (id, bytes) = entry?;
                let record: UserRecord = serde_json::from_slice(bytes.value())?;
                out.push(record.into_user(id.value()).user);
            }
            Ok(out)
        })
    }

    /// Replaces the password hash of an account.
    pub fn set_password_hash(&self, user_id: u64, password_hash: &str) -> Result<(), StoreError> {
        self.update_user(user_id, |record| {
            record.password_hash = password_hash.to_owned()
        })
    }

    /// Disables (or re-enables) an account. A disabled account cannot sign in.
    pub fn set_disabled(&self, user_id: u64, disabled: bool) -> Result<(), StoreError> {
        self.update_user(user_id, |record| record.disabled = disabled)
    }

    fn update_user(
        &self,
        user_id: u64,
        change: impl FnOnce(&mut UserRecord),
    ) -> Result<(), StoreError> {
        self.write(Durability::Immediate, |txn| {
            change_user(txn, user_id, change)
        })
    }
}

/// Creates an account inside a transaction that may do more (see [`Store::create_user`]).
pub(super) fn insert_user(
    txn: &WriteTransaction,
    username: &str,
    password_hash: &str,
    now_ms: u64,
    admin: bool,
) -> Result<User, StoreError> {
    let mut users = txn.open_table(tables::USERS)?;
    let admin = admin || users.first()?.is_none();
    let id = next_id(&users)?;
    claim_name(txn, username, id, now_ms)?;
    let record = UserRecord {
        username: username.to_owned(),
        display_name: None,
        password_hash: password_hash.to_owned(),
        created_at: now_ms,
        disabled: false,
        dm_from: DmFrom::Everyone,
        avatar: None,
        deleted_at: None,
        private_notifications: false,
        admin,
    };
    users.insert(id, serde_json::to_vec(&record)?.as_slice())?;
    Ok(record.into_user(id).user)
}

/// Changes an account's record inside a transaction that may do more.
pub(super) fn change_user(
    txn: &WriteTransaction,
    user_id: u64,
    change: impl FnOnce(&mut UserRecord),
) -> Result<(), StoreError> {
    let mut users = txn.open_table(tables::USERS)?;
    let mut record: UserRecord = match users.get(user_id)? {
        Some(bytes) => serde_json::from_slice(bytes.value())?,
        None => return Err(StoreError::NotFound),
    };
    change(&mut record);
    users.insert(user_id, serde_json::to_vec(&record)?.as_slice())?;
    Ok(())
}

/// The account as this transaction sees it now.
pub(super) fn current_user(txn: &WriteTransaction, user_id: u64) -> Result<User, StoreError> {
    let users = txn.open_table(tables::USERS)?;
    load_user(&users, user_id)?
        .map(|found| found.user)
        .ok_or(StoreError::NotFound)
}

pub(super) fn load_user(
    users: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<UserWithHash>, StoreError> {
    match users.get(id)? {
        Some(bytes) => {
            let record: UserRecord = serde_json::from_slice(bytes.value())?;
            Ok(Some(record.into_user(id)))
        }
        None => Ok(None),
    }
}

/// Up to `limit` accounts whose username starts with `prefix` (in any case), by username.
pub(super) fn users_with_prefix(
    names: &impl ReadableTable<&'static str, u64>,
    users: &impl ReadableTable<u64, &'static [u8]>,
    prefix: &str,
    limit: usize,
) -> Result<Vec<User>, StoreError> {
    let start = username_key(prefix);
    let mut out = Vec::new();
    for entry in names.range(start.as_str()..)? {
        let (key, id) = entry?;
        if !key.value().starts_with(start.as_str()) || out.len() >= limit {
            break;
        }
        // A name someone gave up still leads to them for a while; it is not theirs to list.
        if let Some(found) = load_user(users, id.value())?
            && username_key(&found.user.username) == key.value()
        {
            out.push(found.user);
        }
    }
    Ok(out)
}
