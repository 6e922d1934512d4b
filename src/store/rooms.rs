//! Rooms and memberships as stored. Who may do what with them is decided above this layer
//! (`crate::access`); here are the records and their typed reads.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// The three kinds of room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Anyone signed in may join by name; listed on `/rooms`.
    Open,
    /// Only members see it.
    Private,
    /// A conversation of 2–8 people, without a name.
    Direct,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Open => "open",
            Kind::Private => "private",
            Kind::Direct => "direct",
        }
    }
}

/// A member's role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }
}

/// A room in the `rooms` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRecord {
    pub kind: Kind,
    /// The name as first created (`Lobby`, even when joined as `lobby`); none for a direct
    /// room.
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<u64>,
    /// The room's change sequence: the number of its latest change. Never reused.
    pub seq: u64,
    /// Id of the newest message (0 when there is none).
    pub last_id: u64,
    /// Unix milliseconds of the newest message (or of creation).
    pub last_activity: u64,
    /// How many members the room has.
    pub members: u32,
    /// Direct rooms: how many members have hidden the room from their sidebar. A new message
    /// brings it back for them; the count spares the writer a look at every membership when
    /// nobody has.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hidden: u32,
    /// Unix ms when an admin archived it: it can be read, and nothing in it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<u64>,
    /// Unix ms when an admin deleted it. What is left is this record, so that its id is never
    /// given to another room, while its messages are erased (`room_purges`); no door finds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<u64>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A room as the rest of confab sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: u64,
    pub kind: Kind,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub created_at: u64,
    pub created_by: Option<u64>,
    pub seq: u64,
    pub last_id: u64,
    pub last_activity: u64,
    pub members: u32,
    /// When it was archived: readable, and closed to every change.
    pub archived_at: Option<u64>,
}

impl Room {
    pub fn from_record(id: u64, record: &RoomRecord) -> Room {
        Room {
            id,
            kind: record.kind,
            name: record.name.clone(),
            topic: record.topic.clone(),
            created_at: record.created_at,
            created_by: record.created_by,
            seq: record.seq,
            last_id: record.last_id,
            last_activity: record.last_activity,
            members: record.members,
            archived_at: record.archived_at,
        }
    }
}

/// A membership in the `members` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipRecord {
    pub role: Role,
    /// Unix milliseconds; the longest-standing member inherits a room its last owner leaves.
    pub joined_at: u64,
    /// A direct room the member has hidden from their sidebar (until its next message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// The member's choice of what calls them back; none: the default for the room's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Level>,
}

/// How much of a room's activity calls a member back: a system notification in the page, a
/// push to the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Every message by someone else.
    All,
    /// Messages that call them: by name, `@here` while online, `@room`.
    Mentions,
    /// Nothing.
    None,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::All => "all",
            Level::Mentions => "mentions",
            Level::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        [Level::All, Level::Mentions, Level::None]
            .into_iter()
            .find(|level| level.as_str() == text)
    }

    /// What a member who never chose hears: all of a conversation, what calls them elsewhere.
    pub fn default_for(kind: Kind) -> Level {
        match kind {
            Kind::Direct => Level::All,
            Kind::Open | Kind::Private => Level::Mentions,
        }
    }
}

/// One person's membership of one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub room_id: u64,
    pub user_id: u64,
    pub role: Role,
    pub joined_at: u64,
    pub hidden: bool,
    /// Their choice of notifications (see [`Membership::level`]).
    pub notify: Option<Level>,
}

impl Membership {
    pub fn from_record(room_id: u64, user_id: u64, record: &MembershipRecord) -> Membership {
        Membership {
            room_id,
            user_id,
            role: record.role,
            joined_at: record.joined_at,
            hidden: record.hidden,
            notify: record.notify,
        }
    }

    pub fn record(&self) -> MembershipRecord {
        MembershipRecord {
            role: self.role,
            joined_at: self.joined_at,
            hidden: self.hidden,
            notify: self.notify,
        }
    }

    /// What calls this member back from a room of this kind: their choice, or the default.
    pub fn level(&self, kind: Kind) -> Level {
        self.notify.unwrap_or(Level::default_for(kind))
    }
}

/// The key that makes `Lobby`, ` lobby ` and `LOBBY` one room.
pub fn room_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The key of a direct room: its people's ids, sorted, joined by commas.
pub fn direct_key(user_ids: &[u64]) -> String {
    let mut ids = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// A room, unless there is none or it was deleted: a deleted room's record only keeps its id
/// taken.
pub(super) fn load_room(
    rooms: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<RoomRecord>, StoreError> {
    match rooms.get(id)? {
        Some(bytes) => {
            let record: RoomRecord = serde_json::from_slice(bytes.value())?;
            Ok(record.deleted_at.is_none().then_some(record))
        }
        None => Ok(None),
    }
}

pub(super) fn load_membership(
    members: &impl ReadableTable<(u64, u64), &'static [u8]>,
    room_id: u64,
    user_id: u64,
) -> Result<Option<Membership>, StoreError> {
    match members.get((room_id, user_id))? {
        Some(bytes) => {
            let record: MembershipRecord = serde_json::from_slice(bytes.value())?;
            Ok(Some(Membership::from_record(room_id, user_id, &record)))
        }
        None => Ok(None),
    }
}

/// Every membership of a room, oldest first.
pub(super) fn memberships_of(
    members: &impl ReadableTable<(u64, u64), &'static [u8]>,
    room_id: u64,
) -> Result<Vec<Membership>, StoreError> {
    let mut out = Vec::new();
    for entry in members.range((room_id, 0)..=(room_id, u64::MAX))? {
        let (key, bytes) = entry?;
        let record: MembershipRecord = serde_json::from_slice(bytes.value())?;
        out.push(Membership::from_record(room_id, key.value().1, &record));
    }
    out.sort_by_key(|m| (m.joined_at, m.user_id));
    Ok(out)
}

/// The ids of every room a user is a member of.
pub(super) fn rooms_of(
    user_rooms: &impl ReadableTable<(u64, u64), ()>,
    user_id: u64,
) -> Result<Vec<u64>, StoreError> {
    let mut out = Vec::new();
    for entry in user_rooms.range((user_id, 0)..=(user_id, u64::MAX))? {
        out.push(entry?.0.value().1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_keys_do_not_depend_on_order_or_repeats() {
        assert_eq!(direct_key(&[9, 1, 4]), "1,4,9");
        assert_eq!(direct_key(&[4, 9, 1, 9]), "1,4,9");
        assert_eq!(direct_key(&[2, 10]), "2,10");
    }

    #[test]
    fn room_records_of_every_kind_read_back() {
        let record = RoomRecord {
            kind: Kind::Private,
            name: Some("Team".into()),
            topic: Some("plans".into()),
            created_at: 1,
            created_by: Some(3),
            seq: 9,
            last_id: 8,
            last_activity: 2,
            members: 2,
            hidden: 0,
            archived_at: None,
            deleted_at: None,
        };
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains(r#""kind":"private""#), "{json}");
        assert!(!json.contains("hidden"), "zero counts are left out: {json}");
        assert_eq!(serde_json::from_str::<RoomRecord>(&json).unwrap(), record);
    }
}
