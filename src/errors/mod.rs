//! The one place where errors become answers. Every layer has its own error type
//! (`RoomError`, `AuthError`, `PeopleError`, `StoreError`); here each becomes a [`Failure`]: a
//! [`Code`] from the table (`codes.rs`: wire name, HTTP status, doors, default sentence) and
//! the words to show. The JSON API, the pages and the WebSocket each turn a `Failure` into
//! their own form and nothing else, so a refusal reads the same, with the same code, on every
//! door.

mod codes;

pub use codes::{Code, Doors};

use poem::http::StatusCode;

use crate::access::InsufficientScope;
use crate::auth::{AuthError, DeletionError};
use crate::files::FileError;
use crate::images::ImageError;
use crate::people::PeopleError;
use crate::push::PushError;
use crate::rooms::RoomError;
use crate::rooms::input::TextProblem;
use crate::search::QueryError;
use crate::store::StoreError;
use crate::webhooks::WebhookError;

/// Seconds a client is asked to wait when the database does not answer for a moment.
pub const RETRY_AFTER_SECS: u64 = 2;

/// An error as every door answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: Code,
    /// What to tell the person: the error's own words, or the code's sentence.
    pub message: String,
    /// Seconds to wait before trying again, when that is known (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The code with its own sentence.
    pub fn of(code: Code) -> Failure {
        Failure::new(code, code.sentence())
    }

    pub fn retry_after(mut self, seconds: u64) -> Failure {
        self.retry_after = Some(seconds);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// A failure of the server itself: logged here, and told without its details.
    fn internal(detail: &dyn std::fmt::Display) -> Failure {
        tracing::error!(error = %detail, "internal error");
        Failure::of(Code::Internal)
    }
}

impl From<&StoreError> for Failure {
    fn from(err: &StoreError) -> Failure {
        match err {
            StoreError::Unavailable => Failure::new(
                Code::Unavailable,
                "The database is being reopened; try again shortly.",
            )
            .retry_after(RETRY_AFTER_SECS),
            StoreError::LastAdmin => Failure::of(Code::LastAdmin),
            other => {
                tracing::error!(error = %other, "storage error");
                Failure::of(Code::StorageError)
            }
        }
    }
}

impl From<&RoomError> for Failure {
    fn from(err: &RoomError) -> Failure {
        let code = match err {
            RoomError::NotFound => Code::RoomNotFound,
            RoomError::NotAllowed(_) => Code::Forbidden,
            RoomError::NotMember => Code::NotAMember,
            RoomError::InvalidName(_) => Code::InvalidRoom,
            RoomError::NameTaken => Code::RoomExists,
            RoomError::InvalidTopic(_) => Code::InvalidTopic,
            RoomError::UserNotFound => Code::UserNotFound,
            RoomError::InviteInvalid => Code::InviteInvalid,
            RoomError::DmRefused(_) => Code::DmRefused,
            RoomError::InvalidDirect(_) => Code::InvalidDm,
            RoomError::MessageNotFound => Code::MessageNotFound,
            RoomError::MessageDeleted => Code::MessageDeleted,
            RoomError::TooManyReactions => Code::TooManyReactions,
            RoomError::Archived => Code::RoomArchived,
            RoomError::FileNotFound => Code::FileNotFound,
            RoomError::OverQuota { .. } => Code::QuotaExceeded,
            RoomError::ExportUnderWay => {
                return Failure::new(Code::RateLimited, err.to_string()).retry_after(5);
            }
            RoomError::ShuttingDown => {
                return Failure::new(Code::Unavailable, err.to_string())
                    .retry_after(RETRY_AFTER_SECS);
            }
            RoomError::NotSaved => Code::StorageError,
            RoomError::Store(err) => return Failure::from(err),
        };
        Failure::new(code, err.to_string())
    }
}

impl From<&FileError> for Failure {
    fn from(err: &FileError) -> Failure {
        let code = match err {
            FileError::TooLarge { .. } => Code::FileTooLarge,
            FileError::Empty => Code::EmptyFile,
            FileError::Timeout => Code::RequestTimeout,
            FileError::NotFound => Code::FileNotFound,
            FileError::Interrupted => Code::BadRequest,
            FileError::Busy => {
                return Failure::new(Code::RateLimited, err.to_string()).retry_after(1);
            }
            FileError::Room(err) => return Failure::from(err),
            FileError::Io(detail) => {
                tracing::error!(error = %detail, "the files folder failed");
                return Failure::of(Code::StorageError);
            }
        };
        Failure::new(code, err.to_string())
    }
}

impl From<&PushError> for Failure {
    fn from(err: &PushError) -> Failure {
        let code = match err {
            PushError::Endpoint(_) => Code::InvalidEndpoint,
            PushError::Keys => Code::InvalidPushKeys,
            PushError::TooMany => Code::TooManySubscriptions,
            PushError::NotFound => Code::SubscriptionNotFound,
            PushError::Store(err) => return Failure::from(err),
        };
        Failure::new(code, err.to_string())
    }
}

impl From<&WebhookError> for Failure {
    fn from(err: &WebhookError) -> Failure {
        let code = match err {
            WebhookError::Room(err) => return Failure::from(err),
            WebhookError::Endpoint(_) => Code::InvalidWebhookUrl,
            WebhookError::NoSuchUser(_) => Code::UserNotFound,
            WebhookError::TooMany => Code::TooManyWebhooks,
            WebhookError::NotFound => Code::WebhookNotFound,
            WebhookError::Store(err) => return Failure::from(err),
        };
        Failure::new(code, err.to_string())
    }
}

impl From<&AuthError> for Failure {
    fn from(err: &AuthError) -> Failure {
        let code = match err {
            AuthError::InvalidUsername(_) => Code::InvalidUsername,
            AuthError::InvalidPassword(_) => Code::InvalidPassword,
            AuthError::UsernameTaken => Code::UsernameTaken,
            AuthError::BadCredentials => Code::InvalidCredentials,
            AuthError::WrongCurrentPassword => Code::WrongCurrentPassword,
            AuthError::AccountDisabled => Code::AccountDisabled,
            AuthError::AccountDeleted => Code::AccountDeleted,
            AuthError::SignupClosed => Code::SignupClosed,
            AuthError::InviteRequired => Code::InviteRequired,
            AuthError::InviteInvalid => Code::InviteInvalid,
            AuthError::TooManyInvites => Code::TooManyInvites,
            AuthError::NoSuchUser => Code::UserNotFound,
            AuthError::RecoveryFailed => Code::RecoveryFailed,
            AuthError::LinkUsed => Code::LinkUsed,
            AuthError::LinkExpired => Code::LinkExpired,
            AuthError::LinkUnknown => Code::LinkUnknown,
            AuthError::NoSuchSession => Code::SessionNotFound,
            AuthError::InvalidToken => Code::InvalidToken,
            AuthError::InvalidTokenName => Code::InvalidTokenName,
            AuthError::InvalidScopes => Code::InvalidScopes,
            AuthError::InvalidExpiry => Code::BadRequest,
            AuthError::TooManyTokens => Code::TooManyTokens,
            AuthError::NoSuchToken => Code::TokenNotFound,
            AuthError::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                return Failure::new(Code::RateLimited, err.to_string()).retry_after(seconds);
            }
            AuthError::Store(err) => return Failure::from(err),
            AuthError::Internal(detail) => return Failure::internal(detail),
        };
        Failure::new(code, err.to_string())
    }
}

impl From<&InsufficientScope> for Failure {
    fn from(InsufficientScope(scope): &InsufficientScope) -> Failure {
        let message = format!(
            "This API token may not do that: it needs the {} scope.",
            scope.as_str()
        );
        Failure::new(Code::InsufficientScope, message)
    }
}

impl From<&PeopleError> for Failure {
    fn from(err: &PeopleError) -> Failure {
        let code = match err {
            PeopleError::NotFound => Code::UserNotFound,
            PeopleError::Yourself => Code::Yourself,
            PeopleError::Refused(_) => Code::FriendRefused,
            PeopleError::InvalidDisplayName(_) => Code::InvalidDisplayName,
            PeopleError::InvalidUsername(_) => Code::InvalidUsername,
            PeopleError::NameTaken => Code::UsernameTaken,
            PeopleError::BadImage(ImageError::TooLarge) => Code::PayloadTooLarge,
            PeopleError::BadImage(_) => Code::BadImage,
            PeopleError::Store(err) => return Failure::from(err),
        };
        Failure::new(code, err.to_string())
    }
}

impl From<TextProblem> for Failure {
    fn from(problem: TextProblem) -> Failure {
        let code = match problem {
            TextProblem::Empty => Code::EmptyMessage,
            TextProblem::TooLong => Code::TooLong,
        };
        Failure::new(code, problem.message())
    }
}

impl From<&QueryError> for Failure {
    fn from(err: &QueryError) -> Failure {
        Failure::new(Code::InvalidSearch, err.to_string())
    }
}

impl From<&DeletionError> for Failure {
    fn from(err: &DeletionError) -> Failure {
        match err {
            DeletionError::Auth(err) => Failure::from(err),
            DeletionError::Rooms(err) => Failure::from(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_refusal_is_the_same_code_on_every_door() {
        let taken = Failure::from(&RoomError::NameTaken);
        assert_eq!(
            (taken.code, taken.status()),
            (Code::RoomExists, StatusCode::CONFLICT)
        );
        let deleted = Failure::from(&RoomError::MessageDeleted);
        assert_eq!(deleted.code, Code::MessageDeleted);
        assert_eq!(deleted.code.doors(), Doors::Any, "a frame may run into it");
    }

    #[test]
    fn a_hidden_room_and_no_room_are_one_answer() {
        let hidden = Failure::from(&RoomError::from(crate::access::Denied::Hidden));
        assert_eq!(hidden, Failure::from(&RoomError::NotFound));
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn server_failures_keep_their_details_to_the_log() {
        let failure = Failure::from(&AuthError::Internal("secret detail".into()));
        assert_eq!(failure.code, Code::Internal);
        assert!(!failure.message.contains("secret"));
        let store = Failure::from(&StoreError::Unavailable);
        assert_eq!(
            (store.code, store.retry_after),
            (Code::Unavailable, Some(RETRY_AFTER_SECS))
        );
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let limited = Failure::from(&AuthError::RateLimited {
            retry_after: std::time::Duration::from_millis(1500),
        });
        assert_eq!(
            (limited.code, limited.retry_after),
            (Code::RateLimited, Some(2))
        );
    }
}
