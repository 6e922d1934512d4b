//! One file per client frame, as each frame's rules read best on their own: what it checks,
//! what it asks of the rooms service, and what it answers. The socket loop only parses and
//! dispatches.

mod edit;
mod history;
mod join;
mod leave;
mod read;
mod send;
mod typing;

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::Socket;
use crate::chat::outbox::{Outbox, Outgoing};
use crate::chat::protocol::{ClientFrame, ErrorFrame};
use crate::errors::Code;
use crate::rooms::RoomError;
use crate::rooms::changes::Change;

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
            reply_to,
            files,
        } => {
            let post = send::Post {
                text,
                client_id,
                reply_to,
                files,
            };
            send::run(socket, room_id, post, now).await
        }
        ClientFrame::SendTo {
            people,
            text,
            client_id,
        } => send::to_people(socket, people, text, client_id, now).await,
        ClientFrame::Edit { room_id, id, text } => edit::edit(socket, room_id, id, text, now).await,
        ClientFrame::Delete { room_id, id } => edit::delete(socket, room_id, id, now).await,
        ClientFrame::React { room_id, id, emoji } => {
            edit::react(socket, room_id, id, emoji, now).await
        }
        ClientFrame::Read {
            room_id,
            id,
            unread,
        } => read::run(socket, room_id, id, unread).await,
        ClientFrame::Typing { room_id } => typing::run(socket, room_id, now),
        ClientFrame::History {
            room_id,
            before,
            after,
            since,
            limit,
        } => history::run(socket, room_id, before, after, since, limit).await,
    }
}

/// Hands a change to the writer; a refusal comes back on this socket as an `error` frame,
/// success as the published change.
async fn submit<C: Change>(socket: &Socket<'_>, room_id: u64, change: C) -> Option<Utf8Bytes> {
    let outbox = Arc::clone(&socket.member.outbox);
    let reply = move |answer: Result<C::Reply, RoomError>| {
        if let Err(error) = answer {
            refused(&outbox, &error, room_id, None);
        }
    };
    match socket.chat.rooms.submit(change, reply).await {
        Ok(()) => None,
        Err(err) => Some(ErrorFrame::for_room(&err).room_id(room_id).encode()),
    }
}

/// Queues the `error` frame of a change the writer refused (after the frame's own answer, so
/// it goes through the outbox).
fn refused(outbox: &Outbox, error: &RoomError, room_id: u64, client_id: Option<String>) {
    let frame = ErrorFrame::for_room(error)
        .room_id(room_id)
        .client_id(client_id)
        .encode();
    outbox.push(Outgoing::Frame(frame));
}

/// The people online in a room, if `text` calls `@here` (else nobody needs to know).
fn online_if_here(socket: &Socket<'_>, room_id: u64, text: &str) -> Vec<u64> {
    if text.contains('@') && text.to_ascii_lowercase().contains("@here") {
        socket.chat.hub.online_users(room_id)
    } else {
        Vec::new()
    }
}

/// The answer to a frame about a room this socket does not follow.
fn not_joined(room_id: u64) -> Option<Utf8Bytes> {
    let reply = ErrorFrame::new(Code::NotJoined, "Join the room first.").room_id(room_id);
    Some(reply.encode())
}
