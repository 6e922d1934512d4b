//! Every redb table confab uses, in one place, so the shape of the data file can be read at a
//! glance; `DATA_MODEL.md` beside this file explains each one. Records that may grow new
//! fields and are not on the hot path are JSON; messages are compact records
//! ([`super::record`]); indexes are redb tuples.

use redb::TableDefinition;

/// Small named counters and flags, e.g. `schema_version`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// user id → [`super::users::UserRecord`] as JSON.
pub const USERS: TableDefinition<u64, &[u8]> = TableDefinition::new("users");
/// lower-cased username → user id; makes usernames unique regardless of case.
pub const USERNAMES: TableDefinition<&str, u64> = TableDefinition::new("usernames");
/// lower-cased name someone gave up → (their user id, Unix ms when it is free again). Until
/// then the name stays in `usernames`, leading to them.
pub const NAME_HOLDS: TableDefinition<&str, (u64, u64)> = TableDefinition::new("name_holds");

/// SHA-256 of a session token → [`super::sessions::SessionRecord`] as JSON. The token itself is
/// never stored.
pub const SESSIONS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("sessions");
/// (user id, token hash) → (); finds every session of a user (password change, disable).
pub const USER_SESSIONS: TableDefinition<(u64, [u8; 32]), ()> =
    TableDefinition::new("user_sessions");

/// SHA-256 of an API token → [`super::api_tokens::ApiTokenRecord`] as JSON: a script's or a
/// bot's way in, with what it may do. The token itself is never stored.
pub const API_TOKENS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("api_tokens");
/// (user id, token hash) → (): every API token of a user, for their settings page.
pub const USER_API_TOKENS: TableDefinition<(u64, [u8; 32]), ()> =
    TableDefinition::new("user_api_tokens");

/// (user id, hash of a recovery code) → (): the unused recovery codes of each account. The
/// codes themselves are shown once and never stored.
pub const RECOVERY_CODES: TableDefinition<(u64, [u8; 32]), ()> =
    TableDefinition::new("recovery_codes");
/// SHA-256 of a sign-in link's token → [`super::recovery::ResetLink`] as JSON. Kept after use
/// (until a day past expiry) so a used link can say so.
pub const RESET_LINKS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("reset_links");

/// (avatar file name, side in pixels) → the encoded image. The name is a hash of the account
/// and the image, so a new avatar gets new URLs and old ones can be cached for ever.
pub const AVATARS: TableDefinition<(&str, u16), &[u8]> = TableDefinition::new("avatars");

/// room id → [`super::rooms::RoomRecord`] as JSON.
pub const ROOMS: TableDefinition<u64, &[u8]> = TableDefinition::new("rooms");
/// lower-cased, trimmed name of an open or private room → room id; `Lobby` and `lobby` are
/// one room, and the two kinds share one name space.
pub const ROOM_NAMES: TableDefinition<&str, u64> = TableDefinition::new("room_keys");
/// The people of a direct room, as their sorted user ids joined by commas (`"1,4,9"`) →
/// room id: one direct room per exact set of people.
pub const DIRECT_ROOMS: TableDefinition<&str, u64> = TableDefinition::new("direct_rooms");
/// (last activity ms, room id) → () for open rooms only; newest last, so the busiest open
/// rooms are a reverse scan.
pub const OPEN_ROOMS_BY_ACTIVITY: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("room_activity");

/// room id → (): rooms an admin deleted whose history is still being erased, a chunk at a
/// time, so that a big room never holds the writer long. Resumed when the server starts.
pub const ROOM_PURGES: TableDefinition<u64, ()> = TableDefinition::new("room_purges");

/// (room id, message id) → [`super::record::MessageRecord`] bytes. Message ids are taken
/// from the room's change sequence.
pub const HISTORY: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("history");
/// (room id, sequence number) → message id, for messages whose latest change came after they
/// were created (an edit, say): resume reads these beside the new messages. A message that
/// never changed has no entry; its id is its sequence number.
pub const CHANGES: TableDefinition<(u64, u64), u64> = TableDefinition::new("changes");
/// (room id, user id, client id) → message id; makes a retried `send` idempotent.
pub const CLIENT_IDS: TableDefinition<(u64, u64, &str), u64> = TableDefinition::new("client_ids");

/// (user id, room id) → the id of the last message the user has read there. Written without
/// fsync: a crash may lose the last second of reading, never a message.
pub const READ_POSITIONS: TableDefinition<(u64, u64), u64> = TableDefinition::new("read_positions");
/// (user id, room id, message id) → (): messages that mention the user by name (or `@here`
/// while they were online), for mention counts. A hint: each entry is checked against the
/// message, which an edit or deletion may have changed since.
pub const MENTIONS: TableDefinition<(u64, u64, u64), ()> = TableDefinition::new("mentions");
/// (room id, message id) → author id: messages that call `@room`.
pub const ROOM_MENTIONS: TableDefinition<(u64, u64), u64> = TableDefinition::new("room_mentions");

/// room id → the last message of the room that the search index's segments hold; a search
/// reads the messages after it from the history itself.
pub const SEARCH_MARKS: TableDefinition<u64, u64> = TableDefinition::new("search_marks");
/// (room id, message id) → [`super::search::postings::MessageTerms`]: the author, time and distinct
/// terms of each message edited since a segment took it.
pub const SEARCH_CHANGED: TableDefinition<(u64, u64), &[u8]> =
    TableDefinition::new("search_changed");
/// segment id → (tier, messages): the segments of the search index.
pub const SEARCH_SEGMENTS: TableDefinition<u64, (u8, u64)> =
    TableDefinition::new("search_segments");
/// (segment id, term) → the messages of the segment holding the term, packed, newest first.
pub const SEARCH_WORDS: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("search_words");
/// (segment id, author id) → the author's messages in the segment, packed, newest first.
pub const SEARCH_AUTHORS: TableDefinition<(u64, u64), &[u8]> =
    TableDefinition::new("search_authors");

/// (room id, user id) → [`super::rooms::MembershipRecord`] as JSON.
pub const MEMBERS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("members");
/// (user id, room id) → (); the rooms of a user, for the sidebar.
pub const USER_ROOMS: TableDefinition<(u64, u64), ()> = TableDefinition::new("user_rooms");

/// SHA-256 of an invite code → [`super::invites::InviteRecord`] as JSON. The code itself is
/// never stored.
pub const INVITES: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("invites");
/// (room id, invite code hash) → (); the invites of a room, for its settings page.
pub const ROOM_INVITES: TableDefinition<(u64, [u8; 32]), ()> = TableDefinition::new("room_invites");

/// (user id, other user id) → [`super::people::Friendship`] as a byte; kept in both
/// directions, so each side reads its own view.
pub const FRIENDS: TableDefinition<(u64, u64), u8> = TableDefinition::new("friends");
/// (blocker, blocked) → Unix ms when the block began.
pub const BLOCKS: TableDefinition<(u64, u64), u64> = TableDefinition::new("blocks");
/// user id → Unix ms when the user's last socket closed ("last seen").
pub const LAST_SEEN: TableDefinition<u64, u64> = TableDefinition::new("last_seen");

/// Upload id → [`super::uploads::UploadRecord`] as JSON: an uploaded file, from its upload
/// until the sweep removes it.
pub const UPLOADS: TableDefinition<u64, &[u8]> = TableDefinition::new("uploads");
/// SHA-256 of stored bytes → how many uploads (and their previews) name them. A file under
/// `files/` whose digest has no row here is not referenced and may be removed.
pub const BLOB_REFS: TableDefinition<[u8; 32], u64> = TableDefinition::new("blob_refs");
/// (Unix ms since, upload id) → (): uploads no message holds, never sent or whose message was
/// deleted, oldest first; the sweep removes them once the grace period has passed.
pub const LOOSE_UPLOADS: TableDefinition<(u64, u64), ()> = TableDefinition::new("loose_uploads");
/// User id → bytes of their uploads still kept, for `--user-quota-bytes`.
pub const UPLOAD_USAGE: TableDefinition<u64, u64> = TableDefinition::new("upload_usage");

/// Named secrets of the server: `vapid`, the P-256 private key that signs its Web Push requests.
pub const SERVER_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("server_keys");
/// Push subscription id → [`super::push::PushRecord`] as JSON: a browser to notify.
pub const PUSH_SUBSCRIPTIONS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("push_subscriptions");
/// (user id, push subscription id) → (): every browser of a person to notify.
pub const USER_PUSH: TableDefinition<(u64, u64), ()> = TableDefinition::new("user_push");

/// `server` → [`super::settings::ServerSettings`] as JSON: who may sign up and make rooms, as
/// the admins chose.
pub const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// SHA-256 of a server invite code → [`super::settings::ServerInvite`] as JSON: links to sign
/// up with. The code itself is never stored.
pub const SERVER_INVITES: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("server_invites");

/// Entry id → [`super::audit::AuditEntry`] as JSON: every administrative and moderation
/// action, oldest first. Only ever appended to.
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

/// Tables and records of schema 1, read only by the migration to schema 2.
pub mod v1 {
    use redb::TableDefinition;
    use serde::Deserialize;

    /// A stored message: (ts ms, user id, username, text, client id).
    pub type MessageValue<'a> = (u64, u64, &'a str, &'a str, Option<&'a str>);
    /// (room id, message id) → [`MessageValue`].
    pub const MESSAGES: TableDefinition<(u64, u64), MessageValue> =
        TableDefinition::new("messages");
    /// (user id, room id) → last time the user joined the room.
    pub const VISITS: TableDefinition<(u64, u64), u64> = TableDefinition::new("visits");

    /// A room of schema 1 (in `rooms`, as JSON).
    #[derive(Deserialize)]
    pub struct RoomRecord {
        pub name: String,
        pub created_at: u64,
        pub last_id: u64,
        pub last_activity: u64,
    }
}

/// webhook id → [`super::webhooks::WebhookRecord`] as JSON: where a room's new messages are
/// POSTed, with the secret that signs them and how the last deliveries went.
pub const WEBHOOKS: TableDefinition<u64, &[u8]> = TableDefinition::new("webhooks");
