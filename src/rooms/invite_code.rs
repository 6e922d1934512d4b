//! Invite codes: 128 random bits from the OS, shown to the owner once as a link; only their
//! SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::store::InviteKey;

/// Length of an encoded code: 16 bytes in unpadded base64url.
pub const CODE_LEN: usize = 22;

/// A new random code and its storage key.
pub fn new_code() -> (String, InviteKey) {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let code = URL_SAFE_NO_PAD.encode(bytes);
    let key = Sha256::digest(code.as_bytes()).into();
    (code, key)
}

/// The storage key of a code, if it is shaped like one: anything else never reaches the
/// database.
pub fn code_key(code: &str) -> Option<InviteKey> {
    if code.len() != CODE_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(code).ok()?;
    (bytes.len() == 16).then(|| Sha256::digest(code.as_bytes()).into())
}

/// A short, public name for an invite (the first bytes of its key, in hex), by which its owner
/// can revoke it; it does not let anyone use it.
pub fn invite_id(key: &InviteKey) -> String {
    key[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_128_random_bits_and_only_their_shape_reaches_the_store() {
        let (code, key) = new_code();
        assert_eq!(code.len(), CODE_LEN);
        assert_eq!(code_key(&code), Some(key));
        assert_ne!(new_code().0, code);
        for bad in [
            "",
            "short",
            &"A".repeat(23),
            "AAAAAAAAAAAAAAAAAAAA+/",
            "AAAAAAAAAAAAAAAAAAAA%2",
        ] {
            assert_eq!(code_key(bad), None, "{bad}");
        }
        assert_eq!(invite_id(&key).len(), 16);
    }
}
