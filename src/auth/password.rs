//! Password hashing with argon2id (m=19456 KiB, t=2, p=1: OWASP's recommendation).
//!
//! Hashing is deliberately slow and takes ~19 MiB, so it runs on the blocking pool behind a
//! semaphore: a flood of sign-ins waits in line instead of exhausting memory or starving the
//! async threads that carry chat traffic.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use super::AuthError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
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
