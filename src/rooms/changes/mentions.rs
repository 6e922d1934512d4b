//! Whom a message calls, decided when it is stored: each `@name` that names a person who may
//! read the room (a name inside code does not count, see `format`), `@here` (the members
//! online now) and `@room` (every member), each as [`authorize`] allows its author.

use super::Batch;
use crate::access::{Action, Actor, Denied, authorize};
use crate::format::mentioned;
use crate::rooms::RoomError;
use crate::store::{Everyone, Room, StoreError};

/// Distinct names one message may call; later ones are left as text.
pub const NAMES_MAX: usize = 50;

/// Whom a message calls.
#[derive(Debug, Default)]
pub(super) struct Called {
    pub mentions: Vec<u64>,
    pub everyone: Option<Everyone>,
    /// With `@here`: the online members it reaches.
    pub here: Vec<u64>,
}

impl Batch<'_, '_> {
    /// Whom `text` in `room` calls, as a message by `author` (also when a moderator edits it:
    /// calling everyone is the author's to do). `online` is who is online in the room now.
    pub(super) fn called(
        &mut self,
        room: &Room,
        author: &Actor,
        text: &str,
        online: &[u64],
    ) -> Result<Result<Called, RoomError>, StoreError> {
        let mut called = Called::default();
        if !text.contains('@') {
            return Ok(Ok(called));
        }
        for name in mentioned(text) {
            match name.as_str() {
                "room" => called.everyone = Some(Everyone::Room),
                "here" => {
                    called.everyone.get_or_insert(Everyone::Here);
                }
                _ if called.mentions.len() >= NAMES_MAX => {}
                _ => {
                    let Some(user) = self.tx.user_by_name(&name)? else {
                        continue;
                    };
                    let membership = self.membership(room.id, user.id)?;
                    let reader = Actor::signed_in(&user);
                    if authorize(&reader, room, membership.as_ref(), Action::Read).is_ok()
                        && !called.mentions.contains(&user.id)
                    {
                        called.mentions.push(user.id);
                    }
                }
            }
        }
        if let Some(everyone) = called.everyone {
            let membership = self.membership(room.id, author.user_id)?;
            let call = Action::Call(everyone);
            match authorize(author, room, membership.as_ref(), call) {
                Ok(()) => {}
                Err(Denied::TooManyToCall) => return Ok(Err(Denied::TooManyToCall.into())),
                // The author of a message being edited has left the room since.
                Err(_) => {
                    return Ok(Err(RoomError::NotAllowed(
                        "Only someone who may post here can call everyone in it.",
                    )));
                }
            }
        }
        if called.everyone == Some(Everyone::Here) {
            let author = author.user_id;
            called.here = online.iter().copied().filter(|&u| u != author).collect();
        }
        Ok(Ok(called))
    }
}
