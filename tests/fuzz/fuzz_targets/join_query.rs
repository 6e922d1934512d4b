//! The join box's query string (`JoinQuery::parse`, as poem's `Query` parses it) on any text.
//! A room name it accepts obeys the room name rules and leads to its chat page: a path under
//! `/rooms/` with every other character percent-encoded, which decodes back to the name.
#![no_main]

use confab::web::JoinQuery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A request's query string is text; poem hands it over as &str.
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(join) = JoinQuery::parse(query) else {
        return;
    };
    let Some(room) = join.room.as_deref() else {
        assert!(join.destination().is_none());
        return;
    };
    confab_fuzz::room_name(room);
    match join.destination().expect("a room was asked for") {
        Ok(path) => {
            let encoded = path.strip_prefix("/rooms/").expect("a chat page path");
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'%'),
                "{path:?} is not fully encoded"
            );
            let decoded = percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .expect("the path decodes to UTF-8");
            assert_eq!(decoded, room.trim(), "the path names another room");
        }
        Err(reason) => assert!(!reason.is_empty()),
    }
});
