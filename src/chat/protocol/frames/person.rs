//! The frames about the person and their friends: `hello`, which opens every socket with the
//! person's rooms and friends, and the `friend` frames that keep the friends list current.
//! Apart from the room frames because none is about a room: they reach a person's sockets
//! whatever rooms those follow.

use serde::Serialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::encode;
use crate::people::Person;
use crate::rooms::view::RoomSummary;
use crate::store::User;

/// A friend (or a pending request) as the sidebar lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FriendEntry {
    #[serde(flatten)]
    pub person: Person,
    /// `friends`, `asked` (you asked) or `incoming` (they asked you).
    pub state: &'static str,
    pub online: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<u64>,
}

/// What the first frame tells a socket.
pub struct Hello<'a> {
    pub user: &'a User,
    pub rooms: &'a [RoomSummary],
    pub friends: &'a [FriendEntry],
    /// Usernames whose messages the page collapses.
    pub blocked: &'a [String],
}

/// `{"type":"hello", "user":{…}, "rooms":[…], "friends":[…], "blocked":[…],
/// "private_notifications"}`: the first frame on every socket, with the person's rooms and
/// friends as they are now (a reconnecting page replaces its sidebar with them), and whether
/// the notifications the page shows must say only "New message".
pub fn hello_frame(hello: &Hello<'_>) -> Utf8Bytes {
    /// You, as you are shown, with your `id` (the page knows itself by it).
    #[derive(Serialize)]
    struct Me {
        id: u64,
        #[serde(flatten)]
        person: Person,
    }
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        user: Me,
        rooms: &'a [RoomSummary],
        friends: &'a [FriendEntry],
        blocked: &'a [String],
        private_notifications: bool,
    }
    encode(&Frame {
        r#type: "hello",
        user: Me {
            id: hello.user.id,
            person: Person::of(hello.user),
        },
        rooms: hello.rooms,
        friends: hello.friends,
        blocked: hello.blocked,
        private_notifications: hello.user.private_notifications,
    })
}

/// `{"type":"friend","event":"state","user":U,"state":…,"online"}`: where you now stand with U
/// (`friends`, `asked`, `incoming`, or `none`), and whether U is online now (so a new friend is
/// listed as they are).
pub fn friend_state_frame(user: &str, state: Option<&'static str>, online: bool) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        event: &'static str,
        user: &'a str,
        state: &'static str,
        online: bool,
    }
    encode(&Frame {
        r#type: "friend",
        event: "state",
        user,
        state: state.unwrap_or("none"),
        online,
    })
}

/// `{"type":"friend","event":"online"|"offline","user":U,"last_seen"?}`: a friend came or
/// went.
pub fn friend_presence_frame(user: &str, online: bool, last_seen: Option<u64>) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        event: &'static str,
        user: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        last_seen: Option<u64>,
    }
    encode(&Frame {
        r#type: "friend",
        event: if online { "online" } else { "offline" },
        user,
        last_seen,
    })
}
