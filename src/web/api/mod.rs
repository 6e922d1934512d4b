//! The JSON API under `/api/v1`, its OpenAPI document at `/api/openapi.json` and Swagger UI at
//! `/api/docs`.

mod auth;
mod rooms;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poem::http::header;
use poem::{Endpoint, EndpointExt, Response, Route, endpoint::make_sync};
use poem_openapi::{Object, OpenApiService, Tags};
use sha2::{Digest, Sha256};

use crate::config::VERSION;
use crate::store::User;

#[derive(Tags)]
enum ApiTags {
    /// Accounts and sessions.
    Auth,
    /// Rooms and their history.
    Rooms,
}

/// An account, as the API shows it.
#[derive(Debug, Clone, Object)]
struct UserView {
    id: u64,
    username: String,
    /// Unix time in milliseconds.
    created_at: u64,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            username: user.username.clone(),
            created_at: user.created_at,
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

pub fn routes() -> Route {
    let service = OpenApiService::new((auth::AuthApi, rooms::RoomsApi), "confab", VERSION)
        .description("Accounts, sessions and room history of a confab chat server. Live chat runs over the WebSocket at /ws.")
        .server("/api/v1");
    let spec = service.spec_endpoint();
    let docs = docs_endpoint(service.swagger_ui_html());
    Route::new()
        .at("/openapi.json", spec)
        .at("/docs", docs)
        .nest("/v1", service)
}

/// Swagger UI ships as one page with inline script. Rather than weaken the policy with
/// `'unsafe-inline'`, the page's CSP allows exactly those scripts by their hashes.
fn docs_endpoint(html: String) -> impl Endpoint {
    let mut hashes = String::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else {
            break;
        };
        let body_and_rest = &after_tag[open_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else {
            break;
        };
        let script = &body_and_rest[..close];
        hashes.push_str(&format!(
            " 'sha256-{}'",
            STANDARD.encode(Sha256::digest(script.as_bytes()))
        ));
        rest = &body_and_rest[close..];
    }
    let csp = format!(
        "default-src 'self'; script-src{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    );
    let page = bytes::Bytes::from(html);
    make_sync(move |_| {
        Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_SECURITY_POLICY, csp.as_str())
            .body(page.clone())
    })
    .map_to_response()
}
