//! `leave`: this socket stops following a room. The membership stays (leaving a room for good
//! is a membership change, through the rooms API).

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::not_joined;
use crate::chat::protocol::frames::left_frame;

pub(super) fn run(socket: &mut Socket<'_>, room_id: u64) -> Option<Utf8Bytes> {
    let Some(index) = socket.following(room_id) else {
        return not_joined(room_id);
    };
    let left = socket.rooms.swap_remove(index);
    socket.unfollow(left.id);
    Some(left_frame(left.id))
}
