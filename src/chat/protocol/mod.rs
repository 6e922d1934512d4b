//! The WebSocket wire format (`PROTOCOL.md` beside this module): client frames parsed from
//! JSON text here, and server frames encoded once and shared as bytes ([`frames`]). Error
//! frames carry the codes of the one error table (`crate::errors`).

pub mod frames;

use serde::Deserialize;

pub use frames::ErrorFrame;

/// How a `join` names its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinTarget {
    Id(u64),
    Name(String),
}

/// A frame from the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    Join {
        room: JoinTarget,
        since: Option<u64>,
    },
    Leave {
        room_id: u64,
    },
    Send {
        room_id: u64,
        text: String,
        client_id: Option<String>,
        reply_to: Option<u64>,
        /// Uploads to attach, each once, at most [`crate::files::MAX_FILES_PER_MESSAGE`].
        files: Vec<u64>,
    },
    /// The first message to these people (usernames, the sender not needed): their direct room
    /// is made with it, or found.
    SendTo {
        people: Vec<String>,
        text: String,
        client_id: Option<String>,
    },
    History {
        room_id: u64,
        before: Option<u64>,
        after: Option<u64>,
        since: Option<u64>,
        limit: Option<u32>,
    },
    Edit {
        room_id: u64,
        id: u64,
        text: String,
    },
    Delete {
        room_id: u64,
        id: u64,
    },
    React {
        room_id: u64,
        id: u64,
        emoji: String,
    },
    /// Read up to `id`; with `unread`, mark `id` (and what follows) unread.
    Read {
        room_id: u64,
        id: u64,
        unread: bool,
    },
    Typing {
        room_id: u64,
    },
}

/// The frames as JSON has them, before the checks serde cannot express.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum Wire {
    Join {
        #[serde(default)]
        room_id: Option<u64>,
        #[serde(default)]
        room: Option<String>,
        #[serde(default)]
        since: Option<u64>,
    },
    Leave {
        room_id: u64,
    },
    Send {
        #[serde(default)]
        room_id: Option<u64>,
        #[serde(default)]
        people: Option<Vec<String>>,
        text: String,
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        reply_to: Option<u64>,
        #[serde(default)]
        files: Vec<String>,
    },
    History {
        room_id: u64,
        #[serde(default)]
        before: Option<u64>,
        #[serde(default)]
        after: Option<u64>,
        #[serde(default)]
        since: Option<u64>,
        #[serde(default)]
        limit: Option<u32>,
    },
    Edit {
        room_id: u64,
        id: u64,
        text: String,
    },
    Delete {
        room_id: u64,
        id: u64,
    },
    React {
        room_id: u64,
        id: u64,
        emoji: String,
    },
    Read {
        room_id: u64,
        id: u64,
        #[serde(default)]
        unread: bool,
    },
    Typing {
        room_id: u64,
    },
}

/// Characters of a parse error sent back to the client.
const REASON_MAX: usize = 200;
/// People a `send` may name besides the sender (a conversation has at most 8).
const PEOPLE_MAX: usize = 7;
/// Characters of a name in `people` (a username has at most 32; this bounds the frame).
const NAME_MAX: usize = 64;

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
    let wire: Wire = serde_json::from_str(text).map_err(|e| {
        // serde's wording, without the line/column noise of a one-line frame, and short: it
        // may quote what the client sent, which can be 64 KiB.
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let reason = full.strip_suffix(&position).unwrap_or(&full);
        match reason.char_indices().nth(REASON_MAX) {
            Some((cut, _)) => format!("{}…", &reason[..cut]),
            None => reason.to_owned(),
        }
    })?;
    Ok(match wire {
        Wire::Join {
            room_id,
            room,
            since,
        } => {
            let room = match (room_id, room) {
                (Some(id), None) => JoinTarget::Id(id),
                (None, Some(name)) => JoinTarget::Name(name),
                _ => return Err("join names its room by room_id or by room, not both".to_owned()),
            };
            ClientFrame::Join { room, since }
        }
        Wire::Leave { room_id } => ClientFrame::Leave { room_id },
        Wire::Send {
            room_id: Some(room_id),
            people: None,
            text,
            client_id,
            reply_to,
            files,
        } => ClientFrame::Send {
            room_id,
            text,
            client_id,
            reply_to,
            files: crate::files::parse_file_ids(&files).map_err(str::to_owned)?,
        },
        Wire::Send {
            people: Some(_),
            files,
            ..
        } if !files.is_empty() => {
            return Err("the first message to people carries no files".to_owned());
        }
        Wire::Send {
            room_id: None,
            people: Some(people),
            text,
            client_id,
            reply_to: None,
            ..
        } => {
            if people.is_empty()
                || people.len() > PEOPLE_MAX
                || people.iter().any(|name| name.chars().count() > NAME_MAX)
            {
                return Err(format!(
                    "send names 1 to {PEOPLE_MAX} people, by usernames of at most {NAME_MAX} characters"
                ));
            }
            ClientFrame::SendTo {
                people,
                text,
                client_id,
            }
        }
        Wire::Send {
            people: Some(_),
            reply_to: Some(_),
            ..
        } => return Err("the first message to people replies to nothing".to_owned()),
        Wire::Send { .. } => {
            return Err(
                "send names its room by room_id or its people by people, not both".to_owned(),
            );
        }
        Wire::Edit { room_id, id, text } => ClientFrame::Edit { room_id, id, text },
        Wire::Delete { room_id, id } => ClientFrame::Delete { room_id, id },
        Wire::React { room_id, id, emoji } => ClientFrame::React { room_id, id, emoji },
        Wire::Read {
            room_id,
            id,
            unread,
        } => ClientFrame::Read {
            room_id,
            id,
            unread,
        },
        Wire::Typing { room_id } => ClientFrame::Typing { room_id },
        Wire::History {
            room_id,
            before,
            after,
            since,
            limit,
        } => {
            if since.is_some() && (before.is_some() || after.is_some()) {
                return Err("history takes since, or before and after, not both".to_owned());
            }
            ClientFrame::History {
                room_id,
                before,
                after,
                since,
                limit,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_client_frame() {
        assert_eq!(
            parse_client_frame(r#"{"type":"join","room":"Lobby"}"#),
            Ok(ClientFrame::Join {
                room: JoinTarget::Name("Lobby".into()),
                since: None
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"join","room_id":7,"since":40}"#),
            Ok(ClientFrame::Join {
                room: JoinTarget::Id(7),
                since: Some(40)
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"leave","room_id":3}"#),
            Ok(ClientFrame::Leave { room_id: 3 })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"send","room_id":3,"text":"hi","client_id":"c"}"#),
            Ok(ClientFrame::Send {
                room_id: 3,
                text: "hi".into(),
                client_id: Some("c".into()),
                reply_to: None,
                files: Vec::new(),
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"send","room_id":3,"text":"yes","reply_to":2}"#),
            Ok(ClientFrame::Send {
                room_id: 3,
                text: "yes".into(),
                client_id: None,
                reply_to: Some(2),
                files: Vec::new(),
            })
        );
        assert_eq!(
            parse_client_frame(
                r#"{"type":"send","room_id":3,"text":"","files":["00000000000000ff","0000000000000001"]}"#
            ),
            Ok(ClientFrame::Send {
                room_id: 3,
                text: String::new(),
                client_id: None,
                reply_to: None,
                files: vec![255, 1],
            })
        );
        for bad in [
            r#"{"type":"send","room_id":3,"text":"","files":["ff"]}"#,
            r#"{"type":"send","room_id":3,"text":"","files":[255]}"#,
            r#"{"type":"send","room_id":3,"text":"","files":["0000000000000001","0000000000000001"]}"#,
            r#"{"type":"send","people":["bob"],"text":"hi","files":["0000000000000001"]}"#,
        ] {
            assert!(parse_client_frame(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_client_frame(r#"{"type":"send","people":["bob"],"text":"hi","client_id":"c"}"#),
            Ok(ClientFrame::SendTo {
                people: vec!["bob".into()],
                text: "hi".into(),
                client_id: Some("c".into()),
            })
        );
        for wrong in [
            r#"{"type":"send","text":"hi"}"#,
            r#"{"type":"send","room_id":3,"people":["bob"],"text":"hi"}"#,
            r#"{"type":"send","people":[],"text":"hi"}"#,
            r#"{"type":"send","people":["a","b","c","d","e","f","g","h"],"text":"hi"}"#,
            r#"{"type":"send","people":["bob"],"text":"hi","reply_to":2}"#,
        ] {
            assert!(parse_client_frame(wrong).is_err(), "{wrong}");
        }
        assert_eq!(
            parse_client_frame(r#"{"type":"edit","room_id":3,"id":2,"text":"fixed"}"#),
            Ok(ClientFrame::Edit {
                room_id: 3,
                id: 2,
                text: "fixed".into()
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"delete","room_id":3,"id":2}"#),
            Ok(ClientFrame::Delete { room_id: 3, id: 2 })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"react","room_id":3,"id":2,"emoji":"👍"}"#),
            Ok(ClientFrame::React {
                room_id: 3,
                id: 2,
                emoji: "👍".into()
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"read","room_id":3,"id":9}"#),
            Ok(ClientFrame::Read {
                room_id: 3,
                id: 9,
                unread: false
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"read","room_id":3,"id":9,"unread":true}"#),
            Ok(ClientFrame::Read {
                room_id: 3,
                id: 9,
                unread: true
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"typing","room_id":3}"#),
            Ok(ClientFrame::Typing { room_id: 3 })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"history","room_id":3,"before":9,"limit":20}"#),
            Ok(ClientFrame::History {
                room_id: 3,
                before: Some(9),
                after: None,
                since: None,
                limit: Some(20)
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"history","room_id":3,"since":9}"#),
            Ok(ClientFrame::History {
                room_id: 3,
                before: None,
                after: None,
                since: Some(9),
                limit: None
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
            r#"{"type":"join","room":"x","room_id":1}"#,
            r#"{"type":"join","room":"x","since":-1}"#,
            r#"{"type":"send","room_id":1}"#,
            r#"{"type":"send","room":"x","text":"hi"}"#,
            r#"{"type":"send","room_id":1,"text":"hi","extra":1}"#,
            r#"{"type":"history","room_id":1,"since":1,"after":2}"#,
            r#"{"type":"edit","room_id":1,"id":2}"#,
            r#"{"type":"edit","room_id":1,"text":"x"}"#,
            r#"{"type":"delete","room_id":1,"id":-2}"#,
            r#"{"type":"react","room_id":1,"id":2,"emoji":7}"#,
            r#"{"type":"read","room_id":1}"#,
            r#"{"type":"read","room_id":1,"id":2,"unread":"yes"}"#,
            r#"{"type":"typing"}"#,
            r#"{"type":"typing","room_id":1,"text":"x"}"#,
            r#"{"type":"send","room_id":1,"text":"x","reply_to":"3"}"#,
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
}
