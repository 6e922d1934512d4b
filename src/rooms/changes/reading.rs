//! Read positions: how far someone has read a room. A page's report moves it forward only (a
//! late or repeated report never takes it back); marking a message unread moves it back to
//! just before that message; the JSON API sets it where asked. The position is bookkeeping: it commits without making the batch
//! durable by itself, and every socket of the reader hears the new position and counts.

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor};
use crate::events::Event;
use crate::rooms::{RoomError, Visible};
use crate::store::{StoreError, Unread};

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

/// Someone's read position in a room moves; they hear back where it is and what is left
/// unread.
#[derive(Debug, Clone)]
pub struct MoveRead {
    pub actor: Actor,
    pub room_id: u64,
    pub id: u64,
    pub how: ReadMove,
}

impl Change for MoveRead {
    type Reply = Unread;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Unread>, StoreError> {
        batch.read(&self.actor, self.room_id, self.id, self.how)
    }
}

impl Batch<'_, '_> {
    fn read(
        &mut self,
        actor: &Actor,
        room_id: u64,
        id: u64,
        how: ReadMove,
    ) -> Result<Applied<Unread>, StoreError> {
        let room = match self.permitted(room_id, actor, Action::Read)? {
            Ok(Visible {
                room,
                membership: Some(_),
            }) => room,
            Ok(_) => return refused(RoomError::NotMember),
            Err(denied) => return refused(denied),
        };
        let user_id = actor.user_id;
        let before = self.tx.read_position(user_id, room_id)?;
        let position = match how {
            ReadMove::Forward => id.min(room.last_id).max(before),
            ReadMove::Unread => id.saturating_sub(1).min(before),
            ReadMove::To => id.min(room.last_id),
        };
        if position == before {
            let unread = self.tx.unread(user_id, room_id)?;
            return done(unread, Vec::new());
        }
        self.tx.set_read_position(user_id, room_id, position)?;
        let unread = self.tx.unread(user_id, room_id)?;
        done(
            unread,
            vec![Event::Read {
                user_id,
                room_id,
                unread,
            }],
        )
    }
}
