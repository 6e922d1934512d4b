//! One file per client frame, as each frame's rules read best on their own: what it checks,
//! what it asks of the rooms service, and what it answers. The socket loop only parses and
//! dispatches.

mod history;
mod join;
mod leave;
mod send;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::Socket;
use crate::chat::protocol::{ClientFrame, ErrorCode, ErrorFrame};

/// Carries out one frame; the answer, if any, goes straight back on the socket.
pub(super) async fn dispatch(
    socket: &mut Socket<'_>,
    frame: ClientFrame,
    now: u64,
) -> Option<Utf8Bytes> {
    match frame {
        ClientFrame::Join { room, since } => join::run(socket, room, since).await,
        ClientFrame::Leave { room_id } => leave::run(socket, room_id),
        ClientFrame::Send {
            room_id,
            text,
            client_id,
        } => send::run(socket, room_id, text, client_id, now).await,
        ClientFrame::History {
            room_id,
            before,
            after,
            since,
            limit,
        } => history::run(socket, room_id, before, after, since, limit).await,
    }
}

/// The answer to a frame about a room this socket does not follow.
fn not_joined(room_id: u64) -> Option<Utf8Bytes> {
    let reply = ErrorFrame::new(ErrorCode::NotJoined, "Join the room first.").room_id(room_id);
    Some(reply.encode())
}
