//! Read positions: how far someone has read a room. A page's report moves it forward only (a
//! late or repeated report never takes it back); marking a message unread moves it back to
//! just before that message; the JSON API sets it where asked. The position is bookkeeping: it commits without making the batch
//! durable by itself, and every socket of the reader hears the new position and counts.

use super::{Applied, Batch, Effect, Outcome, done, refused};
use crate::rooms::RoomError;
use crate::rooms::access::Action;
use crate::store::StoreError;

/// How a read position moves to a message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMove {
    /// Up to it, if that is further than it is.
    Forward,
    /// Just before it, if that is further back: the message and what follows are unread.
    Unread,
    /// Exactly to it (never past the newest message).
    To,
}

impl Batch<'_, '_> {
    pub(super) fn read(
        &mut self,
        user_id: u64,
        room_id: u64,
        id: u64,
        how: ReadMove,
    ) -> Result<Applied, StoreError> {
        let room = match self.permitted(room_id, user_id, Action::Read)? {
            Ok((room, Some(_))) => room,
            Ok((_, None)) => return refused(RoomError::NotMember),
            Err(denied) => return refused(denied),
        };
        let before = self.tx.read_position(user_id, room_id)?;
        let position = match how {
            ReadMove::Forward => id.min(room.last_id).max(before),
            ReadMove::Unread => id.saturating_sub(1).min(before),
            ReadMove::To => id.min(room.last_id),
        };
        if position == before {
            let unread = self.tx.unread(user_id, room_id)?;
            return done(Outcome::Read(unread), Vec::new());
        }
        self.tx.set_read_position(user_id, room_id, position)?;
        let unread = self.tx.unread(user_id, room_id)?;
        done(
            Outcome::Read(unread),
            vec![Effect::Read {
                user_id,
                room_id,
                unread,
            }],
        )
    }
}
