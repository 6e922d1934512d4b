//! The session cookie: `confab_session` over plain HTTP, `__Host-confab_session` under TLS;
//! HttpOnly, SameSite=Lax (set explicitly), Secure under TLS, Path=/, no Domain.

use poem::http::HeaderMap;
use poem::http::header::COOKIE;

use crate::auth::{ABSOLUTE_EXPIRY, TOKEN_LEN};

pub fn cookie_name(tls: bool) -> &'static str {
    if tls {
        "__Host-confab_session"
    } else {
        "confab_session"
    }
}

/// `Set-Cookie` value that stores a session token. The browser may keep it as long as the
/// session could live; the server enforces the real expiry.
pub fn set_session(token: &str, tls: bool) -> String {
    format!(
        "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        cookie_name(tls),
        token,
        ABSOLUTE_EXPIRY.as_secs(),
        if tls { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` value that deletes the session cookie.
pub fn clear_session(tls: bool) -> String {
    format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        cookie_name(tls),
        if tls { "; Secure" } else { "" }
    )
}

/// The session token from the request's `Cookie` headers, if one is there and well-formed:
/// 43 characters of base64url. A malformed cookie of the same name is skipped, and a request
/// that brings an `Authorization` header has no session ([`super::bearer`]).
pub fn session_token(headers: &HeaderMap, tls: bool) -> Option<&str> {
    if super::bearer::carries_authorization(headers) {
        return None;
    }
    let name = cookie_name(tls);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && is_token_shaped(value))
        .map(|(_, value)| value)
}

fn is_token_shaped(value: &str) -> bool {
    value.len() == TOKEN_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::http::HeaderValue;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for c in cookies {
            map.append(COOKIE, HeaderValue::from_str(c).unwrap());
        }
        map
    }

    const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    #[test]
    fn finds_the_session_among_other_cookies() {
        let h = headers(&[&format!("theme=dark; confab_session={TOKEN}; other=1")]);
        assert_eq!(session_token(&h, false), Some(TOKEN));
        assert_eq!(session_token(&h, true), None, "TLS uses the __Host- name");
        let h = headers(&["a=b", &format!("__Host-confab_session={TOKEN}")]);
        assert_eq!(session_token(&h, true), Some(TOKEN));
    }

    #[test]
    fn ignores_malformed_cookies() {
        for bad in [
            "confab_session",
            "confab_session=",
            "confab_session=short",
            "=;;=",
            "",
            "confab_session=abcdefghi\tklmnopqrstuvwxyz0123456789ABCDEFG",
            "confab_session=abcdefghi klmnopqrstuvwxyz0123456789ABCDEFG",
            "confab_session=abcdefghi+klmnopqrstuvwxyz0123456789ABCDEFG",
        ] {
            assert_eq!(session_token(&headers(&[bad]), false), None, "{bad}");
        }
    }

    #[test]
    fn a_malformed_cookie_does_not_hide_the_real_one() {
        let h = headers(&[&format!(
            "confab_session=abcdefghi klmnopqrstuvwxyz0123456789ABCDEFG; confab_session={TOKEN}"
        )]);
        assert_eq!(session_token(&h, false), Some(TOKEN));
    }

    #[test]
    fn cookie_attributes() {
        let plain = set_session(TOKEN, false);
        assert!(plain.starts_with(&format!("confab_session={TOKEN}; Path=/;")));
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure") && !plain.contains("Domain"));
        let tls = set_session(TOKEN, true);
        assert!(tls.starts_with("__Host-confab_session=") && tls.ends_with("; Secure"));
        assert!(clear_session(false).contains("Max-Age=0"));
    }
}
