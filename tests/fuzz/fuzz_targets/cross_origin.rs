//! The cross-site request check (`is_cross_origin`) on any `Sec-Fetch-Site` and `Origin`
//! headers and any authority the request was sent to (HTTP/1.1's `Host`, HTTP/2's
//! `:authority`). A request passes only when the browser says it is same-origin (or
//! user-initiated), when it carries neither header (not a browser), or when its `Origin` is
//! this very host.
#![no_main]

use confab::web::security::is_cross_origin;
use http::header::{HOST, ORIGIN};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Three header values separated by newlines; an empty or invalid one is left out.
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let mut headers = HeaderMap::new();
    for name in ["sec-fetch-site", ORIGIN.as_str(), HOST.as_str()] {
        let Some(part) = parts.next() else { break };
        if part.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(part) {
            headers.insert(name, value);
        }
    }
    let authority = headers.get(HOST).and_then(|h| h.to_str().ok());
    let cross = is_cross_origin(&headers, authority);
    if let Some(site) = headers.get("sec-fetch-site") {
        let same = matches!(site.as_bytes(), b"same-origin" | b"none");
        assert_eq!(cross, !same, "Sec-Fetch-Site {site:?}");
        return;
    }
    let Some(origin) = headers.get(ORIGIN) else {
        assert!(
            !cross,
            "no Sec-Fetch-Site, no Origin: not a browser, allowed"
        );
        return;
    };
    if !cross {
        let origin = origin.to_str().expect("an allowed Origin is text");
        let host = authority.expect("an allowed Origin has an authority to match");
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .expect("an allowed Origin is http(s)");
        assert!(
            origin_host.eq_ignore_ascii_case(host),
            "Origin {origin:?} allowed for Host {host:?}"
        );
    }
});
