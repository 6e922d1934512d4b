//! The sign-in form body (`LoginForm::parse`, as poem's `Form` parses it) on any bytes. Whatever
//! `next` says, the redirect after signing in stays on this site: as a browser reads the
//! `Location` header (dropping tabs and line breaks, trimming control characters and spaces),
//! it is a path, never `//host` or `/\host`, and it is a valid header value.
#![no_main]

use confab::web::LoginForm;
use http::HeaderValue;
use libfuzzer_sys::fuzz_target;

/// What a browser's URL parser makes of a relative URL before resolving it (WHATWG URL:
/// leading and trailing C0 controls and spaces removed, every tab and newline removed).
fn as_a_browser_reads(location: &str) -> String {
    location
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(form) = LoginForm::parse(data) else {
        return;
    };
    let next = form.next_path();
    assert!(
        HeaderValue::from_str(next).is_ok(),
        "{next:?} is not a valid Location header"
    );
    let browser = as_a_browser_reads(next);
    let mut chars = browser.chars();
    assert_eq!(chars.next(), Some('/'), "{next:?} is not a path");
    assert!(
        !matches!(chars.next(), Some('/' | '\\')),
        "{next:?} leaves the site"
    );
    if form.next.is_none() {
        assert_eq!(next, "/rooms");
    }
    confab_fuzz::password(&form.password);
});
