//! Password hashing with argon2id (m=19456 KiB, t=2, p=1: OWASP's recommendation).
//!
//! Hashing is deliberately slow and takes ~19 MiB, so it runs on the blocking pool behind a
//! semaphore: a flood of sign-ins waits in line instead of exhausting memory or starving the
//! async threads that carry chat traffic.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use super::AuthError;

/// Memory (KiB), passes and lanes of every hash this server makes: OWASP's first choice.
const MEMORY_KIB: u32 = 19_456;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `hash` is a PHC string as this server makes them: argon2id, version 19, with its
/// own memory, passes and lanes. A hash is verified with the parameters it names, so one
/// brought in from elsewhere (an import) must name these: one naming gigabytes of memory or
/// billions of passes would stall every sign-in.
pub fn is_own_hash(hash: &str) -> bool {
    let own = format!("$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$");
    hash.starts_with(&own) && argon2::PasswordHash::new(hash).is_ok()
}

/// Hashes and verifies passwords, at most `max_concurrent` at a time.
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so an unknown username costs the same
    /// time as a wrong password.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> Self {
        let dummy_hash = argon2()
            .hash_password(b"confab dummy password for unknown accounts")
            .expect("hashing a constant cannot fail")
            .to_string();
        PasswordHasher {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash: dummy_hash.into(),
        }
    }

    /// A PHC string for `password`, with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        self.run(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| AuthError::Internal(format!("hashing failed: {e}")))
        })
        .await
    }

    /// Whether `password` matches `hash`. With no hash (unknown account) the dummy hash is
    /// checked instead and the answer is always false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AuthError> {
        let dummy = Arc::clone(&self.dummy_hash);
        self.run(move || {
            let known = hash.is_some();
            let hash = hash.as_deref().unwrap_or(&dummy);
            let matches = argon2().verify_password(password.as_bytes(), hash).is_ok();
            Ok(known && matches)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let _permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| AuthError::Internal("password hasher closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AuthError::Internal(format!("hashing task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashes_made_as_this_server_makes_them_are_its_own() {
        let made = argon2()
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(is_own_hash(&made), "{made}");
        let costly = made.replace("m=19456,t=2", "m=4194304,t=4294967");
        assert!(!is_own_hash(&costly));
        assert!(!is_own_hash(&made.replace("argon2id", "argon2d")));
        assert!(!is_own_hash("hunter2"));
        assert!(!is_own_hash(""));
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = PasswordHasher::new(2);
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hasher
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_account_is_never_accepted() {
        let hasher = PasswordHasher::new(1);
        let dummy_password = "confab dummy password for unknown accounts".to_string();
        assert!(!hasher.verify(dummy_password, None).await.unwrap());
    }

    #[tokio::test]
    async fn each_hash_has_its_own_salt() {
        let hasher = PasswordHasher::new(2);
        let a = hasher.hash("same password".into()).await.unwrap();
        let b = hasher.hash("same password".into()).await.unwrap();
        assert_ne!(a, b);
    }
}
