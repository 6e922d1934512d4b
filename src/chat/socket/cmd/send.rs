//! `send`: checks the text, the client id and the send rate, then queues the message with the
//! writer (which checks what needs the data: the room, the message a reply answers, mentions).
//! The acknowledgement is the message itself, published once it is committed; a refusal comes
//! back as an `error` frame with the client id.
//!
//! A `send` to `people` instead of a room is the first message of a conversation: the writer
//! makes the direct room with it (or finds it), and this socket then follows the room, so its
//! `joined` answer carries the message and acknowledges it (a socket that follows the room
//! already gets the message live, as any other).

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::{join, not_joined, online_if_here, refused};
use crate::chat::outbox::Outgoing;
use crate::chat::protocol::frames::message_frame;
use crate::chat::protocol::{ErrorFrame, JoinTarget};
use crate::errors::{Code, Failure};
use crate::rooms::changes::{NewPost, Posted, StartDirect};
use crate::rooms::input::{check_client_id, check_post_text};

/// What every message is checked for before the writer sees it: its text, its client id, and
/// the socket's send rate.
fn check(
    socket: &mut Socket<'_>,
    text: &str,
    with_files: bool,
    client_id: Option<&str>,
    now: u64,
) -> Result<(), Failure> {
    check_post_text(text, with_files).map_err(Failure::from)?;
    if let Some(id) = client_id
        && !check_client_id(id)
    {
        let message = "client_id must be at most 64 characters.";
        return Err(Failure::new(Code::BadRequest, message));
    }
    if let Err(wait) = socket.send_bucket.take(socket.chat.settings.send_rate, now) {
        let message = format!("Sending too fast; wait {} ms.", wait.as_millis().max(1));
        return Err(Failure::new(Code::RateLimited, message));
    }
    Ok(())
}

/// What a `send` to a room carries.
pub(super) struct Post {
    pub text: String,
    pub client_id: Option<String>,
    pub reply_to: Option<u64>,
    /// Upload ids, checked for form by the protocol.
    pub files: Vec<u64>,
}

pub(super) async fn run(
    socket: &mut Socket<'_>,
    room_id: u64,
    post: Post,
    now: u64,
) -> Option<Utf8Bytes> {
    let Post {
        text,
        client_id,
        reply_to,
        files,
    } = post;
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    if let Err(failure) = check(socket, &text, !files.is_empty(), client_id.as_deref(), now) {
        let frame = ErrorFrame::from(failure).room_id(room_id);
        return Some(frame.client_id(client_id).encode());
    }
    let post = NewPost {
        room_id,
        actor: socket.actor,
        online: online_if_here(socket, room_id, &text),
        text: if text.trim().is_empty() {
            String::new()
        } else {
            text
        },
        client_id: client_id.clone(),
        reply_to,
        files,
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
    match socket.chat.rooms.submit(post, reply).await {
        Ok(()) => None,
        Err(err) => Some(
            ErrorFrame::for_room(&err)
                .room_id(room_id)
                .client_id(client_id)
                .encode(),
        ),
    }
}

/// `send` to `people`: the first message of their conversation with this person.
pub(super) async fn to_people(
    socket: &mut Socket<'_>,
    people: Vec<String>,
    text: String,
    client_id: Option<String>,
    now: u64,
) -> Option<Utf8Bytes> {
    let refuse = |failure: Failure| Some(ErrorFrame::from(failure).client_id(client_id.clone()));
    if let Err(failure) = check(socket, &text, false, client_id.as_deref(), now) {
        return refuse(failure).map(|frame| frame.encode());
    }
    // The socket must be able to follow the room the message makes, or its sender would never
    // hear it was stored.
    if socket.rooms.len() >= join::MAX_ROOMS {
        let failure = Failure::new(Code::TooManyRooms, "Leave a room before starting another.");
        return refuse(failure).map(|frame| frame.encode());
    }
    let start = StartDirect {
        usernames: people,
        actor: socket.actor,
        text,
        client_id: client_id.clone(),
    };
    let (visible, posted) = match socket.chat.rooms.start_direct(start).await {
        Ok(started) => started,
        Err(err) => return Some(ErrorFrame::for_room(&err).client_id(client_id).encode()),
    };
    let room_id = visible.room.id;
    if socket.following(room_id).is_some() {
        return match posted {
            // Followed already: the message comes live, as any message does.
            Posted::New(_) => None,
            Posted::Duplicate(message) => Some(message_frame(&message)),
        };
    }
    // Following it now, the answer holds the newest messages, a new one among them. One sent
    // before (a retry) may be older than those: its echo follows the answer.
    if let Posted::Duplicate(message) = posted {
        let echo = Outgoing::Frame(message_frame(&message));
        socket.member.outbox.push(echo);
    }
    join::run(socket, JoinTarget::Id(room_id), None).await
}
