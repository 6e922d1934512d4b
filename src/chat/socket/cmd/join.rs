//! `join`: follow a room on this socket, named by id (any kind) or by name (open and private
//! rooms; a free name creates an open room). Joining an open room makes you a member; a
//! private or direct room must already be yours, or the answer is the one a room that does
//! not exist gets.
//!
//! The socket subscribes to the room before it reads history, so a change committed meanwhile
//! is either in the answer or queued live (or both, and then skipped by sequence number).

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::answer::{JOIN_LATEST, JOIN_RESUME_MAX, fit_answer};
use super::super::{Following, Socket};
use crate::chat::protocol::frames::{Joined, joined_frame};
use crate::chat::protocol::{ErrorFrame, JoinTarget};
use crate::errors::Code;
use crate::rooms::RoomRef;
use crate::rooms::input::check_room_name;
use crate::store::{HistoryQuery, room_key};

/// Rooms one socket may follow at once.
pub(super) const MAX_ROOMS: usize = 32;

pub(super) async fn run(
    socket: &mut Socket<'_>,
    target: JoinTarget,
    since: Option<u64>,
) -> Option<Utf8Bytes> {
    // Errors echo how the request named the room, and nothing else.
    let echo = |frame: ErrorFrame| match &target {
        JoinTarget::Id(id) => frame.room_id(*id),
        JoinTarget::Name(name) => frame.room(name.clone()),
    };
    let (room, name_key) = match &target {
        JoinTarget::Id(id) => (RoomRef::Id(*id), None),
        JoinTarget::Name(raw) => match check_room_name(raw) {
            Ok(name) => (RoomRef::Name(name.to_owned()), Some(room_key(name))),
            Err(reason) => {
                return Some(echo(ErrorFrame::new(Code::InvalidRoom, reason)).encode());
            }
        },
    };
    let already = socket.rooms.iter().any(|r| match (&room, &name_key) {
        (RoomRef::Id(id), _) => r.id == *id,
        (_, Some(key)) => r.name_key.as_ref() == Some(key),
        _ => false,
    });
    if !already && socket.rooms.len() >= MAX_ROOMS {
        let reply = ErrorFrame::new(Code::TooManyRooms, "Leave a room before joining another.");
        return Some(echo(reply).encode());
    }
    let actor = socket.actor;
    let visible = match socket.chat.rooms.join(actor, room).await {
        Ok(visible) => visible,
        Err(err) => return Some(echo(ErrorFrame::for_room(&err)).encode()),
    };
    let room_id = visible.room.id;
    let existing = socket.following(room_id);
    let members = socket.chat.hub.join(room_id, &socket.member);
    let (query, limit) = match since {
        Some(since) => (HistoryQuery::Since(since), JOIN_RESUME_MAX),
        None => (HistoryQuery::Latest, JOIN_LATEST),
    };
    let rooms = &socket.chat.rooms;
    let mut page = match rooms
        .history(actor, RoomRef::Id(room_id), query, limit)
        .await
    {
        Ok(page) => page,
        Err(err) => {
            if existing.is_none() {
                socket.unfollow(room_id);
            }
            return Some(echo(ErrorFrame::for_room(&err)).encode());
        }
    };
    fit_answer(&mut page, query.reads_forward());
    // Up to date as of the snapshot, unless a resume must page on: then up to its page, so
    // the live changes past it are not skipped.
    let delivered = match (since, page.more, page.messages.last()) {
        (Some(_), true, Some(last)) => last.seq,
        _ => page.room.seq,
    };
    let following = Following {
        id: room_id,
        name_key: page.room.name.as_deref().map(room_key),
        delivered,
    };
    match existing {
        Some(index) => socket.rooms[index] = following,
        None => socket.rooms.push(following),
    }
    Some(joined_frame(&Joined {
        summary: &page.summary,
        seq: page.room.seq,
        members: &members,
        messages: &page.messages,
        more: page.more,
    }))
}
