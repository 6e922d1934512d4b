//! The JSON API under `/api/v1`, its OpenAPI document at `/api/openapi.json` and Swagger UI at
//! `/api/docs`.

mod admin;
mod auth;
mod avatar;
mod direct;
mod docs;
mod export;
mod files;
mod me;
mod members;
mod names;
mod notifications;
mod people;
mod posting;
mod push;
mod rooms;
mod search;
mod text;
mod tokens;
mod webhooks;

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use poem_openapi::{Object, OpenApiService, Tags};

use crate::access::{Actor, Scope, may_use};
use crate::auth::{AuthError, Session};
use crate::config::VERSION;
use crate::errors::{Code, Failure};
use crate::store::User;
use crate::web::AppState;
use crate::web::bearer;
use crate::web::error::{ApiError, body};

#[derive(Tags)]
enum ApiTags {
    /// Accounts and sessions.
    Auth,
    /// Rooms, their members, invite links and history; direct rooms.
    Rooms,
    /// People: profiles, friends, blocks.
    People,
    /// Running the server: its people and the audit log (admins only).
    Admin,
}

/// An account, as the API shows it.
#[derive(Debug, Clone, Object)]
struct UserView {
    id: u64,
    username: String,
    /// Shown beside the username; null when none was chosen.
    #[oai(nullable)]
    display_name: Option<String>,
    /// The picture, 256 pixels square; null when there is none (initials are shown).
    #[oai(nullable)]
    avatar_url: Option<String>,
    /// Unix time in milliseconds.
    created_at: u64,
    /// Who may open a direct room with this account: `everyone` or only `friends`.
    dm_from: String,
    /// Whether notifications say only "New message" (not who wrote, where, or what).
    private_notifications: bool,
    /// Whether this account administers the server.
    admin: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            avatar_url: crate::people::avatar::avatar_url(user, crate::people::avatar::LARGE),
            created_at: user.created_at,
            dm_from: user.dm_from.as_str().to_owned(),
            private_notifications: user.private_notifications,
            admin: user.admin,
        }
    }
}

/// `{"user": {…}}`.
#[derive(Debug, Clone, Object)]
struct UserEnvelope {
    user: UserView,
}

impl UserEnvelope {
    fn of(user: &User) -> Self {
        UserEnvelope { user: user.into() }
    }
}

/// Every part of the API, one type per file.
type Apis = (
    auth::AuthApi,
    me::MeApi,
    avatar::AvatarApi,
    rooms::RoomsApi,
    members::MembersApi,
    direct::DirectApi,
    people::PeopleApi,
    search::SearchApi,
    files::FilesApi,
    export::ExportApi,
    notifications::NotificationsApi,
    push::PushApi,
    admin::AdminApi,
    admin::AdminServerApi,
    admin::AdminRoomsApi,
    (tokens::TokensApi, webhooks::WebhooksApi),
);

/// Every part of the API, for its service and its document.
fn apis() -> Apis {
    (
        auth::AuthApi,
        me::MeApi,
        avatar::AvatarApi,
        rooms::RoomsApi,
        members::MembersApi,
        direct::DirectApi,
        people::PeopleApi,
        search::SearchApi,
        files::FilesApi,
        export::ExportApi,
        notifications::NotificationsApi,
        push::PushApi,
        admin::AdminApi,
        admin::AdminServerApi,
        admin::AdminRoomsApi,
        (tokens::TokensApi, webhooks::WebhooksApi),
    )
}

/// The request's session, or why there is none to use: 401 when signed out, 503 when the
/// database cannot tell. An API token is no session: a good one is told that this door is not
/// for tokens (403 `insufficient_scope`), any other 401 `invalid_token`.
async fn signed_in(state: &AppState, req: &poem::Request) -> Result<Session, ApiError> {
    if bearer::carries_authorization(req.headers()) {
        token_actor(state, req).await?;
        return Err(ApiError::from(Failure::new(
            Code::InsufficientScope,
            "An API token cannot do this: it is for a signed-in browser only.",
        )));
    }
    state
        .session(req)
        .await?
        .ok_or_else(ApiError::not_signed_in)
}

/// Who asks at a door an API token may use: the token of `Authorization: Bearer`, if it covers
/// `scope` (else 403 `insufficient_scope`; an unknown, expired or revoked one is 401
/// `invalid_token`), or the browser's session.
async fn acting(state: &AppState, req: &poem::Request, scope: Scope) -> Result<Actor, ApiError> {
    if !bearer::carries_authorization(req.headers()) {
        return Ok(signed_in(state, req).await?.actor());
    }
    let actor = token_actor(state, req).await?;
    may_use(&actor, scope)?;
    Ok(actor)
}

/// Whom the request's `Authorization: Bearer` token speaks for: 401 `invalid_token` for
/// another scheme or a token that is unknown, expired or revoked.
async fn token_actor(state: &AppState, req: &poem::Request) -> Result<Actor, ApiError> {
    let token = bearer::bearer_token(req.headers()).ok_or(AuthError::InvalidToken)?;
    Ok(state.auth.token_actor(token).await?)
}

/// The API with its OpenAPI description.
fn described() -> OpenApiService<Apis, ()> {
    OpenApiService::new(apis(), "confab", VERSION)
        .description("Accounts, sessions and room history of a confab chat server. Live chat runs over the WebSocket at /ws.")
        .server("/api/v1")
}

pub fn routes() -> Route {
    let service = described();
    let spec = service.spec_endpoint();
    // The docs page holds the whole Swagger UI bundle: made when someone first opens it.
    let docs = docs::endpoint(|| described().swagger_ui_html());
    let methods = Arc::new(AllowedMethods::from_spec(&service.spec()));
    let api = service.around(move |api, req| {
        let methods = Arc::clone(&methods);
        async move { Ok(answer_errors(api.as_ref(), req, &methods).await) }
    });
    Route::new()
        .at("/openapi.json", spec)
        .at("/docs", docs)
        .nest("/v1", api)
}

/// Calls the API and turns the errors that poem and poem-openapi raise before a handler runs
/// into `{"error","message"}` answers (a handler's own `ApiError` passes through unchanged).
async fn answer_errors(api: &impl Endpoint, req: Request, methods: &AllowedMethods) -> Response {
    let path = req.uri().path().to_owned();
    match api.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) if err.is_from_response() => err.into_response(),
        Err(err) if err.status() == StatusCode::METHOD_NOT_ALLOWED => {
            let code = Code::MethodNotAllowed;
            let mut resp = body(code, code.sentence())
                .with_status(StatusCode::METHOD_NOT_ALLOWED)
                .into_response();
            if let Some(allow) = methods.of(&path).and_then(|allow| allow.parse().ok()) {
                resp.headers_mut().insert(header::ALLOW, allow);
            }
            resp
        }
        Err(err) => ApiError::from_request_error(err, field_rule).into_response(),
    }
}

/// The code and text for a field that fails its schema validator: the same answers the
/// handlers' own checks give.
fn field_rule(field: &str) -> Option<(Code, &'static str)> {
    match field {
        "username" => Some((
            Code::InvalidUsername,
            "Username must be 3–32 characters of A–Z, a–z, 0–9, '_', '.' and '-'.",
        )),
        "password" | "new" | "new_password" => {
            Some((Code::InvalidPassword, "Password must be 8–1024 characters."))
        }
        "name" => Some((
            Code::InvalidRoom,
            "Room name must be 1–64 characters, without control characters.",
        )),
        "limit" => Some((
            Code::BadRequest,
            "limit must be a whole number from 1 to 200.",
        )),
        "usernames" => Some((Code::InvalidDm, crate::rooms::changes::DIRECT_SIZE_RULE)),
        "q" => Some((Code::InvalidSearch, Code::InvalidSearch.sentence())),
        _ => None,
    }
}

/// The methods each path of the API answers, for the `Allow` header of a 405 (RFC 9110).
struct AllowedMethods {
    /// Path templates split into segments (`{name}` matches any one segment), and their
    /// `Allow` value.
    paths: Vec<(Vec<String>, String)>,
}

impl AllowedMethods {
    fn from_spec(spec: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let mut paths = Vec::new();
        if let Some(documented) = spec["paths"].as_object() {
            for (template, operations) in documented {
                let mut methods: Vec<String> = operations
                    .as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys())
                    .map(|method| method.to_ascii_uppercase())
                    .collect();
                // poem answers HEAD wherever it answers GET.
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                let segments = template.split('/').map(str::to_owned).collect();
                paths.push((segments, methods.join(", ")));
            }
        }
        AllowedMethods { paths }
    }

    fn of(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| {
                        t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                    })
            })
            .map(|(_, allow)| allow.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_405_names_the_methods_its_path_answers() {
        let service = OpenApiService::new(apis(), "t", "1");
        let methods = AllowedMethods::from_spec(&service.spec());
        assert_eq!(methods.of("/me"), Some("DELETE, GET, PATCH, HEAD"));
        assert_eq!(methods.of("/rooms/lobby/members/bob"), Some("DELETE"));
        assert_eq!(methods.of("/auth/logout"), Some("POST"));
        assert_eq!(
            methods.of("/rooms/caf%C3%A9/messages"),
            Some("GET, POST, HEAD")
        );
        assert_eq!(methods.of("/dm/7/files"), Some("POST"));
        assert_eq!(methods.of("/rooms//messages"), None);
        assert_eq!(methods.of("/elsewhere"), None);
    }

    #[test]
    fn fields_that_fail_their_validator_get_the_handlers_codes() {
        use poem_openapi::error::{ParseParamError, ParseRequestPayloadError};
        let code = |err: poem::Error| match ApiError::from_request_error(err, field_rule) {
            ApiError::BadRequest(body) => body.0.error,
            other => panic!("{other:?}"),
        };
        let payload = |reason: &str| {
            poem::Error::from(ParseRequestPayloadError {
                reason: reason.to_owned(),
            })
        };
        assert_eq!(
            code(payload(
                r#"failed to parse "NewAccount": field `username` verification failed. minLength(3)"#
            )),
            "invalid_username"
        );
        assert_eq!(
            code(payload(
                r#"failed to parse "PasswordChange": field `new` verification failed. maxLength(1024)"#
            )),
            "invalid_password"
        );
        assert_eq!(
            code(payload(
                r#"failed to parse "NewAccount": field `username`: expected string"#
            )),
            "bad_request"
        );
        assert_eq!(
            code(payload("expected value at line 1 column 1")),
            "bad_request"
        );
        let param = |name| {
            poem::Error::from(ParseParamError {
                name,
                reason: "verification failed. maximum(200)".into(),
            })
        };
        assert_eq!(code(param("name")), "invalid_room");
        assert_eq!(code(param("limit")), "bad_request");
    }
}
