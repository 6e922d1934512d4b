//! `history`: a page of a followed room, older (`before`), newer (`after`), between the two,
//! or every change after a sequence number (`since`). Access is checked again on the snapshot
//! the page is read from, so a member removed a moment ago reads nothing more.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::super::Socket;
use super::super::answer::{HISTORY_DEFAULT, HISTORY_MAX, fit_answer};
use super::not_joined;
use crate::chat::protocol::ErrorFrame;
use crate::chat::protocol::frames::history_frame;
use crate::errors::Code;
use crate::rooms::RoomRef;
use crate::store::HistoryQuery;

pub(super) async fn run(
    socket: &mut Socket<'_>,
    room_id: u64,
    before: Option<u64>,
    after: Option<u64>,
    since: Option<u64>,
    limit: Option<u32>,
) -> Option<Utf8Bytes> {
    if socket.following(room_id).is_none() {
        return not_joined(room_id);
    }
    let limit = limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        let reply = ErrorFrame::new(Code::BadRequest, "limit must be between 1 and 200.");
        return Some(reply.room_id(room_id).encode());
    }
    let query = match since {
        Some(since) => HistoryQuery::Since(since),
        None => HistoryQuery::from_bounds(before, after),
    };
    let rooms = &socket.chat.rooms;
    match rooms
        .history(socket.actor, RoomRef::Id(room_id), query, limit as usize)
        .await
    {
        Ok(mut page) => {
            fit_answer(&mut page, query.reads_forward());
            Some(history_frame(room_id, &page.messages, page.more))
        }
        Err(err) => Some(ErrorFrame::for_room(&err).room_id(room_id).encode()),
    }
}
