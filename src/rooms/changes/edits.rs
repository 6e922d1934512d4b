//! Changing a message after it was posted: editing its text, deleting it (a tombstone keeps
//! its id, so replies and sequence numbers stay whole, and its text leaves storage), and
//! toggling reactions. Each change gives the message the room's next sequence number and
//! publishes it in its new state as an `update`.
//!
//! Authors edit and delete their own messages; the owners of a private room may edit and
//! delete anyone's there ([`Action::Moderate`]). Anyone who may post may react.

use super::{Applied, Batch, Effect, Outcome, done, refused};
use crate::rooms::RoomError;
use crate::rooms::access::Action;
use crate::store::{Everyone, Reaction, Room, StoreError, StoredMessage};

/// Distinct emoji one message may carry.
pub const REACTIONS_MAX: usize = 20;

impl Batch<'_, '_> {
    /// The room and the message, if `by` may post there and the message is there and not
    /// deleted.
    fn live_message(
        &mut self,
        by: u64,
        room_id: u64,
        id: u64,
    ) -> Result<Result<(Room, StoredMessage), RoomError>, StoreError> {
        let room = match self.permitted(room_id, by, Action::Post)? {
            Ok((room, _)) => room,
            Err(denied) => return Ok(Err(denied.into())),
        };
        match self.tx.message(room_id, id)? {
            None => Ok(Err(RoomError::MessageNotFound)),
            Some(message) if message.deleted => Ok(Err(RoomError::MessageDeleted)),
            Some(message) => Ok(Ok((room, message))),
        }
    }

    /// Whether `by` may edit or delete this message: their own, or as a private room's owner.
    fn may_change(
        &mut self,
        by: u64,
        room: &Room,
        message: &StoredMessage,
    ) -> Result<Result<(), RoomError>, StoreError> {
        if message.user_id == by {
            return Ok(Ok(()));
        }
        match self.permitted(room.id, by, Action::Moderate)? {
            Ok(_) => Ok(Ok(())),
            Err(_) => Ok(Err(RoomError::NotAllowed(
                "You can only edit or delete your own messages.",
            ))),
        }
    }

    /// Publishes a changed message.
    fn updated(&mut self, room: &Room, message: StoredMessage) -> Result<Applied, StoreError> {
        let view = self.view(room, message)?;
        done(Outcome::Done, vec![Effect::Update(view)])
    }

    pub(super) fn edit(
        &mut self,
        by: u64,
        room_id: u64,
        id: u64,
        text: &str,
        online: &[u64],
    ) -> Result<Applied, StoreError> {
        let (room, message) = match self.live_message(by, room_id, id)? {
            Ok(found) => found,
            Err(err) => return refused(err),
        };
        if let Err(err) = self.may_change(by, &room, &message)? {
            return refused(err);
        }
        if message.text == text {
            return done(Outcome::Done, Vec::new());
        }
        // Mentions are the new text's, decided as for a new message by its author.
        let mut called = match self.called(&room, message.user_id, text, online)? {
            Ok(called) => called,
            Err(err) => return refused(err),
        };
        if called.everyone == Some(Everyone::Here) && message.everyone == Some(Everyone::Here) {
            // Still the `@here` it was: it called the people online then.
            called.here = message.here.clone();
        }
        let now = self.tx.now_ms();
        let changed = self.tx.change_message(room_id, id, |record| {
            record.text = text.to_owned();
            record.edited = Some(now);
            record.mentions = called.mentions;
            record.everyone = called.everyone;
            record.here = called.here;
        })?;
        self.updated(&room, changed)
    }

    pub(super) fn delete(&mut self, by: u64, room_id: u64, id: u64) -> Result<Applied, StoreError> {
        let (room, message) = match self.live_message(by, room_id, id)? {
            Ok(found) => found,
            Err(err) => return refused(err),
        };
        if let Err(err) = self.may_change(by, &room, &message)? {
            return refused(err);
        }
        let changed = self.tx.change_message(room_id, id, |record| {
            record.deleted = true;
            record.text = String::new();
            record.edited = None;
            record.mentions = Vec::new();
            record.everyone = None;
            record.here = Vec::new();
            record.reactions = Vec::new();
        })?;
        self.updated(&room, changed)
    }

    pub(super) fn react(
        &mut self,
        by: u64,
        room_id: u64,
        id: u64,
        emoji: &str,
    ) -> Result<Applied, StoreError> {
        let (room, message) = match self.live_message(by, room_id, id)? {
            Ok(found) => found,
            Err(err) => return refused(err),
        };
        let mut reactions = message.reactions;
        match reactions.iter().position(|r| r.emoji == emoji) {
            Some(at) => {
                let users = &mut reactions[at].users;
                match users.iter().position(|&u| u == by) {
                    Some(mine) => {
                        users.remove(mine);
                        if users.is_empty() {
                            reactions.remove(at);
                        }
                    }
                    None => users.push(by),
                }
            }
            None if reactions.len() >= REACTIONS_MAX => {
                return refused(RoomError::TooManyReactions);
            }
            None => reactions.push(Reaction {
                emoji: emoji.to_owned(),
                users: vec![by],
            }),
        }
        let changed = self
            .tx
            .change_message(room_id, id, |record| record.reactions = reactions)?;
        self.updated(&room, changed)
    }
}
