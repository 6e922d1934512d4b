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

/// The text of a new message: with files attached it may be empty (white space alone counts
/// as empty, and is stored as no text).
pub fn check_post_text(text: &str, with_files: bool) -> Result<(), TextProblem> {
    match check_message_text(text) {
        Err(TextProblem::Empty) if with_files => Ok(()),
        checked => checked,
    }
}

/// At most 64 characters.
pub fn check_client_id(client_id: &str) -> bool {
    client_id.chars().take(CLIENT_ID_MAX + 1).count() <= CLIENT_ID_MAX
}

/// Bytes a reaction's emoji may have.
pub const EMOJI_MAX_BYTES: usize = 16;

/// One emoji, as a reaction: at most 16 bytes, one pictograph (with its skin tone, variation
/// selector or keycap), several joined by zero-width joiners, a flag of two regional
/// indicators, or a subdivision flag of tag characters.
pub fn check_emoji(emoji: &str) -> Result<(), &'static str> {
    const REFUSED: &str = "A reaction must be one emoji.";
    if emoji.is_empty() || emoji.len() > EMOJI_MAX_BYTES {
        return Err(REFUSED);
    }
    let chars: Vec<char> = emoji.chars().collect();
    if chars.iter().all(|&c| is_regional_indicator(c)) {
        return if chars.len() == 2 {
            Ok(())
        } else {
            Err(REFUSED)
        };
    }
    let mut expect_base = true;
    for (i, &c) in chars.iter().enumerate() {
        if expect_base {
            let keycap = i == 0 && matches!(c, '0'..='9' | '#' | '*') && chars.len() > 1;
            if !(is_pictographic(c) || keycap) {
                return Err(REFUSED);
            }
            expect_base = false;
        } else if c == '\u{200D}' {
            expect_base = true;
        } else if !is_emoji_modifier(c) {
            return Err(REFUSED);
        }
    }
    if expect_base {
        return Err(REFUSED);
    }
    // A keycap base alone ("1") is not an emoji; with U+20E3 it is.
    if matches!(chars[0], '0'..='9' | '#' | '*') && !chars.contains(&'\u{20E3}') {
        return Err(REFUSED);
    }
    Ok(())
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// What may follow a pictograph inside one emoji: skin tones, variation selectors, the keycap
/// mark, and the tag characters of subdivision flags.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c,
        '\u{1F3FB}'..='\u{1F3FF}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}')
}

/// The blocks and symbols emoji are drawn from (Unicode's Extended_Pictographic, in ranges).
fn is_pictographic(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}' | '\u{231A}'..='\u{23FF}' | '\u{24C2}'
        | '\u{25AA}'..='\u{25FE}' | '\u{2600}'..='\u{27BF}' | '\u{2934}' | '\u{2935}'
        | '\u{2B05}'..='\u{2B55}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1F1E5}' | '\u{1F200}'..='\u{1F3FA}' | '\u{1F400}'..='\u{1FAFF}')
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
    fn a_reaction_is_one_emoji() {
        for good in ["👍", "👍🏽", "❤️", "🎉", "🇫🇷", "1️⃣", "#️⃣", "👩‍💻", "🏴‍☠️", "☕"]
        {
            assert_eq!(check_emoji(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a",
            "1",
            "ab",
            "👍👍",
            "👍 ",
            " 👍",
            "🇫",
            "🇫🇷🇩🇪",
            "👍\u{200D}",
            "\u{200D}👍",
            "<b>",
            "🏽",
            "x\u{20E3}",
            // One emoji each, but past the 16 bytes a reaction may have.
            "👨‍👩‍👧",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
        ] {
            assert!(check_emoji(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn client_ids() {
        assert!(check_client_id(&"x".repeat(64)));
        assert!(!check_client_id(&"x".repeat(65)));
    }
}
