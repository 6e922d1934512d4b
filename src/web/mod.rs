//! The HTTP face of confab: pages (maud), the JSON API (poem-openapi), the WebSocket endpoint
//! and the embedded assets, all behind one [`security::Guard`].

mod api;
mod assets;
mod avatars;
pub mod bearer;
pub mod cookie;
mod error;
mod files;
mod install;
mod pages;
pub mod redirect;
pub mod security;
mod ws;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use poem::{EndpointExt, Request, Route, get, handler, http::StatusCode, web::Data};
use tokio_util::task::TaskTracker;

pub use assets::Assets;
/// The pages' form bodies and query strings, parsed as their handlers parse them.
pub use pages::{JoinQuery, LoginForm, SignupForm, dm_path, room_path};

use crate::auth::{Auth, Device, Session};
use crate::chat::Chat;
use crate::clock::SharedClock;
use crate::config::HttpTimeouts;
use crate::errors::{Code, Failure};
use crate::events::Events;
use crate::files::Files;
use crate::metrics::Metrics;
use crate::people::People;
use crate::push::Push;
use crate::ratelimit::KeyedLimiter;
use crate::rooms::Rooms;
use crate::store::Store;
use crate::webhooks::Webhooks;

/// What every handler can reach.
pub struct AppState {
    pub store: Arc<Store>,
    /// Every committed change, in commit order (see `crate::events`).
    pub events: Arc<Events>,
    pub auth: Arc<Auth>,
    pub rooms: Arc<Rooms>,
    pub people: Arc<People>,
    pub chat: Arc<Chat>,
    pub files: Arc<Files>,
    /// Web Push subscriptions and the server's VAPID key.
    pub push: Arc<Push>,
    /// Each room's outgoing webhooks.
    pub webhooks: Arc<Webhooks>,
    /// What `/metrics` reads beyond this state.
    pub metrics: Metrics,
    pub clock: SharedClock,
    /// Served over TLS: `__Host-` cookie, `Secure`, HSTS.
    pub tls: bool,
    /// Every socket task, so shutdown can wait for them.
    pub sockets: TaskTracker,
    pub shutting_down: AtomicBool,
    /// Deadlines for clients to send their requests.
    pub http_timeouts: HttpTimeouts,
    /// Messages posted over HTTP, per account: the same budget a socket's `send` has
    /// (`--ws-send-rate`).
    pub message_rate: KeyedLimiter<u64>,
}

impl AppState {
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Spends one of this person's messages posted over HTTP, or says how long to wait, in
    /// whole seconds (`Retry-After`), the same on the page and the API.
    pub fn take_message_turn(&self, user_id: u64) -> Result<(), Failure> {
        self.message_rate
            .take(&user_id, self.clock.now_ms())
            .map_err(|wait| {
                let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
                let text = format!("Sending too fast; wait {seconds} s.");
                Failure::new(Code::RateLimited, text).retry_after(seconds)
            })
    }

    /// The signed-in session of a request, if any. When the store cannot say (a passing disk
    /// fault), that is [`SessionUnknown`], never "signed out": a page that reconnects during
    /// a fault must not be sent to sign in.
    pub async fn session(&self, req: &Request) -> Result<Option<Session>, SessionUnknown> {
        let Some(token) = cookie::session_token(req.headers(), self.tls) else {
            return Ok(None);
        };
        self.auth.session(token).await.map_err(|err| {
            tracing::error!(error = %err, "session lookup failed");
            SessionUnknown
        })
    }
}

/// Whether a request is signed in could not be told: the database did not answer. Every door
/// answers 503 (with `Retry-After`), and the page tries again.
#[derive(Debug, Clone, Copy)]
pub struct SessionUnknown;

impl AppState {
    /// Signing in replaces whatever session cookie the browser presented (it may have been
    /// planted): that session is deleted, so it is never honoured again.
    pub async fn end_presented_session(&self, req: &Request) {
        if let Some(token) = cookie::session_token(req.headers(), self.tls)
            && let Err(err) = self.auth.sign_out(token).await
        {
            tracing::warn!(error = %err, "cannot end the session a sign-in replaces");
        }
    }
}

/// The address of an invite link on this server, as the browser reached it.
pub fn invite_url(req: &Request, tls: bool, code: &str) -> String {
    format!("{}/invite/{code}", site_origin(req, tls))
}

/// This server's origin as the browser reached it: `https://chat.example.org`.
pub fn site_origin(req: &Request, tls: bool) -> String {
    let host = security::request_authority(req).unwrap_or("localhost");
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The client's IP address, for per-IP rate limits.
pub fn client_ip(req: &Request) -> Option<IpAddr> {
    req.remote_addr().as_socket_addr().map(|addr| addr.ip())
}

/// Where a sign-in request comes from: its address and browser, kept with the new session.
pub fn device(req: &Request) -> Device {
    let user_agent = req
        .headers()
        .get(poem::http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok());
    Device::new(client_ip(req), user_agent)
}

/// 200 while the database answers, 503 otherwise.
#[handler]
async fn healthz(state: Data<&Arc<AppState>>) -> (StatusCode, &'static str) {
    let store = Arc::clone(&state.store);
    let healthy = tokio::task::spawn_blocking(move || store.is_healthy())
        .await
        .unwrap_or(false);
    if healthy {
        (StatusCode::OK, "ok\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "unhealthy: the database does not answer\n",
        )
    }
}

/// Every route of the server.
pub fn app(state: Arc<AppState>) -> impl poem::Endpoint + 'static {
    let tls = state.tls;
    let body_timeout = security::BodyTimeout(state.http_timeouts.request_body);
    let routes = Route::new()
        .nest("/api", api::routes())
        .at("/ws", get(ws::upgrade))
        .at("/healthz", get(healthz))
        .at("/metrics", get(crate::metrics::door::on_main_port))
        .at("/manifest.webmanifest", get(install::manifest))
        .at("/sw.js", get(install::service_worker))
        .at("/assets/:tree/*path", get(assets::serve_asset))
        .at("/avatars/:side/:file", get(avatars::serve_avatar))
        .at("/files/:id/:name", get(files::serve_file))
        .at("/previews/:id", get(files::serve_preview));
    pages::routes(routes)
        .data(state)
        .with(security::Guard { tls })
        .data(body_timeout)
}
