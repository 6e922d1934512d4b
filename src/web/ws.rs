//! `GET /ws`: checks the origin and the session *before* upgrading, then hands the socket to
//! `chat::serve_socket`. The upgrade is done here rather than with poem's `WebSocket`
//! extractor so the socket speaks tokio-tungstenite directly: frames encoded once can then be
//! shared between recipients without a copy each.

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::security::{error_response, is_cross_origin, request_authority};
use super::{AppState, client_ip};
use crate::chat::serve_socket;
use crate::errors::{Code, Failure, RETRY_AFTER_SECS};

/// Largest message (and frame) a client may send (`src/chat/PROTOCOL.md`); bigger ones close
/// with 1009.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Small buffers keep an idle socket cheap; they grow only while a socket is busy. Chat
/// frames are small, so 1 KiB reads take most in one go (tungstenite fills the read buffer
/// before every read, so a bigger one costs on every poll).
///
/// The write buffer has no cap of its own: it is flushed before the next frame is taken, so it
/// never holds more than `write_buffer_size` and the one frame being written, which is already
/// in memory. A cap would only refuse frames bigger than itself, and tungstenite then fails
/// the write: the socket would be dropped without a close frame on every `joined` answer
/// bigger than the cap. Answers are bounded where they are built (`chat::connection`).
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES))
}

fn header_has_token(req: &Request, name: header::HeaderName, token: &str) -> bool {
    req.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn refuse(failure: Failure) -> Response {
    error_response("/ws", &failure)
}

#[handler]
pub async fn upgrade(req: &Request, state: Data<&Arc<AppState>>) -> Response {
    if is_cross_origin(req.headers(), request_authority(req)) {
        let message = "WebSocket connections from other sites are refused.";
        return refuse(Failure::new(Code::ForbiddenOrigin, message));
    }
    let session = match state.session(req).await {
        Ok(Some(session)) => session,
        Ok(None) => return refuse(Failure::of(Code::NotSignedIn)),
        Err(_) => {
            let message = "The server cannot read its data right now; try again shortly.";
            let failure = Failure::new(Code::Unavailable, message);
            return refuse(failure.retry_after(RETRY_AFTER_SECS));
        }
    };
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
    let valid = header_has_token(req, header::UPGRADE, "websocket")
        && header_has_token(req, header::CONNECTION, "upgrade")
        && req
            .headers()
            .get(header::SEC_WEBSOCKET_VERSION)
            .map(|v| v.as_bytes())
            == Some(b"13");
    let (Some(key), true) = (key, valid) else {
        let message = "Expected a WebSocket upgrade (version 13).";
        return refuse(Failure::new(Code::BadRequest, message));
    };
    // A socket that slips past this check is closed at once by the hub (see `close_all`).
    if state.is_shutting_down() {
        let message = "The server is shutting down.";
        return refuse(Failure::new(Code::Unavailable, message));
    }
    let Ok(on_upgrade) = req.take_upgrade() else {
        let message = "This connection cannot be upgraded.";
        return refuse(Failure::new(Code::BadRequest, message));
    };

    let from = client_ip(req);
    let state = Arc::clone(&state);
    state.sockets.spawn({
        let state = Arc::clone(&state);
        async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            let ws =
                WebSocketStream::from_raw_socket(upgraded, Role::Server, Some(socket_config()))
                    .await;
            let chat = Arc::clone(&state.chat);
            serve_socket(ws, chat, session.user, session.key, from).await;
        }
    });

    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.as_bytes()),
        )
        .finish()
}
