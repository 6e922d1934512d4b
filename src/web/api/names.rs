//! A room name as the API takes it, in a path or a body: a JSON string whose schema states
//! the rules `check_room_name` applies, so a name the schema allows is a name confab takes.
//! In a path it is checked (and trimmed) as it is parsed; in a body it is checked by the room
//! rules that use it, which answer `invalid_room` like the path does.

use std::borrow::Cow;
use std::ops::Deref;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

use crate::rooms::input::check_room_name;

/// `check_room_name` as a regular expression: white space as `str::trim` removes it, then 1–64
/// characters that are not control characters (Unicode Cc: U+0000–U+001F, U+007F–U+009F) and
/// neither start nor end with white space, then white space again. Its escapes read alike in
/// Rust's regex, Python and ECMAScript; a unit test checks it against `check_room_name`.
pub const ROOM_NAME_PATTERN: &str = r"^[\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";

/// A room's name: 1–64 characters once trimmed, no control characters, in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(pub String);

impl Deref for RoomName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl RoomName {
    fn parse(raw: &str) -> ParseResult<Self> {
        check_room_name(raw)
            .map(|name| RoomName(name.to_owned()))
            .map_err(ParseError::custom)
    }
}

impl Type for RoomName {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "room_name".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some(ROOM_NAME_PATTERN.to_owned()),
            example: Some(Value::String("lobby".into())),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for RoomName {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        RoomName::parse(value)
    }
}

impl ParseFromJSON for RoomName {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => Ok(RoomName(text)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for RoomName {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::validation::{Pattern, Validator};

    #[test]
    fn the_schema_pattern_accepts_exactly_the_room_names_check_room_name_accepts() {
        let pattern = Pattern::new(ROOM_NAME_PATTERN);
        // Every character that white space, control or plain could treat differently, alone,
        // padded, and inside a name.
        let specials = (0u32..0x300)
            .chain([
                0x1680, 0x180e, 0x2000, 0x200a, 0x200b, 0x2028, 0x2029, 0x202f,
            ])
            .chain([0x205f, 0x2060, 0x3000, 0xfeff, 0x1_f600, 0x10_ffff])
            .filter_map(char::from_u32);
        let mut names: Vec<String> = Vec::new();
        for c in specials {
            names.extend([
                c.to_string(),
                format!("a{c}"),
                format!("{c}a"),
                format!("a{c}b"),
                format!("{c}{c}"),
            ]);
        }
        for n in [63, 64, 65] {
            names.extend([
                "é".repeat(n),
                format!("  {}\t\n", "x".repeat(n)),
                format!("\u{3000}a{}b ", " ".repeat(n.saturating_sub(2))),
            ]);
        }
        names.extend(["".into(), " ".into(), "Lobby".into(), "café ☕".into()]);
        for name in &names {
            assert_eq!(
                pattern.check(name),
                check_room_name(name).is_ok(),
                "{name:?}"
            );
            assert_eq!(RoomName::parse(name).is_ok(), check_room_name(name).is_ok());
        }
    }
}
