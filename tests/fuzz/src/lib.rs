//! The contracts the fuzz targets hold confab's input checks to, written out independently of
//! the checks themselves (the rules USING.md states), so several targets can apply them: a room name in a
//! WebSocket frame must obey the same rules as one typed into the join box.

use confab::auth::validate::{check_password, check_username};
use confab::rooms::input::{
    CLIENT_ID_MAX, MESSAGE_MAX, ROOM_NAME_MAX, TextProblem, check_client_id, check_message_text,
    check_room_name,
};

/// `check_room_name` accepts exactly the names that are 1–64 characters once trimmed and have
/// no control characters, and returns the trimmed name, which it accepts again unchanged.
pub fn room_name(raw: &str) {
    let trimmed = raw.trim();
    let length = trimmed.chars().count();
    let valid = (1..=ROOM_NAME_MAX).contains(&length) && !trimmed.chars().any(char::is_control);
    match check_room_name(raw) {
        Ok(name) => {
            assert!(valid, "accepted an invalid room name {raw:?}");
            assert_eq!(name, trimmed, "the accepted name is not the trimmed input");
            assert_eq!(check_room_name(name), Ok(name), "not idempotent");
        }
        Err(reason) => {
            assert!(!valid, "refused the valid room name {raw:?}: {reason}");
            assert!(!reason.is_empty());
        }
    }
}

/// `check_message_text` accepts 1–4000 characters that are not all white space; longer
/// texts are `TooLong` whatever they hold, shorter blank ones `Empty`.
pub fn message_text(text: &str) {
    let length = text.chars().count();
    let expected = if length > MESSAGE_MAX {
        Err(TextProblem::TooLong)
    } else if text.chars().all(char::is_whitespace) {
        Err(TextProblem::Empty)
    } else {
        Ok(())
    };
    assert_eq!(check_message_text(text), expected, "for {text:?}");
    if let Err(problem) = expected {
        assert!(!problem.message().is_empty());
    }
}

/// `check_client_id` accepts at most 64 characters (not bytes).
pub fn client_id(client_id: &str) {
    assert_eq!(
        check_client_id(client_id),
        client_id.chars().count() <= CLIENT_ID_MAX,
        "for {client_id:?}"
    );
}

/// `check_username` accepts exactly 3–32 characters of `A-Z a-z 0-9 _ . -`.
pub fn username(username: &str) {
    let valid = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    assert_eq!(check_username(username).is_ok(), valid, "for {username:?}");
}

/// `check_password` accepts exactly 8–1024 characters (not bytes), whatever they are.
pub fn password(password: &str) {
    let valid = (8..=1024).contains(&password.chars().count());
    assert_eq!(check_password(password).is_ok(), valid, "for {password:?}");
}

/// The formatter (`confab::format`) on any text: parsing never panics, and the HTML it renders
/// holds only its own elements (`a`, `code`, `pre`, `strong`, `em`, `del`, `span`) with its own
/// attributes, links only to `http(s)://`, so no user text ever becomes markup. The mentions it
/// reads are lower-cased names of at most 32 username characters.
pub fn formatted(text: &str) {
    use confab::format::html::{Mentions, render};
    let names = confab::format::mentioned(text);
    for name in &names {
        assert!((1..=32).contains(&name.len()), "{name:?} from {text:?}");
        assert!(
            name.bytes().all(|b| b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'.' | b'-')),
            "{name:?} from {text:?}"
        );
    }
    let mentions = Mentions {
        names: &names,
        everyone: Some("room"),
        me: names.first().map_or("", String::as_str),
    };
    let html = render(text, &mentions).into_string();
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .unwrap_or_else(|| panic!("a stray < in {html:?}"));
        let body = after[..close].trim_start_matches('/');
        let name = body.split(' ').next().unwrap_or_default();
        assert!(
            ["a", "code", "pre", "strong", "em", "del", "span"].contains(&name),
            "element {name:?} from {text:?}"
        );
        let mut attributes = &body[name.len()..];
        while let Some(eq) = attributes.find('=') {
            let key = attributes[..eq].trim();
            assert!(
                ["href", "rel", "target", "class"].contains(&key),
                "attribute {key:?} from {text:?}"
            );
            let quoted = attributes[eq + 1..]
                .strip_prefix('"')
                .expect("a quoted value");
            let end = quoted.find('"').expect("a closing quote");
            if key == "href" {
                let href = &quoted[..end];
                assert!(
                    href.starts_with("https://") || href.starts_with("http://"),
                    "href {href:?}"
                );
            }
            attributes = &quoted[end + 1..];
        }
        assert!(attributes.trim().is_empty(), "{attributes:?} in {html:?}");
        rest = &after[close + 1..];
    }
    assert!(!rest.contains('>'), "a stray > in {html:?}");
}
