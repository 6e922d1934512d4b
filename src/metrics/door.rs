//! Who may read `/metrics`. On the main port, whoever brings `Authorization: Bearer
//! <--metrics-token>`; without a token set, nobody (404: the chat's port says nothing about
//! its server). On `--metrics-listen`'s own address, anyone who can reach it, or only the
//! token's holder when one is set. A wrong or missing token is 401, the same either way.

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Endpoint, EndpointExt, Request, Response, Route, get, handler};
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
use sha2::{Digest, Sha256};

use crate::web::AppState;
use crate::web::bearer::bearer_token;

/// Where a scrape came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    Main,
    Own,
}

/// Whether `given` is the token, compared by digest so the time taken says nothing of how much
/// of it was right.
fn is_token(given: Option<&str>, token: &str) -> bool {
    given.is_some_and(|given| Sha256::digest(given) == Sha256::digest(token))
}

fn answer(req: &Request, state: &AppState, port: Port) -> Response {
    let metrics = &state.metrics;
    match (metrics.token(), port) {
        (None, Port::Main) => return Response::builder().status(StatusCode::NOT_FOUND).finish(),
        (None, Port::Own) => {}
        (Some(token), _) => {
            if !is_token(bearer_token(req.headers()), token) {
                return Response::builder()
                    .status(StatusCode::UNAUTHORIZED)
                    .header(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")
                    .body("the metrics need Authorization: Bearer <--metrics-token>\n");
            }
        }
    }
    Response::builder()
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .header(header::CACHE_CONTROL, "no-store")
        .body(metrics.render(state))
}

/// `GET /metrics` on the main port.
#[handler]
pub fn on_main_port(req: &Request, state: Data<&Arc<AppState>>) -> Response {
    answer(req, &state, Port::Main)
}

#[handler]
fn on_own_port(req: &Request, state: Data<&Arc<AppState>>) -> Response {
    answer(req, &state, Port::Own)
}

/// The whole app of `--metrics-listen`: `/metrics` and nothing else.
pub fn app(state: Arc<AppState>) -> impl Endpoint + 'static {
    Route::new().at("/metrics", get(on_own_port)).data(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_whole_token_will_do() {
        let token = "a-long-metrics-token";
        assert!(is_token(Some(token), token));
        assert!(!is_token(Some("a-long-metrics-toke"), token));
        assert!(!is_token(Some(""), token));
        assert!(!is_token(None, token));
    }
}
