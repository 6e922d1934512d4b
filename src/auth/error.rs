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
    #[error("That account was deleted by its owner.")]
    AccountDeleted,
    #[error("Sign-up is closed on this server; ask its operator for an account.")]
    SignupClosed,
    #[error("Sign-up on this server is by invitation: ask someone here for an invite link.")]
    InviteRequired,
    /// Unknown, expired, used up or revoked: one answer for all.
    #[error("This invite link is not valid: it may have expired, been used up or been revoked.")]
    InviteInvalid,
    #[error("There are as many working invite links as there may be; revoke one first.")]
    TooManyInvites,
    #[error("No account is called that.")]
    NoSuchUser,
    /// Same text for an unknown user, a wrong code and a used one.
    #[error("Username or recovery code is incorrect.")]
    RecoveryFailed,
    #[error("This sign-in link has already been used. Ask for a new one.")]
    LinkUsed,
    #[error("This sign-in link has expired. Ask for a new one.")]
    LinkExpired,
    #[error("This sign-in link is not valid. Check that it was copied whole.")]
    LinkUnknown,
    #[error("No session of yours has that id.")]
    NoSuchSession,
    /// Unknown, expired or revoked, or its account may not sign in: one answer for all.
    #[error("That API token is unknown, expired or revoked.")]
    InvalidToken,
    #[error("A token's name is 1 to 64 characters, without control characters.")]
    InvalidTokenName,
    #[error("Give a token at least one of the scopes read and post.")]
    InvalidScopes,
    #[error("A token lasts from a minute to ten years, or until it is revoked.")]
    InvalidExpiry,
    #[error("You have as many API tokens as one account may (50); revoke one first.")]
    TooManyTokens,
    #[error("No API token of yours has that id.")]
    NoSuchToken,
    #[error("Too many attempts. Try again in {} seconds.", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}
