//! VAPID (RFC 8292): the server proves to push services that it is the one a browser subscribed
//! with. Each request carries `Authorization: vapid t=JWT, k=KEY`: an ES256 JSON Web Token for
//! the push service's origin, signed with the server's P-256 key, and that key's public half.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

use crate::store::{Store, StoreError};

/// How long a signature is good for (RFC 8292 allows at most 24 hours).
pub const VALID_SECS: u64 = 12 * 60 * 60;

/// The server's VAPID key.
pub struct Vapid {
    /// Read (or made) at start; its curve arithmetic waits for the first use, so a server
    /// nobody subscribes on never runs that code.
    key: Key,
    /// Who runs this server (`mailto:` or `https:`), for push services to reach.
    contact: String,
}

struct Key {
    scalar: Vec<u8>,
    ready: OnceLock<Ready>,
}

/// The signing key, and base64url of the 65-byte uncompressed public point: what browsers
/// subscribe with.
struct Ready {
    signing: SigningKey,
    public: String,
}

impl Key {
    fn ready(&self) -> &Ready {
        self.ready.get_or_init(|| {
            let signing =
                SigningKey::from_slice(&self.scalar).expect("checked when the key was read");
            let point = signing.verifying_key().to_encoded_point(false);
            Ready {
                public: URL_SAFE_NO_PAD.encode(point.as_bytes()),
                signing,
            }
        })
    }
}

impl Vapid {
    /// The key kept in the data folder, made on the first start.
    pub fn load(store: &Store, contact: String) -> Result<Vapid, StoreError> {
        let scalar = store.vapid_key(new_scalar)?;
        // A scalar check only (no point multiplication): in range and not zero.
        if p256::NonZeroScalar::try_from(scalar.as_slice()).is_err() {
            return Err(StoreError::Corrupt(
                "the VAPID key is not a P-256 key".into(),
            ));
        }
        Ok(Vapid::new(scalar, contact))
    }

    fn new(scalar: Vec<u8>, contact: String) -> Vapid {
        Vapid {
            key: Key {
                scalar,
                ready: OnceLock::new(),
            },
            contact,
        }
    }

    /// base64url of the uncompressed public key (`GET /api/v1/push/key`).
    pub fn public_key(&self) -> &str {
        &self.key.ready().public
    }

    /// The `Authorization` header for a push service at `origin` (`https://host[:port]`).
    pub fn authorization(&self, origin: &str, now_secs: u64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": origin,
            "exp": now_secs + VALID_SECS,
            "sub": self.contact,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let key = self.key.ready();
        let signature: Signature = key.signing.sign(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        format!("vapid t={signed}.{signature}, k={}", key.public)
    }
}

/// A new private scalar: 32 random bytes that make a valid key (all but a 2^-128 chance).
fn new_scalar() -> Vec<u8> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the system's random source works");
        if p256::NonZeroScalar::try_from(bytes.as_slice()).is_ok() {
            return bytes.to_vec();
        }
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    use super::*;

    #[test]
    fn the_token_is_an_es256_jwt_for_the_origin_signed_by_the_key_it_names() {
        let vapid = Vapid::new(new_scalar(), "mailto:ops@example.com".into());
        let header = vapid.authorization("https://push.example.com", 1_000);
        let (token, key) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .unwrap();
        assert_eq!(key, vapid.public_key());
        let public = URL_SAFE_NO_PAD.decode(key).unwrap();
        assert_eq!(
            (public.len(), public[0]),
            (65, 4),
            "uncompressed P-256 point"
        );

        let (signed, signature) = token.rsplit_once('.').unwrap();
        let verifying = VerifyingKey::from_sec1_bytes(&public).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
        verifying.verify(signed.as_bytes(), &signature).unwrap();

        let (head, claims) = signed.split_once('.').unwrap();
        let head: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).unwrap()).unwrap();
        assert_eq!(head["alg"], "ES256");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.com");
        assert_eq!(claims["exp"], 1_000 + VALID_SECS);
        assert_eq!(claims["sub"], "mailto:ops@example.com");
    }
}
