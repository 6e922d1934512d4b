//! WebSocket text frames from the browser (`parse_client_frame`). A frame that parses must be
//! the JSON object it claims to be, field for field; one that does not gets a reason fit to
//! send back. The fields of a parsed frame then go through the same checks the socket applies.
#![no_main]

use confab::chat::protocol::{ClientFrame, JoinTarget, parse_client_frame};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// An optional numeric field as the JSON has it: absent and `null` both mean none.
fn number(object: &Value, field: &str) -> Option<u64> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_u64().expect("a parsed number field is a u64")),
    }
}

fn string<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_str().expect("a parsed text field is a string")),
    }
}

/// The field names a frame of this type may carry.
fn allowed_fields(frame: &ClientFrame) -> &'static [&'static str] {
    match frame {
        ClientFrame::Join { .. } => &["type", "room_id", "room", "since"],
        ClientFrame::Leave { .. } => &["type", "room_id"],
        // A send names its room or its people; the other may be there as null.
        ClientFrame::Send { .. } | ClientFrame::SendTo { .. } => &[
            "type",
            "room_id",
            "people",
            "text",
            "client_id",
            "reply_to",
            "files",
        ],
        ClientFrame::History { .. } => &["type", "room_id", "before", "after", "since", "limit"],
        ClientFrame::Edit { .. } => &["type", "room_id", "id", "text"],
        ClientFrame::Delete { .. } => &["type", "room_id", "id"],
        ClientFrame::React { .. } => &["type", "room_id", "id", "emoji"],
        ClientFrame::Read { .. } => &["type", "room_id", "id", "unread"],
        ClientFrame::Typing { .. } => &["type", "room_id"],
    }
}

fuzz_target!(|data: &[u8]| {
    // Text frames are UTF-8: tungstenite refuses any other before confab sees it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let frame = match parse_client_frame(text) {
        Ok(frame) => frame,
        Err(reason) => {
            assert!(!reason.is_empty(), "an empty reason for {text:?}");
            assert!(reason.chars().count() <= 201, "a reason too long: {reason}");
            let position = reason.rsplit_once(" at line ").and_then(|(_, at)| {
                let (line, column) = at.split_once(" column ")?;
                (line.parse::<u64>().is_ok() && column.parse::<u64>().is_ok()).then_some(at)
            });
            assert_eq!(position, None, "position noise: {reason}");
            return;
        }
    };
    let json: Value = serde_json::from_str(text).expect("a parsed frame is JSON");
    let object = json.as_object().expect("a parsed frame is a JSON object");
    for key in object.keys() {
        assert!(
            allowed_fields(&frame).contains(&key.as_str()),
            "unknown field {key:?} accepted in {text:?}"
        );
    }
    let kind = json["type"]
        .as_str()
        .expect("a parsed frame has a string type");
    match &frame {
        ClientFrame::Join { room, since } => {
            assert_eq!(kind, "join");
            match room {
                JoinTarget::Id(id) => {
                    assert_eq!(Some(*id), number(&json, "room_id"));
                    assert_eq!(string(&json, "room"), None, "a join names its room once");
                }
                JoinTarget::Name(name) => {
                    assert_eq!(Some(name.as_str()), string(&json, "room"));
                    assert_eq!(number(&json, "room_id"), None, "a join names its room once");
                    confab_fuzz::room_name(name);
                }
            }
            assert_eq!(*since, number(&json, "since"));
        }
        ClientFrame::Leave { room_id } => {
            assert_eq!(kind, "leave");
            assert_eq!(Some(*room_id), number(&json, "room_id"));
        }
        ClientFrame::Send {
            room_id,
            text: body,
            client_id,
            reply_to,
            files,
        } => {
            assert_eq!(kind, "send");
            // Upload ids: 16 lower-case hex digits each, each once, at most 10.
            let named: Vec<u64> = json["files"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .map(|id| {
                            let id = id.as_str().expect("a file id is a string");
                            assert!(
                                id.len() == 16
                                    && id
                                        .bytes()
                                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                                "{id:?}"
                            );
                            u64::from_str_radix(id, 16).unwrap()
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(*files, named);
            assert!(files.len() <= 10);
            for (at, id) in files.iter().enumerate() {
                assert!(!files[..at].contains(id), "{id} attached twice");
            }
            assert_eq!(Some(*room_id), number(&json, "room_id"));
            assert!(
                json["people"].is_null(),
                "room_id and people both in {text:?}"
            );
            assert_eq!(*reply_to, number(&json, "reply_to"));
            assert_eq!(Some(body.as_str()), string(&json, "text"));
            assert_eq!(client_id.as_deref(), string(&json, "client_id"));
            confab_fuzz::message_text(body);
            if let Some(client_id) = client_id {
                confab_fuzz::client_id(client_id);
            }
        }
        ClientFrame::SendTo {
            people,
            text: body,
            client_id,
        } => {
            assert_eq!(kind, "send");
            assert_eq!(
                number(&json, "room_id"),
                None,
                "room_id and people both in {text:?}"
            );
            assert_eq!(
                number(&json, "reply_to"),
                None,
                "a first message replied to {text:?}"
            );
            let listed: Vec<&str> = json["people"]
                .as_array()
                .expect("people is a list")
                .iter()
                .map(|name| name.as_str().expect("a name is text"))
                .collect();
            assert_eq!(*people, listed);
            assert!(
                (1..=7).contains(&people.len()),
                "{} people in {text:?}",
                people.len()
            );
            for name in people {
                assert!(name.chars().count() <= 64, "a name too long in {text:?}");
            }
            assert_eq!(Some(body.as_str()), string(&json, "text"));
            assert_eq!(client_id.as_deref(), string(&json, "client_id"));
            confab_fuzz::message_text(body);
            if let Some(client_id) = client_id {
                confab_fuzz::client_id(client_id);
            }
        }
        ClientFrame::History {
            room_id,
            before,
            after,
            since,
            limit,
        } => {
            assert_eq!(kind, "history");
            assert_eq!(Some(*room_id), number(&json, "room_id"));
            assert_eq!(*before, number(&json, "before"));
            assert_eq!(*after, number(&json, "after"));
            assert_eq!(*since, number(&json, "since"));
            assert!(
                since.is_none() || (before.is_none() && after.is_none()),
                "since together with before or after accepted in {text:?}"
            );
            assert_eq!(limit.map(u64::from), number(&json, "limit"));
        }
        ClientFrame::Edit {
            room_id,
            id,
            text: body,
        } => {
            assert_eq!(kind, "edit");
            assert_eq!(
                (Some(*room_id), Some(*id)),
                (number(&json, "room_id"), number(&json, "id"))
            );
            assert_eq!(Some(body.as_str()), string(&json, "text"));
            confab_fuzz::message_text(body);
            confab_fuzz::formatted(body);
        }
        ClientFrame::Delete { room_id, id } => {
            assert_eq!(kind, "delete");
            assert_eq!(
                (Some(*room_id), Some(*id)),
                (number(&json, "room_id"), number(&json, "id"))
            );
        }
        ClientFrame::React { room_id, id, emoji } => {
            assert_eq!(kind, "react");
            assert_eq!(
                (Some(*room_id), Some(*id)),
                (number(&json, "room_id"), number(&json, "id"))
            );
            assert_eq!(Some(emoji.as_str()), string(&json, "emoji"));
            if confab::rooms::input::check_emoji(emoji).is_ok() {
                assert!(!emoji.is_empty() && emoji.len() <= 16, "{emoji:?} accepted");
                assert!(
                    !emoji
                        .chars()
                        .any(|c| c.is_ascii_alphabetic() || c.is_whitespace())
                );
            }
        }
        ClientFrame::Read {
            room_id,
            id,
            unread,
        } => {
            assert_eq!(kind, "read");
            assert_eq!(
                (Some(*room_id), Some(*id)),
                (number(&json, "room_id"), number(&json, "id"))
            );
            assert_eq!(
                *unread,
                json.get("unread").and_then(Value::as_bool).unwrap_or(false)
            );
        }
        ClientFrame::Typing { room_id } => {
            assert_eq!(kind, "typing");
            assert_eq!(Some(*room_id), number(&json, "room_id"));
        }
    }
});
