//! An upload's name and type (`confab::files::names`), as `POST …/files?name=…` hands them
//! over with the file's first bytes: whatever arrives, the name kept is one safe to show and to
//! save (no folder, no control or direction-changing character, bounded, never empty, the
//! same when cleaned again), its URL and `Content-Disposition` are plain ASCII that give the
//! name back, and the type served is never one a browser renders as a page or runs; a picture
//! type only for bytes that are that picture.
//!
//! Input: the name, a zero byte, the declared `Content-Type`, a zero byte, the file's bytes.
#![no_main]

use confab::files::file_url;
use confab::files::names::{
    MAX_NAME_BYTES, clean_name, content_disposition, is_inline, stored_type,
};
use confab::images::sniff;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let name = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let declared = parts.next().map(String::from_utf8_lossy);
    let bytes = parts.next().unwrap_or_default();

    let kept = clean_name(&name);
    assert!(!kept.is_empty() && kept.len() <= MAX_NAME_BYTES, "{kept:?}");
    assert!(!kept.contains(['/', '\\']), "{kept:?}");
    assert!(!kept.chars().any(char::is_control), "{kept:?}");
    assert!(
        !kept
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
        "{kept:?}"
    );
    assert!(kept != "." && kept != "..", "{kept:?}");
    assert_eq!(clean_name(&kept), kept, "cleaning again changes {kept:?}");

    let url = file_url(1, &kept);
    assert!(url.bytes().all(|b| b.is_ascii_graphic()), "{url}");
    assert!(url.parse::<http::Uri>().is_ok(), "{url}");
    let encoded = url.rsplit('/').next().unwrap();
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, kept);

    for inline in [false, true] {
        let disposition = content_disposition(&kept, inline);
        assert!(
            http::HeaderValue::from_str(&disposition).is_ok(),
            "{disposition}"
        );
        assert!(
            disposition
                .bytes()
                .all(|b| b == b' ' || b.is_ascii_graphic())
        );
        let full = disposition.rsplit("UTF-8''").next().unwrap();
        let decoded = percent_encoding::percent_decode_str(full)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, kept);
    }

    let picture = sniff(bytes).ok();
    let mime = stored_type(declared.as_deref(), picture);
    assert!(http::HeaderValue::from_str(&mime).is_ok(), "{mime}");
    let (kind, subtype) = mime.split_once('/').expect("type/subtype");
    assert!(
        !kind.is_empty() && !subtype.is_empty() && !subtype.contains('/'),
        "{mime}"
    );
    assert_eq!(mime, mime.to_ascii_lowercase());
    for risky in ["html", "xml", "svg", "script", "xsl"] {
        assert!(!mime.contains(risky), "{mime} from {declared:?}");
    }
    assert!(kind != "multipart" && kind != "message", "{mime}");
    if kind == "text" {
        assert!(subtype == "plain" || subtype == "csv", "{mime}");
    }
    if is_inline(&mime) {
        assert!(picture.is_some(), "{mime} for bytes that are no picture");
    }
});
