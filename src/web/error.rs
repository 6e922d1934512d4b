//! Errors as the JSON API answers them: `{"error": "<stable_code>", "message": "…"}` with the
//! status the error table gives ([`crate::errors`]).

use poem::http::StatusCode;
use poem_openapi::error::{ParseParamError, ParsePathError, ParseRequestPayloadError};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::access::InsufficientScope;
use crate::auth::{AuthError, DeletionError};
use crate::errors::{Code, Failure, RETRY_AFTER_SECS};
use crate::files::FileError;
use crate::people::PeopleError;
use crate::push::PushError;
use crate::rooms::RoomError;
use crate::search::QueryError;
use crate::store::StoreError;
use crate::webhooks::WebhookError;

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
    /// Gone for good (a sign-in link used or expired).
    #[oai(status = 410)]
    Gone(Json<ErrorBody>),
    /// The request body did not arrive in time.
    #[oai(status = 408)]
    Timeout(Json<ErrorBody>),
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

/// The body of an error answer.
pub fn body(code: Code, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: code.as_str().to_owned(),
        message: message.into(),
    })
}

impl ApiError {
    pub fn bad_request(code: Code, message: impl Into<String>) -> Self {
        ApiError::from(Failure::new(code, message))
    }

    pub fn not_signed_in() -> Self {
        ApiError::from(Failure::of(Code::NotSignedIn))
    }
}

/// A failure as the API answers it: the table's status, `{"error", "message"}`, and
/// `Retry-After` where there is one.
impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        let status = failure.status();
        let retry_after = failure.retry_after;
        let body = body(failure.code, failure.message);
        match status {
            StatusCode::BAD_REQUEST => ApiError::BadRequest(body),
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized(body),
            StatusCode::FORBIDDEN => ApiError::Forbidden(body),
            StatusCode::NOT_FOUND => ApiError::NotFound(body),
            StatusCode::CONFLICT => ApiError::Conflict(body),
            StatusCode::GONE => ApiError::Gone(body),
            StatusCode::REQUEST_TIMEOUT => ApiError::Timeout(body),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(body),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(body),
            StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited(body, retry_after.unwrap_or(1)),
            StatusCode::SERVICE_UNAVAILABLE => {
                ApiError::Unavailable(body, retry_after.unwrap_or(RETRY_AFTER_SECS))
            }
            _ => ApiError::Internal(body),
        }
    }
}

/// Each layer's error answers as the table maps it ([`crate::errors`]).
macro_rules! answered_as_failures {
    ($($error:ty),*) => {
        $(impl From<$error> for ApiError {
            fn from(err: $error) -> Self {
                ApiError::from(Failure::from(&err))
            }
        })*
    };
}

answered_as_failures!(
    StoreError,
    AuthError,
    RoomError,
    PeopleError,
    DeletionError,
    QueryError,
    FileError,
    PushError,
    WebhookError,
    InsufficientScope
);

/// The stable code and text for an input field that failed its schema validator.
pub type FieldRule = fn(field: &str) -> Option<(Code, &'static str)>;

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
        let failure = match err.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Failure::of(Code::PayloadTooLarge),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Failure::new(
                Code::UnsupportedMediaType,
                format!("{err}; send the body as application/json."),
            ),
            StatusCode::NOT_FOUND => Failure::of(Code::NotFound),
            status if status.is_server_error() => {
                tracing::error!(error = %err, "internal error");
                Failure::of(Code::Internal)
            }
            _ => match failed_field(&err).and_then(rule) {
                Some((code, message)) => Failure::new(code, message),
                None => Failure::new(Code::BadRequest, err.to_string()),
            },
        };
        ApiError::from(failure)
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

impl From<crate::web::SessionUnknown> for ApiError {
    fn from(_: crate::web::SessionUnknown) -> Self {
        let failure = Failure::new(
            Code::Unavailable,
            "The server cannot read its data right now; try again shortly.",
        );
        ApiError::from(failure.retry_after(RETRY_AFTER_SECS))
    }
}
