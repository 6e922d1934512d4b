//! The lines of an export's JSON Lines files, one type per file, and how each is made from
//! what the store holds and read back into it. What a line may hold is checked here, by the
//! same rules as when people typed it, so an import writes nothing a person could not have.

use serde::{Deserialize, Serialize};

use crate::auth::validate::check_username;
use crate::files::blobs::Digest;
use crate::files::names::{clean_name, is_inline, stored_type};
use crate::people::check_display_name;
use crate::rooms::input::{check_emoji, check_message_text, check_room_name, check_topic};
use crate::store::{
    Account, DmFrom, Everyone, FileRef, Friendship, Kind, Membership, MessageRecord, PreviewRecord,
    Reaction, Role, Room, UploadRecord, UploadState, User, deleted_username,
};

/// Most accounts a direct room may have.
const DIRECT_MAX: usize = 8;

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

/// A line of `rooms.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomLine {
    pub id: u64,
    /// `open`, `private` or `direct`.
    pub kind: String,
    /// None for a direct room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<u64>,
    pub members: Vec<MemberLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLine {
    pub user: u64,
    /// `owner` or `member`.
    pub role: String,
    pub joined_at: u64,
    /// A direct room this member hid (server exports only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// The last message this member read (server exports only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<u64>,
}

/// A line of `messages.jsonl`: the messages of each room in order of their ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLine {
    pub room: u64,
    pub id: u64,
    /// Unix ms.
    pub ts: u64,
    pub author: u64,
    /// Empty for a deleted message (a tombstone).
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<u64>,
    /// The accounts its `@name`s call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<u64>,
    /// `here` or `room`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub everyone: Option<String>,
    /// With `@here`: the accounts it called.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub here: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionLine {
    pub emoji: String,
    pub users: Vec<u64>,
}

/// An attached file; its bytes are `files/SHA256` in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLine {
    pub id: u64,
    pub sha256: String,
    pub name: String,
    #[serde(rename = "type")]
    pub mime: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The picture the server made to show it in the page; its bytes are `files/SHA256` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLine {
    pub sha256: String,
    #[serde(rename = "type")]
    pub mime: String,
    pub width: u32,
    pub height: u32,
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
    pub fn account(&self) -> Result<Account, String> {
        let Some(line) = &self.account else {
            return Err("an account without its password (a room export?)".into());
        };
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
            argon2::PasswordHash::new(&line.password_hash)
                .map_err(|_| "the password hash is not a PHC string")?;
        }
        if let Some(name) = &self.display_name
            && check_display_name(name)? != Some(name.as_str())
        {
            return Err("the display name is not as it would be stored".into());
        }
        if let Some(avatar) = &line.avatar
            && !is_avatar_name(avatar)
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

/// 32 hex digits and `.jpg` or `.png`, as the server names avatars.
pub fn is_avatar_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((hash, "jpg" | "png")) => {
            hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }
        _ => false,
    }
}

/// A membership, with the last message its member read when the export says.
pub type MemberRead = (Membership, Option<u64>);

impl RoomLine {
    /// A room and its members; `whole` (a server export) adds their read positions and
    /// hidden direct rooms, which are theirs alone.
    pub fn of(room: &Room, members: &[(Membership, u64)], whole: bool) -> RoomLine {
        RoomLine {
            id: room.id,
            kind: room.kind.as_str().to_owned(),
            name: room.name.clone(),
            topic: room.topic.clone(),
            created_at: room.created_at,
            created_by: room.created_by,
            members: members
                .iter()
                .map(|(m, read)| MemberLine {
                    user: m.user_id,
                    role: m.role.as_str().to_owned(),
                    joined_at: m.joined_at,
                    hidden: whole && m.hidden,
                    read: whole.then_some(*read),
                })
                .collect(),
        }
    }

    /// The room and its memberships (with read positions) this line describes, checked.
    pub fn room(&self) -> Result<(Room, Vec<MemberRead>), String> {
        let kind = match self.kind.as_str() {
            "open" => Kind::Open,
            "private" => Kind::Private,
            "direct" => Kind::Direct,
            other => return Err(format!("kind {other:?} is not open, private or direct")),
        };
        if let Some(name) = &self.name
            && check_room_name(name)? != name.as_str()
        {
            return Err("the room name has spaces around it".into());
        }
        if let Some(topic) = &self.topic
            && check_topic(topic)?.as_deref() != Some(topic.as_str())
        {
            return Err("the topic is not as it would be stored".into());
        }
        if kind == Kind::Direct && !(2..=DIRECT_MAX).contains(&self.members.len()) {
            return Err("a direct room has 2 to 8 people".into());
        }
        let members = self
            .members
            .iter()
            .map(|m| {
                let role = match m.role.as_str() {
                    "owner" => Role::Owner,
                    "member" => Role::Member,
                    other => return Err(format!("role {other:?} is not owner or member")),
                };
                let membership = Membership {
                    room_id: self.id,
                    user_id: m.user,
                    role,
                    joined_at: m.joined_at,
                    hidden: m.hidden && kind == Kind::Direct,
                };
                Ok((membership, m.read))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let room = Room {
            id: self.id,
            kind,
            name: self.name.clone(),
            topic: self.topic.clone(),
            created_at: self.created_at,
            created_by: self.created_by,
            seq: 0,
            last_id: 0,
            last_activity: self.created_at,
            members: members.len() as u32,
        };
        Ok((room, members))
    }
}

impl MessageLine {
    /// A stored message and its files (with their stored upload records).
    pub fn of(room_id: u64, id: u64, record: &MessageRecord, uploads: &[UploadRecord]) -> Self {
        MessageLine {
            room: room_id,
            id,
            ts: record.ts,
            author: record.user_id,
            text: record.text.clone(),
            edited: record.edited,
            deleted: record.deleted,
            reply_to: record.reply_to,
            mentions: record.mentions.clone(),
            everyone: record.everyone.map(|e| e.as_str().to_owned()),
            here: record.here.clone(),
            reactions: record
                .reactions
                .iter()
                .map(|r| ReactionLine {
                    emoji: r.emoji.clone(),
                    users: r.users.clone(),
                })
                .collect(),
            files: record
                .files
                .iter()
                .zip(uploads)
                .map(|(file, upload)| FileLine::of(file, upload))
                .collect(),
        }
    }

    /// Every account the message names: its author, whom it calls, who reacted.
    pub fn people(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.author)
            .chain(self.mentions.iter().copied())
            .chain(self.here.iter().copied())
            .chain(self.reactions.iter().flat_map(|r| r.users.iter().copied()))
    }

    /// The message record and the uploads of its files this line describes, checked.
    pub fn record(&self) -> Result<(MessageRecord, Vec<(u64, UploadRecord)>), String> {
        if self.deleted {
            let bare = self.text.is_empty()
                && self.mentions.is_empty()
                && self.reactions.is_empty()
                && self.files.is_empty();
            if !bare {
                return Err("a deleted message keeps no text, mentions, reactions or files".into());
            }
        } else if self.files.is_empty() || !self.text.is_empty() {
            check_message_text(&self.text).map_err(|problem| problem.message().to_owned())?;
        }
        if self.reply_to.is_some_and(|to| to == 0 || to >= self.id) {
            return Err("it replies to a message that does not come before it".into());
        }
        let everyone = match self.everyone.as_deref() {
            None => None,
            Some("here") => Some(Everyone::Here),
            Some("room") => Some(Everyone::Room),
            Some(other) => return Err(format!("everyone {other:?} is not here or room")),
        };
        let mut reactions = Vec::with_capacity(self.reactions.len());
        for reaction in &self.reactions {
            check_emoji(&reaction.emoji)?;
            if reaction.users.is_empty() {
                return Err("a reaction without anyone".into());
            }
            reactions.push(Reaction {
                emoji: reaction.emoji.clone(),
                users: reaction.users.clone(),
            });
        }
        let mut files = Vec::with_capacity(self.files.len());
        let mut uploads = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let upload = file.upload(self.author, self.room, self.ts)?;
            files.push(upload.file_ref(file.id));
            uploads.push((file.id, upload));
        }
        let record = MessageRecord {
            ts: self.ts,
            user_id: self.author,
            text: self.text.clone(),
            client_id: None,
            changed_seq: None,
            edited: self.edited,
            deleted: self.deleted,
            reply_to: self.reply_to,
            mentions: self.mentions.clone(),
            everyone,
            here: self.here.clone(),
            reactions,
            files,
        };
        Ok((record, uploads))
    }
}

impl FileLine {
    fn of(file: &FileRef, upload: &UploadRecord) -> FileLine {
        FileLine {
            id: file.id,
            sha256: Digest(upload.digest).hex(),
            name: file.name.clone(),
            mime: file.mime.clone(),
            size: file.size,
            width: file.pixels.map(|(w, _)| w),
            height: file.pixels.map(|(_, h)| h),
            preview: upload.preview.as_ref().map(|p| PreviewLine {
                sha256: Digest(p.digest).hex(),
                mime: p.mime.clone(),
                width: p.width,
                height: p.height,
            }),
        }
    }

    /// The stored files this line names: its bytes, and its preview's.
    pub fn digests(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.sha256.as_str()).chain(self.preview.iter().map(|p| p.sha256.as_str()))
    }

    /// The upload record of a sent file, checked: a name and type as the server would have
    /// stored them, so an import cannot make a file be served as a page.
    fn upload(&self, uploader: u64, room_id: u64, sent: u64) -> Result<UploadRecord, String> {
        let digest =
            Digest::from_hex(&self.sha256).ok_or("a file's sha256 is not 64 hex digits")?;
        if self.id == 0 || self.id >= 1 << 53 {
            return Err(format!("file id {} is out of range", self.id));
        }
        if clean_name(&self.name) != self.name {
            return Err(format!(
                "the file name {:?} is not one confab keeps",
                self.name
            ));
        }
        let pixels = match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some((w, h)),
            (None, None) => None,
            _ => return Err("a file has one of width and height".into()),
        };
        let served_as = if is_inline(&self.mime) && pixels.is_some() {
            self.mime.clone()
        } else {
            stored_type(Some(&self.mime), None)
        };
        if served_as != self.mime {
            return Err(format!(
                "the file type {:?} is not one confab serves",
                self.mime
            ));
        }
        let preview = match &self.preview {
            None => None,
            Some(p) => {
                let digest =
                    Digest::from_hex(&p.sha256).ok_or("a preview's sha256 is not 64 hex digits")?;
                if !matches!(p.mime.as_str(), "image/jpeg" | "image/png") || pixels.is_none() {
                    return Err("a preview is a JPEG or PNG of a picture".into());
                }
                Some(PreviewRecord {
                    digest: digest.0,
                    mime: p.mime.clone(),
                    width: p.width,
                    height: p.height,
                })
            }
        };
        Ok(UploadRecord {
            uploader,
            room_id,
            digest: digest.0,
            size: self.size,
            name: self.name.clone(),
            mime: self.mime.clone(),
            created: sent,
            pixels,
            preview,
            state: UploadState::Sent { message: 0 },
        })
    }
}
