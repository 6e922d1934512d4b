//! The frames about a room: its messages and their changes, the `activity` of rooms a socket
//! only watches, read positions, typing, presence, the answers to `join`, `history` and
//! `leave`, and the sidebar's `room` changes. Most of what a socket hears is one of these.

use serde::Serialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::encode;
use crate::access::May;
use crate::people::Person;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::view::{MessageView, RoomSummary};
use crate::store::Unread;

/// `{"type":"message", …M}`: encoded once per message, shared by every recipient.
pub fn message_frame(message: &MessageView) -> Utf8Bytes {
    frame_of_message("message", message)
}

/// `{"type":"update", …M}`: a message edited, deleted or reacted to, in its new state.
pub fn update_frame(message: &MessageView) -> Utf8Bytes {
    frame_of_message("update", message)
}

/// `{"type":KIND, …M}`.
fn frame_of_message(kind: &'static str, message: &MessageView) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        #[serde(flatten)]
        body: &'a MessageView,
    }
    encode(&Frame {
        r#type: kind,
        body: message,
    })
}

/// `{"type":"activity","room_id","id","user","ts","mentions","everyone"?,"excerpt"?}`: a new
/// message in a room of yours that this socket does not follow, for its unread and mention
/// badges and its notification. `everyone` is given for `@room` only: `@here` calls those
/// following the room.
pub fn activity_frame(message: &MessageView) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room_id: u64,
        id: u64,
        user: &'a str,
        ts: u64,
        mentions: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        everyone: Option<&'a str>,
        #[serde(skip_serializing_if = "String::is_empty")]
        excerpt: String,
    }
    encode(&Frame {
        r#type: "activity",
        room_id: message.room_id,
        id: message.id,
        user: &message.user,
        ts: message.ts,
        mentions: &message.mentions,
        everyone: message.everyone.as_deref().filter(|e| *e == "room"),
        excerpt: crate::format::excerpt(&message.text),
    })
}

/// `{"type":"read","room_id","id","unread","mentions"}`: your read position in a room moved
/// (on this device or another), with what is left unread.
pub fn read_frame(room_id: u64, unread: &Unread) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame {
        r#type: &'static str,
        room_id: u64,
        id: u64,
        unread: u32,
        mentions: u32,
    }
    encode(&Frame {
        r#type: "read",
        room_id,
        id: unread.read,
        unread: unread.messages,
        mentions: unread.mentions,
    })
}

/// `{"type":"typing","room_id","user","users"}`: who started typing in a room since the last
/// such frame (`user` is the first of them).
pub fn typing_frame(room_id: u64, users: &[std::sync::Arc<str>]) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room_id: u64,
        user: &'a str,
        users: Vec<&'a str>,
    }
    encode(&Frame {
        r#type: "typing",
        room_id,
        user: users.first().map_or("", |u| u),
        users: users.iter().map(|u| &**u).collect(),
    })
}

/// What a `joined` answer says about its room.
pub struct Joined<'a> {
    pub summary: &'a RoomSummary,
    /// The room's change sequence as of the answer.
    pub seq: u64,
    /// Who is online in it now.
    pub members: &'a [String],
    pub messages: &'a [MessageView],
    pub more: bool,
}

/// `{"type":"joined", …}`: the answer to a join.
pub fn joined_frame(joined: &Joined<'_>) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room_id: u64,
        room: &'a Option<String>,
        kind: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        topic: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        role: &'a Option<String>,
        may: May,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        archived: bool,
        #[serde(skip_serializing_if = "<[Person]>::is_empty")]
        people: &'a [Person],
        seq: u64,
        read: u64,
        members: &'a [String],
        messages: &'a [MessageView],
        more: bool,
    }
    let summary = joined.summary;
    encode(&Frame {
        r#type: "joined",
        room_id: summary.id,
        room: &summary.name,
        kind: &summary.kind,
        topic: &summary.topic,
        role: &summary.role,
        may: summary.may,
        archived: summary.archived,
        people: &summary.people,
        seq: joined.seq,
        read: summary.read,
        members: joined.members,
        messages: joined.messages,
        more: joined.more,
    })
}

/// `{"type":"history", …}`: the answer to a history request.
pub fn history_frame(room_id: u64, messages: &[MessageView], more: bool) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room_id: u64,
        messages: &'a [MessageView],
        more: bool,
    }
    encode(&Frame {
        r#type: "history",
        room_id,
        messages,
        more,
    })
}

/// `{"type":"left","room_id":N}`: the answer to a leave.
pub fn left_frame(room_id: u64) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame {
        r#type: &'static str,
        room_id: u64,
    }
    encode(&Frame {
        r#type: "left",
        room_id,
    })
}

/// Whether someone came or went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceEvent {
    Join,
    Leave,
}

/// `{"type":"presence","room_id":N,"user":U,"event":"join"|"leave"}`.
pub fn presence_frame(room_id: u64, user: &str, event: PresenceEvent) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room_id: u64,
        user: &'a str,
        event: PresenceEvent,
    }
    encode(&Frame {
        r#type: "presence",
        room_id,
        user,
        event,
    })
}

/// `{"type":"room","event":"added"|"changed"|"removed", …}`: a change to the person's rooms.
pub fn room_frame(event: &SidebarEvent) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        event: &'static str,
        room_id: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a RoomSummary>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'static str>,
    }
    let frame = match event {
        SidebarEvent::Added(room) => Frame {
            r#type: "room",
            event: "added",
            room_id: room.id,
            room: Some(room),
            reason: None,
        },
        SidebarEvent::Changed(room) => Frame {
            r#type: "room",
            event: "changed",
            room_id: room.id,
            room: Some(room),
            reason: None,
        },
        SidebarEvent::Removed { room_id, why } => Frame {
            r#type: "room",
            event: "removed",
            room_id: *room_id,
            room: None,
            reason: Some(why.as_str()),
        },
    };
    encode(&frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::protocol::frames::ErrorFrame;
    use crate::errors::Code;
    use crate::rooms::sidebar::Gone;
    use serde_json::{Value, json};

    fn message() -> MessageView {
        MessageView {
            room_id: 7,
            room: Some("Lobby".into()),
            id: 3,
            seq: 3,
            user_id: 1,
            user: "alice".into(),
            text: "<b>hi</b> \"there\"".into(),
            ts: 1_700_000_000_000,
            client_id: Some("c1".into()),
            ..MessageView::default()
        }
    }

    fn summary() -> RoomSummary {
        RoomSummary {
            id: 7,
            kind: "open".into(),
            name: Some("Lobby".into()),
            topic: None,
            role: Some("member".into()),
            people: vec![],
            last_activity: 5,
            last_id: 3,
            ..RoomSummary::default()
        }
    }

    fn json_of(frame: Utf8Bytes) -> Value {
        serde_json::from_str(frame.as_str()).unwrap()
    }

    #[test]
    fn message_frame_has_the_fixed_field_names() {
        let frame = json_of(message_frame(&message()));
        assert_eq!(
            frame,
            json!({"type":"message","room_id":7,"room":"Lobby","id":3,"seq":3,"user_id":1,
                   "user":"alice","text":"<b>hi</b> \"there\"","ts":1_700_000_000_000u64,
                   "client_id":"c1"})
        );
        let mut without = message();
        without.client_id = None;
        assert!(json_of(message_frame(&without)).get("client_id").is_none());
    }

    #[test]
    fn joined_history_presence_left_room_and_error_frames() {
        let joined = json_of(joined_frame(&Joined {
            summary: &summary(),
            seq: 9,
            members: &["bob".into()],
            messages: &[message()],
            more: true,
        }));
        assert_eq!(joined["type"], "joined");
        assert_eq!(
            (joined["room_id"].as_u64(), joined["room"].as_str()),
            (Some(7), Some("Lobby"))
        );
        assert_eq!(
            (joined["kind"].as_str(), joined["seq"].as_u64()),
            (Some("open"), Some(9))
        );
        assert_eq!(joined["members"], json!(["bob"]));
        assert_eq!(joined["messages"][0]["id"], 3);
        assert!(joined["messages"][0].get("type").is_none());
        assert_eq!(joined["more"], true);
        assert!(joined.get("people").is_none() && joined.get("topic").is_none());

        assert_eq!(
            json_of(history_frame(7, &[], false)),
            json!({"type":"history","room_id":7,"messages":[],"more":false})
        );
        assert_eq!(
            json_of(presence_frame(7, "bob", PresenceEvent::Leave)),
            json!({"type":"presence","room_id":7,"user":"bob","event":"leave"})
        );
        assert_eq!(json_of(left_frame(7)), json!({"type":"left","room_id":7}));
        let added = json_of(room_frame(&SidebarEvent::Added(summary())));
        assert_eq!(
            (added["event"].as_str(), added["room"]["name"].as_str()),
            (Some("added"), Some("Lobby"))
        );
        assert_eq!(
            json_of(room_frame(&SidebarEvent::Removed {
                room_id: 7,
                why: Gone::Removed
            })),
            json!({"type":"room","event":"removed","room_id":7,"reason":"removed"})
        );
        let error = json_of(
            ErrorFrame::new(Code::NotJoined, "Join first.")
                .room_id(7)
                .encode(),
        );
        assert_eq!(
            error,
            json!({"type":"error","code":"not_joined","message":"Join first.","room_id":7})
        );
    }
}
