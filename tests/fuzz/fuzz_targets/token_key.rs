//! Session tokens (`token_key`) on any text: only a canonical base64url encoding of 32 bytes
//! has a storage key, and the key is the token's SHA-256.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab::auth::{TOKEN_LEN, token_key};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = URL_SAFE_NO_PAD.decode(token).ok();
    let canonical = decoded
        .as_ref()
        .is_some_and(|bytes| bytes.len() == 32 && URL_SAFE_NO_PAD.encode(bytes) == token);
    match token_key(token) {
        Some(key) => {
            assert!(
                canonical,
                "{token:?} has a key but is not a canonical token"
            );
            assert_eq!(token.len(), TOKEN_LEN);
            let expected: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            assert_eq!(key, expected);
        }
        None => assert!(!canonical, "the canonical token {token:?} has no key"),
    }
});
