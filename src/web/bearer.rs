//! `Authorization: Bearer`, the way an API token comes in. A request that brings an
//! `Authorization` header speaks for that alone: its cookies are not read
//! ([`super::cookie::session_token`]), so a cross-site request cannot ride on a browser's
//! session by adding one, and the cross-site check ([`super::security`]) need not hold it back:
//! no browser attaches the header by itself.

use poem::http::HeaderMap;
use poem::http::header::AUTHORIZATION;

/// Whether the request brings credentials of its own in `Authorization`.
pub fn carries_authorization(headers: &HeaderMap) -> bool {
    headers.contains_key(AUTHORIZATION)
}

/// The token of `Authorization: Bearer TOKEN` (the scheme in any case); none when the header is
/// absent, of another scheme, or not one line of text.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use poem::http::HeaderValue;

    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_bearer_scheme_in_any_case_gives_its_token() {
        assert_eq!(bearer_token(&with("Bearer cft_abc")), Some("cft_abc"));
        assert_eq!(bearer_token(&with("bearer  cft_abc ")), Some("cft_abc"));
        assert_eq!(bearer_token(&with("Basic dXNlcjpwdw==")), None);
        assert_eq!(bearer_token(&with("Bearer")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
        assert!(carries_authorization(&with("Basic x")));
    }
}
