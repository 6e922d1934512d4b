//! The guard in front of every route: refuses cross-site state changes (CSRF), bounds request
//! bodies in size and in time, turns errors into JSON (API) or a page (browser), and sets the
//! security headers on every response.

use std::time::Duration;

use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};

use super::pages;
use crate::config::HttpTimeouts;
use crate::errors::{Code, Failure, RETRY_AFTER_SECS};

/// Largest request body accepted (forms and JSON are tiny; a 1 MB "password" is refused here,
/// before anything reads or hashes it).
pub const MAX_BODY: usize = 64 * 1024;

/// The one door that takes more: a picture upload, up to [`crate::images::MAX_UPLOAD_BYTES`].
const UPLOAD_PATH: &str = "/api/v1/me/avatar";

/// The body a request may have, in bytes, and how many times the usual body deadline it may
/// take to arrive: 5 MiB at 64 KiB/s is 80 s, more than the 30 s a form gets.
fn body_allowance(method: &Method, path: &str) -> (usize, u32) {
    if method == Method::PUT && path == UPLOAD_PATH {
        (crate::images::MAX_UPLOAD_BYTES, 4)
    } else {
        (MAX_BODY, 1)
    }
}

/// The two doors whose body is a file, streamed to disk by their handler under
/// `--max-upload-bytes` and its own deadlines (`files::upload`) instead of read here:
/// `POST /api/v1/rooms/{name}/files` and `POST /api/v1/dm/{id}/files`.
fn streams_a_file(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let mut parts = rest.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("rooms" | "dm"), Some(room), Some("files"), None) if !room.is_empty()
    )
}

/// How long a request body may take to arrive, put on each request in front of the [`Guard`]
/// (`web::app` does); without it the default applies. A body that stalls is answered with 408,
/// so a client cannot hold a connection by starting a body and never finishing it.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// The Content-Security-Policy of every page: nothing from other origins, no inline script.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The host (and port) a request was sent to: HTTP/2's `:authority` pseudo-header (which
/// arrives as the request URI's authority, and which HTTP/2 sends instead of `Host`), or
/// HTTP/1.1's `Host` header.
pub fn request_authority(req: &Request) -> Option<&str> {
    req.uri()
        .authority()
        .map(|authority| authority.as_str())
        .or_else(|| req.headers().get(header::HOST)?.to_str().ok())
}

/// True when a browser says this request comes from another site (Go's
/// `http.CrossOriginProtection` rule): `Sec-Fetch-Site` other than `same-origin`/`none`, or,
/// without it, an `Origin` whose host is not the one the request was sent to (`authority`,
/// see [`request_authority`]). A request with neither header is not from a browser and is
/// allowed.
pub fn is_cross_origin(headers: &HeaderMap, authority: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = authority;
    let origin_host = origin.to_str().ok().and_then(|o| {
        o.strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"))
    });
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        _ => true,
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/ws" || path == "/healthz"
}

/// An error answer in the form the client expects: JSON for the API, a page for browsers.
pub fn error_response(path: &str, failure: &Failure) -> Response {
    if is_api(path) {
        let body = crate::web::error::body(failure.code, failure.message.as_str());
        let mut resp = body.with_status(failure.status()).into_response();
        if let Some(seconds) = failure.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        resp
    } else {
        pages::failure_page(failure)
    }
}

pub struct Guard {
    pub tls: bool,
}

impl<E: Endpoint> Middleware<E> for Guard {
    type Output = GuardEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        GuardEndpoint {
            inner,
            tls: self.tls,
        }
    }
}

pub struct GuardEndpoint<E> {
    inner: E,
    tls: bool,
}

impl<E: Endpoint> GuardEndpoint<E> {
    async fn guarded(&self, mut req: Request) -> Response {
        let path = req.uri().path().to_owned();
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // A request with credentials of its own is not a browser's ambient session: its
        // cookies are not read (`web::bearer`), so where it comes from does not matter.
        let own_credentials = super::bearer::carries_authorization(req.headers());
        if !safe && !own_credentials && is_cross_origin(req.headers(), request_authority(&req)) {
            return error_response(&path, &Failure::of(Code::ForbiddenOrigin));
        }
        if !safe && !streams_a_file(req.method(), &path) {
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let (limit, slower) = body_allowance(req.method(), &path);
            let too_large = || {
                let failure = if limit == MAX_BODY {
                    Failure::of(Code::PayloadTooLarge)
                } else {
                    let message = crate::images::ImageError::TooLarge.to_string();
                    Failure::new(Code::PayloadTooLarge, message)
                };
                error_response(&path, &failure)
            };
            if declared.is_some_and(|len| len > limit as u64) {
                return too_large();
            }
            let allowed = req
                .data::<BodyTimeout>()
                .map_or(HttpTimeouts::DEFAULT.request_body, |t| t.0)
                * slower;
            let body = req.take_body().into_bytes_limit(limit);
            match tokio::time::timeout(allowed, body).await {
                Ok(Ok(bytes)) => req.set_body(Body::from_bytes(bytes)),
                Ok(Err(_)) => return too_large(),
                Err(_) => return error_response(&path, &Failure::of(Code::RequestTimeout)),
            }
        }
        match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            // A handler's own answer (an API error body, a page) passes through unchanged.
            Err(err) if err.is_from_response() => err.into_response(),
            Err(err) => {
                let failure = match err.status() {
                    StatusCode::NOT_FOUND => Failure::of(Code::NotFound),
                    StatusCode::METHOD_NOT_ALLOWED => Failure::of(Code::MethodNotAllowed),
                    StatusCode::UNAUTHORIZED => Failure::of(Code::NotSignedIn),
                    StatusCode::PAYLOAD_TOO_LARGE => Failure::of(Code::PayloadTooLarge),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                        Failure::new(Code::UnsupportedMediaType, err.to_string())
                    }
                    StatusCode::REQUEST_TIMEOUT => Failure::of(Code::RequestTimeout),
                    StatusCode::SERVICE_UNAVAILABLE => {
                        Failure::of(Code::Unavailable).retry_after(RETRY_AFTER_SECS)
                    }
                    s if s.is_server_error() => {
                        tracing::error!(error = %err, path, "request failed");
                        Failure::of(Code::Internal)
                    }
                    _ => Failure::new(Code::BadRequest, err.to_string()),
                };
                error_response(&path, &failure)
            }
        }
    }
}

impl<E: Endpoint> Endpoint for GuardEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let mut resp = self.guarded(req).await;
        let headers = resp.headers_mut();
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if self.tls {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            );
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check as HTTP/1.1 makes it: the authority is the `Host` header.
    fn cross(headers: &HeaderMap) -> bool {
        is_cross_origin(headers, headers.get("host").and_then(|h| h.to_str().ok()))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(!cross(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!cross(&headers(&[("sec-fetch-site", "none")])));
        assert!(cross(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross(&headers(&[("sec-fetch-site", "same-site")])));
        // Sec-Fetch-Site wins over a matching Origin.
        assert!(cross(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://chat.example"),
            ("host", "chat.example"),
        ])));
    }

    #[test]
    fn origin_must_match_host() {
        let same = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(!cross(&same));
        let tls = headers(&[("origin", "https://Chat.Example"), ("host", "chat.example")]);
        assert!(!cross(&tls));
        let foreign = headers(&[("origin", "https://evil.example"), ("host", "chat.example")]);
        assert!(cross(&foreign));
        let other_port = headers(&[
            ("origin", "http://chat.example:81"),
            ("host", "chat.example"),
        ]);
        assert!(cross(&other_port));
        assert!(cross(&headers(&[
            ("origin", "null"),
            ("host", "chat.example")
        ])));
    }

    #[test]
    fn only_the_two_upload_doors_stream_their_body() {
        for path in ["/api/v1/rooms/general/files", "/api/v1/dm/12/files"] {
            assert!(streams_a_file(&Method::POST, path), "{path}");
            assert!(!streams_a_file(&Method::PUT, path), "{path}");
        }
        for path in [
            "/api/v1/rooms/general/files/x",
            "/api/v1/rooms//files",
            "/api/v1/rooms/general/messages",
            "/api/v1/me/avatar",
            "/api/v1/files",
            "/files/0000000000000001/x",
        ] {
            assert!(!streams_a_file(&Method::POST, path), "{path}");
        }
    }

    #[test]
    fn non_browser_clients_are_allowed() {
        assert!(!cross(&headers(&[("host", "chat.example")])));
        assert!(!cross(&HeaderMap::new()));
    }

    #[test]
    fn over_http2_the_authority_comes_from_the_request_uri_not_a_host_header() {
        // HTTP/2 has no Host header: `:authority` arrives as the URI's authority.
        let req = Request::builder()
            .uri(poem::http::Uri::from_static(
                "https://chat.example:8443/api/v1/auth/signup",
            ))
            .header("origin", "https://chat.example:8443")
            .finish();
        assert_eq!(request_authority(&req), Some("chat.example:8443"));
        assert!(!is_cross_origin(req.headers(), request_authority(&req)));
        let forged = Request::builder()
            .uri(poem::http::Uri::from_static(
                "https://chat.example:8443/api/v1/auth/signup",
            ))
            .header("origin", "https://evil.example")
            .finish();
        assert!(is_cross_origin(
            forged.headers(),
            request_authority(&forged)
        ));
        // HTTP/1.1: the path alone in the URI, the authority in Host.
        let plain = Request::builder()
            .uri(poem::http::Uri::from_static("/api/v1/auth/signup"))
            .header("host", "chat.example")
            .header("origin", "http://chat.example")
            .finish();
        assert_eq!(request_authority(&plain), Some("chat.example"));
        assert!(!is_cross_origin(plain.headers(), request_authority(&plain)));
    }
}
