//! Every redb table confab uses, in one place, so the shape of the data file can be read at a
//! glance. Records that may grow new fields are JSON; hot-path data (messages) uses redb's own
//! tuple encoding.

use redb::TableDefinition;

/// Small named counters and flags, e.g. `schema_version`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// user id → [`super::users::UserRecord`] as JSON.
pub const USERS: TableDefinition<u64, &[u8]> = TableDefinition::new("users");
/// lower-cased username → user id; makes usernames unique regardless of case.
pub const USERNAMES: TableDefinition<&str, u64> = TableDefinition::new("usernames");

/// SHA-256 of a session token → [`super::sessions::SessionRecord`] as JSON. The token itself is
/// never stored.
pub const SESSIONS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("sessions");
/// (user id, token hash) → (); finds every session of a user (password change, disable).
pub const USER_SESSIONS: TableDefinition<(u64, [u8; 32]), ()> =
    TableDefinition::new("user_sessions");

/// room id → [`super::rooms::RoomRecord`] as JSON.
pub const ROOMS: TableDefinition<u64, &[u8]> = TableDefinition::new("rooms");
/// lower-cased, trimmed room name → room id; `Lobby` and `lobby` are one room.
pub const ROOM_KEYS: TableDefinition<&str, u64> = TableDefinition::new("room_keys");
/// (last activity ms, room id) → (); newest last, so the busiest rooms are a reverse scan.
pub const ROOM_ACTIVITY: TableDefinition<(u64, u64), ()> = TableDefinition::new("room_activity");

/// A stored message: (ts ms, user id, username, text, client id).
pub type MessageValue<'a> = (u64, u64, &'a str, &'a str, Option<&'a str>);

/// (room id, message id) → [`MessageValue`].
pub const MESSAGES: TableDefinition<(u64, u64), MessageValue> = TableDefinition::new("messages");
/// (room id, user id, client id) → message id; makes a retried `send` idempotent.
pub const CLIENT_IDS: TableDefinition<(u64, u64, &str), u64> = TableDefinition::new("client_ids");

/// (user id, room id) → last time the user joined the room, for "your recent rooms".
pub const VISITS: TableDefinition<(u64, u64), u64> = TableDefinition::new("visits");
