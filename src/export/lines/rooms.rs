//! `rooms.jsonl`: one room a line, with its members.

use serde::{Deserialize, Serialize};

use super::{Until, check_id};
use crate::rooms::changes::{DIRECT_MAX, DIRECT_MIN, DIRECT_SIZE_RULE};
use crate::rooms::input::{check_room_name, check_topic};
use crate::store::{Kind, Level, Membership, Role, Room};

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
    /// When an admin archived it: readable, and closed to every change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<u64>,
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
    /// `all`, `mentions` or `none`, when the member chose (server exports only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<String>,
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
            archived_at: room.archived_at,
            members: members
                .iter()
                .map(|(m, read)| MemberLine {
                    user: m.user_id,
                    role: m.role.as_str().to_owned(),
                    joined_at: m.joined_at,
                    hidden: whole && m.hidden,
                    read: whole.then_some(*read),
                    notifications: m
                        .notify
                        .filter(|_| whole)
                        .map(|level| level.as_str().to_owned()),
                })
                .collect(),
        }
    }

    /// The room and its memberships (with read positions) this line describes, checked.
    pub fn room(&self, until: Until) -> Result<(Room, Vec<MemberRead>), String> {
        check_id(self.id, "the room")?;
        until.check(self.created_at, "its creation")?;
        if let Some(at) = self.archived_at {
            until.check(at, "its archiving")?;
        }
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
        if kind == Kind::Direct && !(DIRECT_MIN..=DIRECT_MAX).contains(&self.members.len()) {
            return Err(DIRECT_SIZE_RULE.into());
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
                until.check(m.joined_at, "a member's joining")?;
                let membership = Membership {
                    room_id: self.id,
                    user_id: m.user,
                    role,
                    joined_at: m.joined_at,
                    hidden: m.hidden && kind == Kind::Direct,
                    notify: match m.notifications.as_deref() {
                        None => None,
                        Some(level) => Some(Level::parse(level).ok_or_else(|| {
                            format!("notifications {level:?} is not all, mentions or none")
                        })?),
                    },
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
            archived_at: self.archived_at,
        };
        Ok((room, members))
    }
}
