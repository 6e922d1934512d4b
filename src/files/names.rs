//! What an upload is called and what type it is served as. The name and the `Content-Type`
//! come from the person uploading, so neither is trusted: the name is cut to something safe
//! to show and to save (no folders, no control or direction-changing characters, bounded), and
//! the type is one a browser cannot be tricked by. A type that a browser would run or render
//! as a page (HTML, SVG, XML, script) is never kept: such a file is
//! `application/octet-stream`. A picture type is kept only when the bytes are that picture.

use crate::images::Format;

/// The longest name kept, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 200;
/// What an upload without a usable name is called.
pub const UNNAMED: &str = "file";
/// The type of anything the server will not name more precisely.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// The picture types served inline (when the server could read the picture).
const INLINE: &[&str] = &["image/png", "image/jpeg", "image/webp", "image/gif"];

/// A name fit to show and to save: the last part of a path, without control, format or
/// direction-changing characters, trimmed, at most [`MAX_NAME_BYTES`] bytes with its
/// extension kept, and never empty, `.` or `..`.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible_format(c))
        .collect();
    let trimmed = kept.trim_start().trim_end_matches(ends_badly);
    let name = shorten(trimmed, MAX_NAME_BYTES);
    if name.is_empty() || name.chars().all(|c| c == '.') {
        UNNAMED.to_owned()
    } else {
        name
    }
}

/// What a name does not end with: white space, or a dot (Windows drops trailing dots and
/// spaces, and "report." is not a name anyone typed).
fn ends_badly(c: char) -> bool {
    c == '.' || c.is_whitespace()
}

/// Characters that change how the text around them reads without showing themselves: the
/// bidirectional overrides and isolates ("gpj.exe" shown as "exe.jpg"), zero-width joiners
/// and spaces, the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// `name` within `max` bytes, cut at a character boundary, its extension (up to 16 bytes)
/// kept at the end.
fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let extension = name
        .rfind('.')
        .map(|at| &name[at..])
        .filter(|ext| ext.len() <= 16 && ext.len() < max);
    let extension = extension.unwrap_or_default();
    let mut stem_end = max - extension.len();
    while !name.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    let stem = name[..stem_end.min(name.len() - extension.len())].trim_end_matches(ends_badly);
    format!("{stem}{extension}")
}

/// The `Content-Disposition` of a file: `attachment` or `inline`, with its name as plain ASCII
/// for old browsers and in full as RFC 8187 `filename*`. Visible ASCII only, whatever the name.
pub fn content_disposition(name: &str, inline: bool) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let full = percent_encoding::utf8_percent_encode(name, super::NAME_IN_PATH);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{full}")
}

/// The type a file is stored and served as. `declared` is the request's `Content-Type`;
/// `picture` is the format the bytes were read as, when they are one the server reads.
pub fn stored_type(declared: Option<&str>, picture: Option<Format>) -> String {
    if let Some(format) = picture {
        return picture_type(format).to_owned();
    }
    let Some(essence) = declared.and_then(essence) else {
        return OCTET_STREAM.to_owned();
    };
    if INLINE.contains(&essence.as_str()) || runs_in_a_browser(&essence) {
        // A picture type on bytes that are not that picture, or a type a browser renders.
        return OCTET_STREAM.to_owned();
    }
    essence
}

/// Whether a stored type may be shown in the page rather than downloaded.
pub fn is_inline(mime: &str) -> bool {
    INLINE.contains(&mime)
}

fn picture_type(format: Format) -> &'static str {
    match format {
        Format::Png => "image/png",
        Format::Jpeg => "image/jpeg",
        Format::WebP => "image/webp",
        Format::Gif => "image/gif",
    }
}

/// `type/subtype` of a media type, lower case, without parameters, when it is well formed.
fn essence(declared: &str) -> Option<String> {
    let essence = declared.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    let token = |part: &str| {
        !part.is_empty()
            && part.len() <= 64
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(kind) && token(subtype)).then_some(essence)
}

/// Types a browser may render as a document or run: HTML, XML and everything built on it
/// (SVG, XHTML, RSS), script, and the multipart and message types that wrap them.
fn runs_in_a_browser(essence: &str) -> bool {
    let (kind, subtype) = essence.split_once('/').unwrap_or((essence, ""));
    matches!(kind, "text" if subtype != "plain" && subtype != "csv")
        || matches!(kind, "multipart" | "message")
        || ["xml", "html", "script", "svg", "xsl"]
            .iter()
            .any(|word| essence.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_last_part_without_anything_that_hides_what_it_is() {
        assert_eq!(clean_name("report.pdf"), "report.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\me\\notes.txt"), "notes.txt");
        assert_eq!(clean_name("photo\u{202e}gpj.exe"), "photogpj.exe");
        assert_eq!(clean_name("a\nb\u{0}c.txt"), "abc.txt");
        assert_eq!(clean_name("  spaced  .txt  "), "spaced  .txt");
        assert_eq!(clean_name("trailing..."), "trailing");
        for empty in ["", "  ", "..", ".", "dir/", "\u{200b}", "a/.."] {
            assert_eq!(clean_name(empty), UNNAMED, "{empty:?}");
        }
        assert_eq!(clean_name("Bäume und Blüten.jpg"), "Bäume und Blüten.jpg");
    }

    #[test]
    fn a_long_name_is_cut_at_a_character_and_keeps_its_extension() {
        let long = format!("{}.tar.gz", "ü".repeat(300));
        let name = clean_name(&long);
        assert!(name.len() <= MAX_NAME_BYTES, "{}", name.len());
        assert!(name.ends_with(".gz"), "{name}");
        let no_extension = "x".repeat(500);
        assert_eq!(clean_name(&no_extension).len(), MAX_NAME_BYTES);
        let odd_extension = format!("a.{}", "é".repeat(300));
        assert!(clean_name(&odd_extension).len() <= MAX_NAME_BYTES);
        for awkward in [
            format!("{}.{}", "x".repeat(199), "y".repeat(300)),
            "a. .".to_owned(),
            format!("{} .txt", "z".repeat(300)),
        ] {
            let once = clean_name(&awkward);
            assert_eq!(clean_name(&once), once, "{awkward}");
            assert!(!once.ends_with(['.', ' ']), "{once}");
        }
    }

    #[test]
    fn only_types_a_browser_cannot_be_tricked_by_are_kept() {
        assert_eq!(
            stored_type(Some("application/pdf"), None),
            "application/pdf"
        );
        assert_eq!(
            stored_type(Some("Text/Plain; charset=utf-8"), None),
            "text/plain"
        );
        for risky in [
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/xml",
            "application/javascript",
            "text/javascript",
            "multipart/related",
            "message/rfc822",
            "text/xsl",
            "image/png",
            "nonsense",
            "a/b/c",
            "",
            "text/ plain",
            "html/page",
            "xml/x",
        ] {
            assert_eq!(stored_type(Some(risky), None), OCTET_STREAM, "{risky}");
        }
        assert_eq!(stored_type(None, None), OCTET_STREAM);
        assert_eq!(
            stored_type(Some("text/html"), Some(Format::Png)),
            "image/png",
            "the bytes decide"
        );
        assert!(is_inline("image/gif"));
        assert_eq!(
            content_disposition("Ünïcode \"q\" 100%.txt", false),
            "attachment; filename=\"_n_code _q_ 100_.txt\"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%22q%22%20100%25.txt"
        );
        assert!(!is_inline("application/pdf"));
        assert!(!is_inline(OCTET_STREAM));
    }
}
