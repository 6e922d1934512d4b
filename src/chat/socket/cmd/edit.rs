//! `edit`, `delete` and `react`: changes to a message already posted. The socket checks what
//! needs no data (the text, the emoji) and takes from the same per-socket budget as `send`; the
//! writer checks the rest (the message is there and not deleted, it is yours or you moderate
//! the room, at most 20 reactions). Success is the published `update`.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::{not_joined, online_if_here, submit};
use crate::chat::protocol::ErrorFrame;
use crate::errors::{Code, Failure};
use crate::rooms::changes::{Delete, Edit, React};
use crate::rooms::input::{check_emoji, check_message_text};

/// Takes one from the socket's send budget, or says how long to wait.
fn spend(socket: &mut Socket<'_>, room_id: u64, now: u64) -> Result<(), Utf8Bytes> {
    socket
        .send_bucket
        .take(socket.chat.settings.send_rate, now)
        .map_err(|wait| {
            let message = format!(
                "Changing messages too fast; wait {} ms.",
                wait.as_millis().max(1)
            );
            ErrorFrame::new(Code::RateLimited, message)
                .room_id(room_id)
                .encode()
        })
}

pub(super) async fn edit(
    socket: &mut Socket<'_>,
    room_id: u64,
    id: u64,
    text: String,
    now: u64,
) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    if let Err(problem) = check_message_text(&text) {
        let reply = ErrorFrame::from(Failure::from(problem));
        return Some(reply.room_id(room_id).encode());
    }
    if let Err(reply) = spend(socket, room_id, now) {
        return Some(reply);
    }
    let change = Edit {
        by: socket.actor,
        room_id,
        id,
        online: online_if_here(socket, room_id, &text),
        text,
    };
    submit(socket, room_id, change).await
}

pub(super) async fn delete(
    socket: &mut Socket<'_>,
    room_id: u64,
    id: u64,
    now: u64,
) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    if let Err(reply) = spend(socket, room_id, now) {
        return Some(reply);
    }
    let by = socket.actor;
    let from = socket.from;
    submit(
        socket,
        room_id,
        Delete {
            by,
            room_id,
            id,
            from,
        },
    )
    .await
}

pub(super) async fn react(
    socket: &mut Socket<'_>,
    room_id: u64,
    id: u64,
    emoji: String,
    now: u64,
) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    if let Err(reason) = check_emoji(&emoji) {
        return Some(
            ErrorFrame::new(Code::BadEmoji, reason)
                .room_id(room_id)
                .encode(),
        );
    }
    if let Err(reply) = spend(socket, room_id, now) {
        return Some(reply);
    }
    let by = socket.actor;
    submit(
        socket,
        room_id,
        React {
            by,
            room_id,
            id,
            emoji,
        },
    )
    .await
}
