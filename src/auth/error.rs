use std::time::Duration;

use thiserror::Error;

use crate::store::StoreError;

/// Why an account or session operation was refused.
#[derive(Debug, Error)]
pub enum AuthError {
    #[error("{0}")]
    InvalidUsername(&'static str),
    #[error("{0}")]
    InvalidPassword(&'static str),
    #[error("That username is taken.")]
    UsernameTaken,
    /// Same text for an unknown user and a wrong password.
    #[error("Username or password is incorrect.")]
    BadCredentials,
    #[error("Current password is incorrect.")]
    WrongCurrentPassword,
    #[error("This account is disabled.")]
    AccountDisabled,
    #[error("Sign-up is closed on this server; ask its operator for an account.")]
    SignupClosed,
    #[error("No account is called that.")]
    NoSuchUser,
    #[error("Too many attempts. Try again in {} seconds.", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}
