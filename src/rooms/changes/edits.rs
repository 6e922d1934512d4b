//! Changing a message after it was posted: editing its text, deleting it (a tombstone keeps
//! its id, so replies and sequence numbers stay whole, and its text leaves storage), and
//! toggling reactions. Each change gives the message the room's next sequence number and
//! publishes it in its new state as an `update`.
//!
//! Authors edit and delete their own messages; the owners of a private room may edit anyone's
//! there ([`Action::EditMessage`]), and moderators delete anyone's: a room's owners, and the
//! server's admins wherever they can see ([`Action::DeleteMessage`]). A moderator's deletion is
//! written into the audit log with the deletion itself. Anyone who may post may react.

use std::net::IpAddr;

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor};
use crate::events::Event;
use crate::rooms::{RoomError, Visible};
use crate::store::{Everyone, Reaction, Room, StoreError, StoredMessage};

/// Distinct emoji one message may carry.
pub const REACTIONS_MAX: usize = 20;

/// Someone changes the text of a message (theirs, or any in a private room they own).
#[derive(Debug, Clone)]
pub struct Edit {
    pub by: Actor,
    pub room_id: u64,
    pub id: u64,
    pub text: String,
    /// Who is online in the room, for an `@here` the new text adds.
    pub online: Vec<u64>,
}

/// Someone deletes a message (theirs, or anyone's as a moderator).
#[derive(Debug, Clone)]
pub struct Delete {
    pub by: Actor,
    pub room_id: u64,
    pub id: u64,
    /// Where the request came from, for the audit log when it is someone else's message.
    pub from: Option<IpAddr>,
}

/// Someone adds their reaction with this emoji, or takes it back.
#[derive(Debug, Clone)]
pub struct React {
    pub by: Actor,
    pub room_id: u64,
    pub id: u64,
    pub emoji: String,
}

impl Change for Edit {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.edit(self)
    }
}

impl Change for Delete {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.delete(self)
    }
}

impl Change for React {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.react(&self.by, self.room_id, self.id, &self.emoji)
    }
}

impl Batch<'_, '_> {
    /// The room and the message, if `by` may do `action` there (post, for a change of one's
    /// own; read, for a deletion, whose own rule follows) and the message is there and not
    /// deleted.
    fn live_message(
        &mut self,
        by: &Actor,
        room_id: u64,
        id: u64,
        action: Action,
    ) -> Result<Result<(Room, StoredMessage), RoomError>, StoreError> {
        let room = match self.permitted(room_id, by, action)? {
            Ok(Visible { room, .. }) => room,
            Err(denied) => return Ok(Err(denied.into())),
        };
        match self.tx.message(room_id, id)? {
            None => Ok(Err(RoomError::MessageNotFound)),
            Some(message) if message.deleted => Ok(Err(RoomError::MessageDeleted)),
            Some(message) => Ok(Ok((room, message))),
        }
    }

    /// Whether `by` may `change` (edit or delete) this message, by its author's id.
    fn may_change(
        &mut self,
        by: &Actor,
        room: &Room,
        change: Action,
    ) -> Result<Result<(), RoomError>, StoreError> {
        Ok(self
            .permitted(room.id, by, change)?
            .map(drop)
            .map_err(RoomError::from))
    }

    /// Publishes a changed message.
    fn updated(&mut self, room: &Room, message: StoredMessage) -> Result<Applied<()>, StoreError> {
        let view = self.view(room, message)?;
        done((), vec![Event::Update(view)])
    }

    fn edit(&mut self, edit: &Edit) -> Result<Applied<()>, StoreError> {
        let Edit {
            by,
            room_id,
            id,
            ref text,
            ref online,
        } = *edit;
        let (room, message) = match self.live_message(&by, room_id, id, Action::Post)? {
            Ok(found) => found,
            Err(err) => return refused(err),
        };
        let change = Action::EditMessage {
            author: message.user_id,
        };
        if let Err(err) = self.may_change(&by, &room, change)? {
            return refused(err);
        }
        if message.text == *text {
            return done((), Vec::new());
        }
        // Mentions are the new text's, decided as for a new message by its author.
        let Some(author) = self.person(message.user_id)? else {
            return refused(RoomError::MessageNotFound);
        };
        let mut called = match self.called(&room, &author, text, online)? {
            Ok(called) => called,
            Err(err) => return refused(err),
        };
        if called.everyone == Some(Everyone::Here) && message.everyone == Some(Everyone::Here) {
            // Still the `@here` it was: it called the people online then.
            called.here = message.here.clone();
        }
        let now = self.tx.now_ms();
        let changed = self.tx.change_message(room_id, id, |record| {
            record.text = text.clone();
            record.edited = Some(now);
            record.mentions = called.mentions;
            record.everyone = called.everyone;
            record.here = called.here;
        })?;
        self.updated(&room, changed)
    }

    fn delete(&mut self, delete: &Delete) -> Result<Applied<()>, StoreError> {
        let Delete {
            ref by,
            room_id,
            id,
            from,
        } = *delete;
        let (room, message) = match self.live_message(by, room_id, id, Action::Read)? {
            Ok(found) => found,
            Err(err) => return refused(err),
        };
        let author = message.user_id;
        if let Err(err) = self.may_change(by, &room, Action::DeleteMessage { author })? {
            return refused(err);
        }
        if author != by.user_id {
            let name = match self.tx.user(author)? {
                Some(user) => user.username,
                None => format!("user {author}"),
            };
            let detail = format!("message {id} by {name}");
            self.audit(by, from, "message.delete", &room, detail)?;
        }
        let changed = self.tx.change_message(room_id, id, |record| {
            record.deleted = true;
            record.text = String::new();
            record.edited = None;
            record.mentions = Vec::new();
            record.everyone = None;
            record.here = Vec::new();
            record.reactions = Vec::new();
            record.files = Vec::new();
        })?;
        self.updated(&room, changed)
    }

    fn react(
        &mut self,
        by: &Actor,
        room_id: u64,
        id: u64,
        emoji: &str,
    ) -> Result<Applied<()>, StoreError> {
        let (room, message) = match self.live_message(by, room_id, id, Action::Post)? {
            Ok(found) => found,
            Err(err) => return refused(err),
        };
        let mut reactions = message.reactions;
        match reactions.iter().position(|r| r.emoji == emoji) {
            Some(at) => {
                let users = &mut reactions[at].users;
                match users.iter().position(|&u| u == by.user_id) {
                    Some(mine) => {
                        users.remove(mine);
                        if users.is_empty() {
                            reactions.remove(at);
                        }
                    }
                    None => users.push(by.user_id),
                }
            }
            None if reactions.len() >= REACTIONS_MAX => {
                return refused(RoomError::TooManyReactions);
            }
            None => reactions.push(Reaction {
                emoji: emoji.to_owned(),
                users: vec![by.user_id],
            }),
        }
        let changed = self
            .tx
            .change_message(room_id, id, |record| record.reactions = reactions)?;
        self.updated(&room, changed)
    }
}
