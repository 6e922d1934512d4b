//! The session cookie (`session_token`) in any `Cookie` headers, plain and under TLS. A token it
//! finds is exactly 43 characters of base64url, the value of a cookie with the session
//! cookie's exact name in one of the headers.
#![no_main]

use confab::auth::TOKEN_LEN;
use confab::web::cookie::{cookie_name, session_token};
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let tls = flags & 1 == 1;
    // One `Cookie` header per line, as a client may send several.
    let mut headers = HeaderMap::new();
    for line in rest.split(|&b| b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(COOKIE, value);
        }
    }
    let Some(token) = session_token(&headers, tls) else {
        return;
    };
    assert_eq!(token.len(), TOKEN_LEN);
    assert_eq!(token.chars().count(), TOKEN_LEN);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token:?} is not base64url"
    );
    let pair = format!("{}={token}", cookie_name(tls));
    assert!(
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.split(';').any(|part| part.trim() == pair)),
        "{token:?} is not the value of a {} cookie",
        cookie_name(tls)
    );
});
