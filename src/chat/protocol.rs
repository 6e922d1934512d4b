//! The WebSocket wire format (SPEC §5): client frames parsed from JSON text, server frames
//! encoded to JSON text once and shared as bytes.

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::rooms::RoomError;
use crate::rooms::view::MessageView;
use crate::store::StoreError;

/// A frame from the browser.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientFrame {
    Join {
        room: String,
        #[serde(default)]
        since: Option<u64>,
    },
    Leave {
        room: String,
    },
    Send {
        room: String,
        text: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    History {
        room: String,
        #[serde(default)]
        before: Option<u64>,
        #[serde(default)]
        after: Option<u64>,
        #[serde(default)]
        limit: Option<u32>,
    },
}

/// Parses one text frame. The error text is safe to send back to the client.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, String> {
    // serde would also take a tagged enum written as an array (`["join","lobby"]`); the
    // protocol's frames are objects.
    if !text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return Err("a frame must be a JSON object".to_owned());
    }
    serde_json::from_str(text).map_err(|e| {
        // serde's wording, without the line/column noise of a one-line frame, and short: it
        // may quote what the client sent, which can be 64 KiB.
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let reason = full.strip_suffix(&position).unwrap_or(&full);
        match reason.char_indices().nth(REASON_MAX) {
            Some((cut, _)) => format!("{}…", &reason[..cut]),
            None => reason.to_owned(),
        }
    })
}

/// Characters of a parse error sent back to the client.
const REASON_MAX: usize = 200;

fn encode(value: &impl Serialize) -> Utf8Bytes {
    serde_json::to_string(value)
        .expect("frames contain only strings and numbers")
        .into()
}

/// `{"type":"message", …M}`: encoded once per message, shared by every recipient.
pub fn message_frame(message: &MessageView) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        #[serde(flatten)]
        body: &'a MessageView,
    }
    encode(&Frame {
        r#type: "message",
        body: message,
    })
}

/// `{"type":"joined", …}`: the answer to a join.
pub fn joined_frame(
    room: &str,
    members: &[String],
    messages: &[MessageView],
    more: bool,
) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room: &'a str,
        members: &'a [String],
        messages: &'a [MessageView],
        more: bool,
    }
    encode(&Frame {
        r#type: "joined",
        room,
        members,
        messages,
        more,
    })
}

/// `{"type":"history", …}`: the answer to a history request.
pub fn history_frame(room: &str, messages: &[MessageView], more: bool) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room: &'a str,
        messages: &'a [MessageView],
        more: bool,
    }
    encode(&Frame {
        r#type: "history",
        room,
        messages,
        more,
    })
}

/// `{"type":"left","room":R}`.
pub fn left_frame(room: &str) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room: &'a str,
    }
    encode(&Frame {
        r#type: "left",
        room,
    })
}

/// Whether someone came or went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceEvent {
    Join,
    Leave,
}

/// `{"type":"presence","room":R,"user":U,"event":"join"|"leave"}`.
pub fn presence_frame(room: &str, user: &str, event: PresenceEvent) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        room: &'a str,
        user: &'a str,
        event: PresenceEvent,
    }
    encode(&Frame {
        r#type: "presence",
        room,
        user,
        event,
    })
}

/// An `error` frame. `room` and `client_id` say what it is about, when that is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorFrame {
    r#type: &'static str,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl ErrorFrame {
    /// The error frame for a refused room operation.
    pub fn for_room(err: &RoomError) -> Self {
        let code = match err {
            RoomError::NotFound => "room_not_found",
            RoomError::NotAllowed(_) => "forbidden",
            RoomError::NotMember => "not_a_member",
            RoomError::InvalidName(_) => "invalid_room",
            RoomError::NameTaken => "room_exists",
            RoomError::ShuttingDown => "unavailable",
            RoomError::Store(StoreError::Unavailable) => "unavailable",
            RoomError::Store(_) => "storage_error",
        };
        let message = match err {
            RoomError::Store(_) => {
                "The server could not read or write its data. Try again.".to_owned()
            }
            other => other.to_string(),
        };
        ErrorFrame::new(code, message)
    }

    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ErrorFrame {
            r#type: "error",
            code,
            message: message.into(),
            room: None,
            client_id: None,
        }
    }

    pub fn room(mut self, room: impl Into<String>) -> Self {
        self.room = Some(room.into());
        self
    }

    pub fn client_id(mut self, client_id: Option<String>) -> Self {
        self.client_id = client_id;
        self
    }

    pub fn encode(&self) -> Utf8Bytes {
        encode(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn stored() -> MessageView {
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
        }
    }

    fn json_of(frame: Utf8Bytes) -> Value {
        serde_json::from_str(frame.as_str()).unwrap()
    }

    #[test]
    fn parses_every_client_frame() {
        assert_eq!(
            parse_client_frame(r#"{"type":"join","room":"Lobby"}"#),
            Ok(ClientFrame::Join {
                room: "Lobby".into(),
                since: None
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"join","room":"1","since":40}"#),
            Ok(ClientFrame::Join {
                room: "1".into(),
                since: Some(40)
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"leave","room":"x"}"#),
            Ok(ClientFrame::Leave { room: "x".into() })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"send","room":"x","text":"hi","client_id":"c"}"#),
            Ok(ClientFrame::Send {
                room: "x".into(),
                text: "hi".into(),
                client_id: Some("c".into())
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"history","room":"x","before":9,"limit":20}"#),
            Ok(ClientFrame::History {
                room: "x".into(),
                before: Some(9),
                after: None,
                limit: Some(20)
            })
        );
    }

    #[test]
    fn refuses_malformed_frames_with_a_reason() {
        for bad in [
            "",
            "not json",
            "[]",
            r#"{"room":"x"}"#,
            r#"{"type":"dance","room":"x"}"#,
            r#"{"type":"join"}"#,
            r#"{"type":"join","room":5}"#,
            r#"{"type":"join","room":"x","since":-1}"#,
            r#"{"type":"send","room":"x"}"#,
            r#"{"type":"send","room":"x","text":"hi","extra":1}"#,
            r#"["join","x"]"#,
            r#"  ["send","x","hi"]"#,
        ] {
            let err = parse_client_frame(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
            assert!(!err.contains("at line"), "{err}");
        }
    }

    #[test]
    fn a_reason_quoting_the_frame_is_kept_short_and_keeps_its_words() {
        let err = parse_client_frame(r#"{"type":"hello at line 1 column 2"}"#).unwrap_err();
        assert!(err.contains("hello at line 1 column 2"), "{err}");
        let long = format!(r#"{{"type":"{}"}}"#, "é".repeat(60_000));
        let err = parse_client_frame(&long).unwrap_err();
        assert!(err.chars().count() <= 201 && err.ends_with('…'), "{err}");
    }

    #[test]
    fn message_frame_has_the_fixed_field_names() {
        let frame = json_of(message_frame(&stored()));
        assert_eq!(
            frame,
            json!({"type":"message","room_id":7,"room":"Lobby","id":3,"seq":3,"user_id":1,
                   "user":"alice","text":"<b>hi</b> \"there\"","ts":1_700_000_000_000u64,
                   "client_id":"c1"})
        );
        let mut without = stored();
        without.client_id = None;
        assert!(json_of(message_frame(&without)).get("client_id").is_none());
    }

    #[test]
    fn joined_history_presence_left_and_error_frames() {
        let joined = json_of(joined_frame("R", &["bob".into()], &[stored()], true));
        assert_eq!(joined["type"], "joined");
        assert_eq!(joined["members"], json!(["bob"]));
        assert_eq!(joined["messages"][0]["id"], 3);
        assert_eq!(joined["messages"][0]["room"], "Lobby");
        assert!(joined["messages"][0].get("type").is_none());
        assert_eq!(joined["more"], true);

        let history = json_of(history_frame("R", &[], false));
        assert_eq!(
            history,
            json!({"type":"history","room":"R","messages":[],"more":false})
        );

        let presence = json_of(presence_frame("R", "bob", PresenceEvent::Leave));
        assert_eq!(
            presence,
            json!({"type":"presence","room":"R","user":"bob","event":"leave"})
        );

        assert_eq!(json_of(left_frame("R")), json!({"type":"left","room":"R"}));

        let error = json_of(
            ErrorFrame::new("not_joined", "Join first.")
                .room("R")
                .encode(),
        );
        assert_eq!(
            error,
            json!({"type":"error","code":"not_joined","message":"Join first.","room":"R"})
        );
    }
}
