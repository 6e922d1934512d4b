//! Input rules for rooms and messages (see `DATA_MODEL.md`). Lengths count characters, not bytes.

pub const ROOM_NAME_MAX: usize = 64;
pub const MESSAGE_MAX: usize = 4000;
pub const CLIENT_ID_MAX: usize = 64;

/// A room name as typed: trimmed, 1–64 characters, no control characters. Returns the trimmed
/// name.
pub fn check_room_name(raw: &str) -> Result<&str, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Room name is empty.");
    }
    if name.chars().take(ROOM_NAME_MAX + 1).count() > ROOM_NAME_MAX {
        return Err("Room name must be at most 64 characters.");
    }
    if name.chars().any(char::is_control) {
        return Err("Room name may not contain control characters.");
    }
    Ok(name)
}

/// Characters a room's topic may have.
pub const TOPIC_MAX: usize = 200;

/// A topic as typed: trimmed, at most 200 characters, no control characters. An empty one is
/// no topic.
pub fn check_topic(raw: &str) -> Result<Option<String>, &'static str> {
    let topic = raw.trim();
    if topic.chars().take(TOPIC_MAX + 1).count() > TOPIC_MAX {
        return Err("A topic must be at most 200 characters.");
    }
    if topic.chars().any(char::is_control) {
        return Err("A topic may not contain control characters or line breaks.");
    }
    Ok((!topic.is_empty()).then(|| topic.to_owned()))
}

/// Why a message text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong,
}

impl TextProblem {
    pub fn message(self) -> &'static str {
        match self {
            TextProblem::Empty => "Message is empty.",
            TextProblem::TooLong => "Message is longer than 4000 characters.",
        }
    }
}

/// 1–4000 characters, not only white space.
pub fn check_message_text(text: &str) -> Result<(), TextProblem> {
    if text.chars().take(MESSAGE_MAX + 1).count() > MESSAGE_MAX {
        return Err(TextProblem::TooLong);
    }
    if text.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    Ok(())
}

/// At most 64 characters.
pub fn check_client_id(client_id: &str) -> bool {
    client_id.chars().take(CLIENT_ID_MAX + 1).count() <= CLIENT_ID_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_trimmed_and_bounded() {
        assert_eq!(check_room_name("  Lobby "), Ok("Lobby"));
        assert_eq!(check_room_name("42"), Ok("42"));
        assert_eq!(check_room_name("café ☕"), Ok("café ☕"));
        assert!(check_room_name("   ").is_err());
        assert!(check_room_name("").is_err());
        assert!(check_room_name("a\u{0}b").is_err());
        assert!(check_room_name("line\nbreak").is_err());
        assert!(check_room_name(&"é".repeat(64)).is_ok());
        assert!(check_room_name(&"é".repeat(65)).is_err());
    }

    #[test]
    fn message_texts() {
        assert_eq!(check_message_text("hi"), Ok(()));
        assert_eq!(check_message_text(" \n\t "), Err(TextProblem::Empty));
        assert_eq!(check_message_text(""), Err(TextProblem::Empty));
        assert_eq!(check_message_text(&"ü".repeat(4000)), Ok(()));
        assert_eq!(
            check_message_text(&"ü".repeat(4001)),
            Err(TextProblem::TooLong)
        );
    }

    #[test]
    fn topics() {
        assert_eq!(check_topic("  plans "), Ok(Some("plans".into())));
        assert_eq!(check_topic("   "), Ok(None));
        assert!(check_topic(&"x".repeat(201)).is_err());
        assert!(check_topic("two\nlines").is_err());
    }

    #[test]
    fn client_ids() {
        assert!(check_client_id(&"x".repeat(64)));
        assert!(!check_client_id(&"x".repeat(65)));
    }
}
