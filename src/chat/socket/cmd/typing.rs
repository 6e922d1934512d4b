//! `typing`: the person is typing in a room. Nothing is stored; the hub coalesces reports so
//! each follower hears at most one `typing` frame per room a second. A page sends one every
//! 3 s at most while its person types; a socket that sends faster is told to slow down.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::not_joined;
use crate::chat::protocol::ErrorFrame;
use crate::errors::Code;

pub(super) fn run(socket: &mut Socket<'_>, room_id: u64, now: u64) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    if socket
        .typing_bucket
        .take(super::super::TYPING_RATE, now)
        .is_err()
    {
        let reply = ErrorFrame::new(Code::RateLimited, "Typing reports too fast.");
        return Some(reply.room_id(room_id).encode());
    }
    socket.chat.hub.typing(room_id, &socket.member.username);
    None
}
