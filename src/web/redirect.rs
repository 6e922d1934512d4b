//! The plain-HTTP listener next to HTTPS: it answers `/healthz` and sends everything else to
//! the same path on HTTPS with a permanent redirect.

use std::sync::Arc;

use poem::http::{StatusCode, Uri, header};
use poem::web::Data;
use poem::{Endpoint, EndpointExt, Request, Response, Route, get, handler};

use super::{AppState, healthz, security};

/// Where redirects point: the HTTPS port, and the names this server has certificates for.
#[derive(Clone)]
pub struct RedirectTarget {
    pub https_port: u16,
    /// With ACME, only these hosts are redirected to as asked; others go to the first one.
    pub domains: Vec<String>,
}

impl RedirectTarget {
    /// `https://host[:port]/path?query` for a request that arrived as `host` and `uri`.
    pub fn location(&self, host: Option<&str>, uri: &Uri) -> String {
        let asked = host.map(strip_port).filter(|h| !h.is_empty());
        let host = match (asked, self.domains.first()) {
            (Some(asked), Some(first)) => {
                if self.domains.iter().any(|d| d.eq_ignore_ascii_case(asked)) {
                    asked
                } else {
                    first.as_str()
                }
            }
            (Some(asked), None) => asked,
            (None, Some(first)) => first.as_str(),
            (None, None) => "localhost",
        };
        let port = match self.https_port {
            443 => String::new(),
            port => format!(":{port}"),
        };
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        format!("https://{host}{port}{path}")
    }
}

/// `example.com:80` → `example.com`; `[::1]:80` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.split(':').next().unwrap_or(host)
}

#[handler]
fn redirect(req: &Request, target: Data<&RedirectTarget>) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    Response::builder()
        .status(StatusCode::PERMANENT_REDIRECT)
        .header(header::LOCATION, target.location(host, req.uri()))
        .finish()
}

/// The whole plain-HTTP app.
pub fn app(state: Arc<AppState>, target: RedirectTarget) -> impl Endpoint + 'static {
    Route::new()
        .at("/healthz", get(healthz))
        .at("/", redirect)
        .at("/*path", redirect)
        .data(state)
        .data(target)
        .with(security::Guard { tls: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn keeps_path_and_query_and_adds_a_non_default_port() {
        let target = RedirectTarget {
            https_port: 443,
            domains: vec!["chat.example.com".into()],
        };
        assert_eq!(
            target.location(Some("chat.example.com"), &uri("/rooms/a%20b?x=1")),
            "https://chat.example.com/rooms/a%20b?x=1"
        );
        let target = RedirectTarget {
            https_port: 8443,
            domains: vec![],
        };
        assert_eq!(
            target.location(Some("10.0.0.5:8080"), &uri("/")),
            "https://10.0.0.5:8443/"
        );
        assert_eq!(
            target.location(Some("[::1]:80"), &uri("/x")),
            "https://[::1]:8443/x"
        );
    }

    #[test]
    fn never_redirects_to_a_host_it_has_no_certificate_for() {
        let target = RedirectTarget {
            https_port: 443,
            domains: vec!["chat.example.com".into(), "www.example.com".into()],
        };
        assert_eq!(
            target.location(Some("WWW.example.com"), &uri("/")),
            "https://WWW.example.com/"
        );
        assert_eq!(
            target.location(Some("evil.example"), &uri("/")),
            "https://chat.example.com/"
        );
        assert_eq!(
            target.location(None, &uri("/")),
            "https://chat.example.com/"
        );
    }
}
