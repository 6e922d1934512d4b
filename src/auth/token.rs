//! Session tokens: 256 random bits from the OS, handed to the browser once; only their SHA-256
//! is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::store::SessionKey;

/// Length of an encoded token: 32 bytes in unpadded base64url.
pub const TOKEN_LEN: usize = 43;

/// A new random token, base64url-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The storage key of a token. Tokens that are not well-formed have no key, so they never reach
/// the database.
pub fn token_key(token: &str) -> Option<SessionKey> {
    if token.len() != TOKEN_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != 32 {
        return None;
    }
    Some(Sha256::digest(token.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tokens_are_256_bits_and_unique() {
        let tokens: HashSet<String> = (0..10_000).map(|_| new_token()).collect();
        assert_eq!(tokens.len(), 10_000);
        for token in &tokens {
            assert_eq!(token.len(), TOKEN_LEN);
            assert_eq!(URL_SAFE_NO_PAD.decode(token).unwrap().len(), 32);
        }
    }

    #[test]
    fn key_is_the_sha256_of_the_token() {
        let token = new_token();
        let key = token_key(&token).unwrap();
        let expected: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        assert_eq!(key, expected);
        assert_ne!(&key[..], token.as_bytes());
    }

    #[test]
    fn malformed_tokens_have_no_key() {
        assert_eq!(token_key(""), None);
        assert_eq!(token_key("short"), None);
        assert_eq!(token_key(&"!".repeat(TOKEN_LEN)), None);
        assert_eq!(token_key(&"a".repeat(TOKEN_LEN + 1)), None);
    }
}
