//! `send`: checks the text, the client id and the send rate, then queues the message with the
//! writer (which checks what needs the data: the room, the message a reply answers, mentions). The acknowledgement is the message itself, published once it is committed; a
//! refusal comes back as an `error` frame with the client id.

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::{not_joined, online_if_here, refused};
use crate::chat::outbox::Outgoing;
use crate::chat::protocol::ErrorFrame;
use crate::chat::protocol::frames::message_frame;
use crate::errors::{Code, Failure};
use crate::rooms::changes::{NewPost, Posted};
use crate::rooms::input::{check_client_id, check_message_text};

pub(super) async fn run(
    socket: &mut Socket<'_>,
    room_id: u64,
    text: String,
    client_id: Option<String>,
    reply_to: Option<u64>,
    now: u64,
) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    let refuse = |failure: Failure| {
        Some(
            ErrorFrame::from(failure)
                .room_id(room_id)
                .client_id(client_id.clone())
                .encode(),
        )
    };
    if let Err(problem) = check_message_text(&text) {
        return refuse(Failure::from(problem));
    }
    if let Some(id) = client_id.as_deref()
        && !check_client_id(id)
    {
        let message = "client_id must be at most 64 characters.";
        return refuse(Failure::new(Code::BadRequest, message));
    }
    if let Err(wait) = socket.send_bucket.take(socket.chat.settings.send_rate, now) {
        let message = format!("Sending too fast; wait {} ms.", wait.as_millis().max(1));
        return refuse(Failure::new(Code::RateLimited, message));
    }
    let post = NewPost {
        room_id,
        actor: socket.actor,
        online: online_if_here(socket, room_id, &text),
        text,
        client_id: client_id.clone(),
        reply_to,
    };
    let outbox = Arc::clone(&socket.member.outbox);
    let echo_id = client_id.clone();
    let reply = move |answer| match answer {
        // The published message is the acknowledgement.
        Ok(Posted::New(_)) => {}
        // A plain frame, not a change: the socket must not skip it as delivered before.
        Ok(Posted::Duplicate(message)) => {
            outbox.push(Outgoing::Frame(message_frame(&message)));
        }
        Err(error) => refused(&outbox, &error, room_id, echo_id),
    };
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
