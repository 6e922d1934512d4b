//! The stable codes of `error` frames. Their wire names are listed in `PROTOCOL.md` and, for
//! the browser, in `ui/js/lib/protocol.js`; a test checks that all three agree.

use serde::Serialize;

use crate::rooms::RoomError;
use crate::rooms::input::TextProblem;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not one the protocol knows, or a field is out of its range.
    BadRequest,
    /// A room name that breaks the naming rules.
    InvalidRoom,
    /// No such room, or one this person may not see (never told apart).
    RoomNotFound,
    /// The frame names a room this socket has not joined.
    NotJoined,
    /// This socket follows as many rooms as it may.
    TooManyRooms,
    /// A message that is empty or only white space.
    EmptyMessage,
    /// A message longer than 4,000 characters.
    TooLong,
    /// Too many frames, or messages, too fast.
    RateLimited,
    /// The server could not read or write its data.
    StorageError,
    /// The server is shutting down or reopening its database.
    Unavailable,
    /// The room is visible but this is not yours to do.
    Forbidden,
    /// The action needs a membership this person does not have.
    NotAMember,
    /// A direct room the other person does not accept messages in from this one.
    DmRefused,
    /// No message with that id in that room.
    MessageNotFound,
    /// The message was deleted; it can no longer be edited, reacted to or replied to.
    MessageDeleted,
    /// The message already has 20 different reactions.
    TooManyReactions,
    /// A reaction that is not one emoji.
    BadEmoji,
}

impl ErrorCode {
    /// Every code, for the test that keeps the document and the browser code in step.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::BadRequest,
        ErrorCode::InvalidRoom,
        ErrorCode::RoomNotFound,
        ErrorCode::NotJoined,
        ErrorCode::TooManyRooms,
        ErrorCode::EmptyMessage,
        ErrorCode::TooLong,
        ErrorCode::RateLimited,
        ErrorCode::StorageError,
        ErrorCode::Unavailable,
        ErrorCode::Forbidden,
        ErrorCode::NotAMember,
        ErrorCode::DmRefused,
        ErrorCode::MessageNotFound,
        ErrorCode::MessageDeleted,
        ErrorCode::TooManyReactions,
        ErrorCode::BadEmoji,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidRoom => "invalid_room",
            ErrorCode::RoomNotFound => "room_not_found",
            ErrorCode::NotJoined => "not_joined",
            ErrorCode::TooManyRooms => "too_many_rooms",
            ErrorCode::EmptyMessage => "empty_message",
            ErrorCode::TooLong => "too_long",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::StorageError => "storage_error",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotAMember => "not_a_member",
            ErrorCode::DmRefused => "dm_refused",
            ErrorCode::MessageNotFound => "message_not_found",
            ErrorCode::MessageDeleted => "message_deleted",
            ErrorCode::TooManyReactions => "too_many_reactions",
            ErrorCode::BadEmoji => "bad_emoji",
        }
    }

    /// The code for a message text that breaks the rules.
    pub fn of_text(problem: TextProblem) -> ErrorCode {
        match problem {
            TextProblem::Empty => ErrorCode::EmptyMessage,
            TextProblem::TooLong => ErrorCode::TooLong,
        }
    }

    /// The code for a refused room operation: the one place the WebSocket maps them.
    pub fn of_room_error(err: &RoomError) -> ErrorCode {
        match err {
            RoomError::NotFound => ErrorCode::RoomNotFound,
            RoomError::NotAllowed(_) => ErrorCode::Forbidden,
            RoomError::NotMember => ErrorCode::NotAMember,
            RoomError::InvalidName(_) => ErrorCode::InvalidRoom,
            RoomError::DmRefused(_) => ErrorCode::DmRefused,
            RoomError::MessageNotFound => ErrorCode::MessageNotFound,
            RoomError::MessageDeleted => ErrorCode::MessageDeleted,
            RoomError::TooManyReactions => ErrorCode::TooManyReactions,
            // Not answers to any frame; their HTTP doors say more.
            RoomError::NameTaken
            | RoomError::InvalidTopic(_)
            | RoomError::UserNotFound
            | RoomError::InviteInvalid
            | RoomError::InvalidDirect(_) => ErrorCode::BadRequest,
            RoomError::ShuttingDown | RoomError::Store(StoreError::Unavailable) => {
                ErrorCode::Unavailable
            }
            RoomError::NotSaved | RoomError::Store(_) => ErrorCode::StorageError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_what_serde_writes() {
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    /// The words of `text` between pairs of `quote` that look like codes (`snake_case`).
    fn quoted_codes(text: &str, quote: char) -> Vec<String> {
        text.split(quote)
            .skip(1)
            .step_by(2)
            .filter(|word| {
                !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_browser_and_the_protocol_document_know_every_code() {
        let root = env!("CARGO_MANIFEST_DIR");
        let js = std::fs::read_to_string(format!("{root}/ui/js/lib/protocol.js")).unwrap();
        let table = js
            .split("export const ERROR_CODES")
            .nth(1)
            .and_then(|rest| rest.split("});").next())
            .expect("ui/js/lib/protocol.js exports ERROR_CODES");
        let mut in_js = quoted_codes(table, '\'');
        in_js.sort();
        let mut all: Vec<String> = ErrorCode::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        all.sort();
        assert_eq!(in_js, all, "ERROR_CODES in ui/js/lib/protocol.js");
        let doc = std::fs::read_to_string(format!("{root}/src/chat/PROTOCOL.md")).unwrap();
        for code in &all {
            assert!(
                doc.contains(&format!("`{code}`")),
                "PROTOCOL.md does not document {code}"
            );
        }
    }
}
