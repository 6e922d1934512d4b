//! The one place where errors become HTTP answers: `{"error": "<stable_code>", "message": "…"}`
//! with the matching status.

use poem::http::StatusCode;
use poem_openapi::error::{ParseParamError, ParsePathError, ParseRequestPayloadError};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::auth::AuthError;
use crate::people::PeopleError;
use crate::rooms::RoomError;
use crate::store::StoreError;

/// Body of every API error.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// Stable, machine-readable code, e.g. `username_taken`.
    pub error: String,
    /// Human-readable explanation.
    pub message: String,
}

#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// Invalid input.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Not signed in, or wrong credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Forbidden (closed sign-up, disabled account, foreign origin).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such thing.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Conflicts with existing data (username taken).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Request body too large.
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
    /// The body is not `application/json`, or has no `Content-Type`.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Rate limited; retry after the given number of seconds.
    #[oai(status = 429)]
    RateLimited(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// The server failed.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The database is unavailable for a moment; retry after the given number of seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

pub fn body(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: code.to_owned(),
        message: message.into(),
    })
}

impl ApiError {
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest(body(code, message))
    }

    pub fn not_signed_in() -> Self {
        ApiError::Unauthorized(body("not_signed_in", "Sign in first."))
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        ApiError::NotFound(body(code, message))
    }
}

/// The stable code and text for an input field that failed its schema validator.
pub type FieldRule = fn(field: &str) -> Option<(&'static str, &'static str)>;

impl ApiError {
    /// An error that poem or poem-openapi raised before a handler ran: a body that is not JSON
    /// or does not fit the schema, a parameter that does not parse or fails its validator, a
    /// missing or wrong `Content-Type`. A field that fails its validator gets the code and text
    /// `rule` gives it (the same as the handlers' own checks), anything else `bad_request`
    /// with poem's explanation; a server error stays a 500 and its detail goes to the log.
    ///
    /// poem-openapi would call a `bad_request_handler` of the *success* type of an operation's
    /// `Result<T, ApiError>`, never one of `ApiError`, so the API's routes convert with this
    /// instead (see `web::api::routes`).
    pub fn from_request_error(err: poem::Error, rule: FieldRule) -> ApiError {
        match err.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::TooLarge(body("payload_too_large", "The request body is too large."))
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(body(
                "unsupported_media_type",
                format!("{err}; send the body as application/json."),
            )),
            StatusCode::NOT_FOUND => ApiError::not_found("not_found", "There is nothing here."),
            status if status.is_server_error() => {
                tracing::error!(error = %err, "internal error");
                ApiError::Internal(body("internal", "Something went wrong on the server."))
            }
            _ => match failed_field(&err).and_then(rule) {
                Some((code, message)) => ApiError::bad_request(code, message),
                None => ApiError::bad_request("bad_request", err.to_string()),
            },
        }
    }
}

/// The field or parameter whose validator refused the request, if that is what happened.
fn failed_field(err: &poem::Error) -> Option<&str> {
    if let Some(param) = err.downcast_ref::<ParseParamError>() {
        return Some(param.name);
    }
    if let Some(path) = err.downcast_ref::<ParsePathError>() {
        return Some(path.name);
    }
    // An object's field: "failed to parse \"T\": field `name` verification failed. …"
    let reason = &err.downcast_ref::<ParseRequestPayloadError>()?.reason;
    let (_, rest) = reason.split_once("field `")?;
    let (field, rest) = rest.split_once('`')?;
    rest.starts_with(" verification failed").then_some(field)
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "storage error");
        match err {
            StoreError::Unavailable => ApiError::Unavailable(
                body(
                    "unavailable",
                    "The database is being reopened; try again shortly.",
                ),
                crate::web::RETRY_AFTER_SECS,
            ),
            _ => ApiError::Internal(body(
                "storage_error",
                "The server could not read or write its data.",
            )),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        let message = err.to_string();
        match err {
            AuthError::InvalidUsername(_) => ApiError::bad_request("invalid_username", message),
            AuthError::InvalidPassword(_) => ApiError::bad_request("invalid_password", message),
            AuthError::UsernameTaken => ApiError::Conflict(body("username_taken", message)),
            AuthError::BadCredentials => {
                ApiError::Unauthorized(body("invalid_credentials", message))
            }
            AuthError::WrongCurrentPassword => {
                ApiError::bad_request("wrong_current_password", message)
            }
            AuthError::AccountDisabled => ApiError::Forbidden(body("account_disabled", message)),
            AuthError::AccountDeleted => ApiError::Forbidden(body("account_deleted", message)),
            AuthError::SignupClosed => ApiError::Forbidden(body("signup_closed", message)),
            AuthError::NoSuchUser => ApiError::not_found("user_not_found", message),
            AuthError::RecoveryFailed => ApiError::Unauthorized(body("recovery_failed", message)),
            AuthError::LinkUsed => ApiError::bad_request("link_used", message),
            AuthError::LinkExpired => ApiError::bad_request("link_expired", message),
            AuthError::LinkUnknown => ApiError::bad_request("link_unknown", message),
            AuthError::NoSuchSession => ApiError::not_found("session_not_found", message),
            AuthError::RateLimited { retry_after } => ApiError::RateLimited(
                body("rate_limited", message),
                retry_after.as_secs_f64().ceil().max(1.0) as u64,
            ),
            AuthError::Store(err) => ApiError::from(err),
            AuthError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                ApiError::Internal(body("internal", "Something went wrong on the server."))
            }
        }
    }
}

impl From<crate::web::SessionUnknown> for ApiError {
    fn from(_: crate::web::SessionUnknown) -> Self {
        ApiError::Unavailable(
            body(
                "unavailable",
                "The server cannot read its data right now; try again shortly.",
            ),
            crate::web::RETRY_AFTER_SECS,
        )
    }
}

impl From<RoomError> for ApiError {
    fn from(err: RoomError) -> Self {
        let message = err.to_string();
        match err {
            // The same answer whether the room was never created or is one the asker may not
            // see.
            RoomError::NotFound => ApiError::not_found("room_not_found", message),
            RoomError::NotAllowed(_) => ApiError::Forbidden(body("forbidden", message)),
            RoomError::NotMember => ApiError::not_found("not_a_member", message),
            RoomError::InvalidName(_) => ApiError::bad_request("invalid_room", message),
            RoomError::NameTaken => ApiError::Conflict(body("room_exists", message)),
            RoomError::InvalidTopic(_) => ApiError::bad_request("invalid_topic", message),
            RoomError::UserNotFound => ApiError::not_found("user_not_found", message),
            RoomError::InviteInvalid => ApiError::not_found("invite_invalid", message),
            RoomError::DmRefused(_) => ApiError::Forbidden(body("dm_refused", message)),
            RoomError::InvalidDirect(_) => ApiError::bad_request("invalid_dm", message),
            RoomError::MessageNotFound => ApiError::not_found("message_not_found", message),
            RoomError::MessageDeleted => ApiError::Conflict(body("message_deleted", message)),
            RoomError::TooManyReactions => ApiError::Conflict(body("too_many_reactions", message)),
            RoomError::ShuttingDown => {
                ApiError::Unavailable(body("unavailable", message), crate::web::RETRY_AFTER_SECS)
            }
            RoomError::NotSaved => ApiError::Internal(body("storage_error", message)),
            RoomError::Store(err) => ApiError::from(err),
        }
    }
}

impl From<crate::auth::DeletionError> for ApiError {
    fn from(err: crate::auth::DeletionError) -> Self {
        match err {
            crate::auth::DeletionError::Auth(err) => err.into(),
            crate::auth::DeletionError::Rooms(err) => err.into(),
        }
    }
}

impl From<PeopleError> for ApiError {
    fn from(err: PeopleError) -> Self {
        let message = err.to_string();
        match err {
            PeopleError::NotFound => ApiError::not_found("user_not_found", message),
            PeopleError::Yourself => ApiError::Forbidden(body("yourself", message)),
            PeopleError::Refused(_) => ApiError::Forbidden(body("friend_refused", message)),
            PeopleError::InvalidDisplayName(_) => {
                ApiError::bad_request("invalid_display_name", message)
            }
            PeopleError::InvalidUsername(_) => ApiError::bad_request("invalid_username", message),
            PeopleError::NameTaken => ApiError::Conflict(body("username_taken", message)),
            PeopleError::BadImage(crate::images::ImageError::TooLarge) => {
                ApiError::TooLarge(body("payload_too_large", message))
            }
            PeopleError::BadImage(_) => ApiError::bad_request("bad_image", message),
            PeopleError::Store(err) => ApiError::from(err),
        }
    }
}
