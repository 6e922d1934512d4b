//! `users.jsonl`: one account a line, as the messages name it, and in a server export all it
//! needs to sign in again.

use serde::{Deserialize, Serialize};

use super::{Until, check_id};
use crate::auth::is_own_hash;
use crate::auth::validate::check_username;
use crate::files::blobs::Digest;
use crate::people::avatar::file_encoding;
use crate::people::check_display_name;
use crate::store::{Account, DmFrom, Friendship, User, deleted_username};

/// A line of `users.jsonl`: an account as the messages name it, and, in a server export, all
/// it needs to sign in again (`account`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLine {
    pub id: u64,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Unix ms.
    pub created_at: u64,
    /// Its owner deleted it; its messages stay.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Only in a server export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountLine>,
}

/// What only a server export carries about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLine {
    /// The argon2id PHC string; empty for a deleted account.
    pub password_hash: String,
    #[serde(default)]
    pub disabled: bool,
    /// `everyone` or `friends`: who may start a direct room with it.
    pub dm_from: String,
    /// Its notifications say only "New message".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private_notifications: bool,
    /// It administers the server.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<u64>,
    /// The avatar's file name: its images are `avatars/SIDE/NAME` in the export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Hashes of the unused recovery codes, hex.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recovery_codes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub friends: Vec<FriendLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<BlockLine>,
}

/// Where an account stands with another, seen from itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendLine {
    pub user: u64,
    /// `friends`, `asked` (it asked) or `incoming` (the other asked).
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockLine {
    pub user: u64,
    /// Unix ms.
    pub since: u64,
}

impl UserLine {
    /// How a room export shows an account: who it is, nothing to sign in with.
    pub fn public(user: &User) -> UserLine {
        UserLine {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            created_at: user.created_at,
            deleted: user.deleted,
            account: None,
        }
    }

    /// How a server export carries an account.
    pub fn whole(account: &Account) -> UserLine {
        let user = &account.user;
        UserLine {
            account: Some(AccountLine {
                password_hash: account.password_hash.clone(),
                disabled: user.disabled,
                dm_from: user.dm_from.as_str().to_owned(),
                private_notifications: user.private_notifications,
                admin: user.admin,
                deleted_at: account.deleted_at,
                avatar: user.avatar.clone(),
                recovery_codes: account
                    .recovery_codes
                    .iter()
                    .map(|code| Digest(*code).hex())
                    .collect(),
                friends: account
                    .friends
                    .iter()
                    .map(|&(user, state)| FriendLine {
                        user,
                        state: state.as_str().to_owned(),
                    })
                    .collect(),
                blocks: account
                    .blocks
                    .iter()
                    .map(|&(user, since)| BlockLine { user, since })
                    .collect(),
            }),
            ..UserLine::public(user)
        }
    }

    /// The account this line of a server export describes, checked.
    pub fn account(&self, until: Until) -> Result<Account, String> {
        let Some(line) = &self.account else {
            return Err("an account without its password (a room export?)".into());
        };
        check_id(self.id, "the account")?;
        until.check(self.created_at, "its creation")?;
        if let Some(at) = line.deleted_at {
            until.check(at, "its deletion")?;
        }
        let deleted = line.deleted_at.is_some();
        if deleted != self.deleted {
            return Err("\"deleted\" and \"deleted_at\" disagree".into());
        }
        if deleted {
            if self.username != deleted_username(self.id) || !line.password_hash.is_empty() {
                return Err("a deleted account keeps no name and no password".into());
            }
        } else {
            check_username(&self.username)?;
            // A hash is verified with the parameters it names: one naming gigabytes of memory
            // would stop everyone's sign-in.
            if !is_own_hash(&line.password_hash) {
                return Err(
                    "the password hash is not an argon2id PHC string with this server's parameters"
                        .into(),
                );
            }
        }
        if let Some(name) = &self.display_name
            && check_display_name(name)? != Some(name.as_str())
        {
            return Err("the display name is not as it would be stored".into());
        }
        if let Some(avatar) = &line.avatar
            && file_encoding(avatar).is_none()
        {
            return Err(format!(
                "the avatar name {avatar:?} is not one confab makes"
            ));
        }
        let dm_from = DmFrom::parse(&line.dm_from)
            .ok_or_else(|| format!("dm_from {:?} is neither everyone nor friends", line.dm_from))?;
        let recovery_codes = line
            .recovery_codes
            .iter()
            .map(|hex| Digest::from_hex(hex).map(|d| d.0))
            .collect::<Option<Vec<_>>>()
            .ok_or("a recovery code hash is not 64 hex digits")?;
        let friends = line
            .friends
            .iter()
            .map(|f| friendship(&f.state).map(|state| (f.user, state)))
            .collect::<Result<Vec<_>, _>>()?;
        for block in &line.blocks {
            until.check(block.since, "a block")?;
        }
        Ok(Account {
            user: User {
                id: self.id,
                username: self.username.clone(),
                display_name: self.display_name.clone(),
                created_at: self.created_at,
                disabled: line.disabled || deleted,
                dm_from,
                avatar: line.avatar.clone(),
                deleted,
                private_notifications: line.private_notifications,
                admin: line.admin,
            },
            password_hash: line.password_hash.clone(),
            deleted_at: line.deleted_at,
            recovery_codes,
            friends,
            blocks: line.blocks.iter().map(|b| (b.user, b.since)).collect(),
        })
    }
}

fn friendship(state: &str) -> Result<Friendship, String> {
    [Friendship::Friends, Friendship::Asked, Friendship::Incoming]
        .into_iter()
        .find(|f| f.as_str() == state)
        .ok_or_else(|| format!("friendship {state:?} is not friends, asked or incoming"))
}
