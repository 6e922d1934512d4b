//! `send`: checks the text, the client id and the send rate, then queues the message with the
//! writer (which checks what needs the data: the room, the message a reply answers, mentions). The acknowledgement is the message itself, published once it is committed; a
//! refusal comes back as an `error` frame with the client id.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::{not_joined, online_if_here};
use crate::chat::protocol::{ErrorCode, ErrorFrame};
use crate::rooms::changes::NewPost;
use crate::rooms::input::{check_client_id, check_message_text};

pub(super) async fn run(
    socket: &mut Socket<'_>,
    room_id: u64,
    text: String,
    client_id: Option<String>,
    reply_to: Option<u64>,
    now: u64,
) -> Option<Utf8Bytes> {
    let Some(index) = socket.following(room_id) else {
        return not_joined(room_id);
    };
    let refuse = |code, message: &str| {
        Some(
            ErrorFrame::new(code, message)
                .room_id(room_id)
                .client_id(client_id.clone())
                .encode(),
        )
    };
    if let Err(problem) = check_message_text(&text) {
        return refuse(ErrorCode::of_text(problem), problem.message());
    }
    if let Some(id) = client_id.as_deref()
        && !check_client_id(id)
    {
        return refuse(
            ErrorCode::BadRequest,
            "client_id must be at most 64 characters.",
        );
    }
    if let Err(wait) = socket.send_bucket.take(socket.chat.settings.send_rate, now) {
        let message = format!("Sending too fast; wait {} ms.", wait.as_millis().max(1));
        return refuse(ErrorCode::RateLimited, &message);
    }
    let post = NewPost {
        room_id,
        user_id: socket.member.user_id,
        online: online_if_here(socket, room_id, &text),
        text,
        client_id: client_id.clone(),
        reply_to,
    };
    let reply = std::sync::Arc::clone(&socket.rooms[index].reply);
    match socket.chat.rooms.post(post, reply).await {
        Ok(()) => None,
        Err(err) => Some(
            ErrorFrame::for_room(&err)
                .room_id(room_id)
                .client_id(client_id)
                .encode(),
        ),
    }
}
