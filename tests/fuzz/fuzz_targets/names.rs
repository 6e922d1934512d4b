//! Room names, message texts and client ids (`check_room_name`, `check_message_text`,
//! `check_client_id`) on any text, held to the rules USING.md states.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Everything these checks see arrived as JSON strings or decoded URLs: valid UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    confab_fuzz::room_name(text);
    confab_fuzz::message_text(text);
    confab_fuzz::client_id(text);
});
