//! Whom a message calls, decided when it is stored: each `@name` that names a person who may
//! read the room (a name inside code does not count, see `format`), `@here` (the members
//! online now) and `@room` (every member; in a room of more than [`EVERYONE_LIMIT`] members,
//! only its owners may call it).

use super::Batch;
use crate::format::mentioned;
use crate::rooms::RoomError;
use crate::rooms::access::{Action, authorize};
use crate::store::{Everyone, Role, Room, StoreError};

/// Members past which only owners may call `@room`.
pub const EVERYONE_LIMIT: u32 = 50;
/// Distinct names one message may call; later ones are left as text.
const NAMES_MAX: usize = 50;

/// Whom a message calls.
#[derive(Debug, Default)]
pub(super) struct Called {
    pub mentions: Vec<u64>,
    pub everyone: Option<Everyone>,
    /// With `@here`: the online members it reaches.
    pub here: Vec<u64>,
}

impl Batch<'_, '_> {
    /// Whom `text`, by `author` in `room`, calls. `online` is who is online in the room now.
    pub(super) fn called(
        &mut self,
        room: &Room,
        author: u64,
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
                    if authorize(room.kind, membership.as_ref(), Action::Read).is_ok()
                        && !called.mentions.contains(&user.id)
                    {
                        called.mentions.push(user.id);
                    }
                }
            }
        }
        if called.everyone == Some(Everyone::Room) && room.members > EVERYONE_LIMIT {
            let role = self.membership(room.id, author)?.map(|m| m.role);
            if role != Some(Role::Owner) {
                return Ok(Err(RoomError::NotAllowed(
                    "Only the room's owners can call @room in a room of more than 50 members.",
                )));
            }
        }
        if called.everyone == Some(Everyone::Here) {
            called.here = online.iter().copied().filter(|&u| u != author).collect();
        }
        Ok(Ok(called))
    }
}
