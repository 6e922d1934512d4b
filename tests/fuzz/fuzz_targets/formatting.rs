//! Message formatting (`confab::format`) on any text, held to its contract: no HTML from user
//! text, ever (see `formatted` in the fuzz crate).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Message texts arrive as JSON strings: valid UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    confab_fuzz::formatted(text);
});
