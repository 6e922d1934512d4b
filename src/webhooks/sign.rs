//! The signature every webhook delivery carries: `X-Confab-Signature: sha256=<hex>`, the
//! HMAC-SHA256 of the exact body bytes under the webhook's secret, so a receiver can tell the
//! request came from this server and was not changed on the way.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::store::digest_hex;

/// The header's name.
pub const HEADER: &str = "x-confab-signature";

/// The header's value for `body`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest: [u8; 32] = mac.finalize().into_bytes().into();
    format!("sha256={}", digest_hex(&digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_rfc_4231_says() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
