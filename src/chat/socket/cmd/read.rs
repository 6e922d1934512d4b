//! `read`: the page has shown the room up to message `id` (or, with `unread`, asks that `id`
//! and what follows be unread again). Every socket of the reader hears the new position and
//! counts as a `read` frame; a report that would not move the position is answered by nothing.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::{not_joined, submit};
use crate::rooms::changes::{MoveRead, ReadMove};

pub(super) async fn run(
    socket: &mut Socket<'_>,
    room_id: u64,
    id: u64,
    unread: bool,
) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    let change = MoveRead {
        actor: socket.actor,
        room_id,
        id,
        how: if unread {
            ReadMove::Unread
        } else {
            ReadMove::Forward
        },
    };
    submit(socket, room_id, change).await
}
