//! Notification levels: what calls a member back from a room (`store::Level`). Each member sets
//! their own, for rooms they are in; every socket of theirs hears the room again with its new
//! level, so every tab's controls agree.

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor};
use crate::events::Event;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::view::RoomSummary;
use crate::rooms::{RoomError, RoomRef, Visible};
use crate::store::{Level, Membership, StoreError};

/// A member chooses what calls them back from a room.
#[derive(Debug, Clone)]
pub struct SetLevel {
    pub actor: Actor,
    pub room: RoomRef,
    pub level: Level,
}

impl Change for SetLevel {
    type Reply = RoomSummary;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<RoomSummary>, StoreError> {
        let membership = match super::permitted(&mut *batch, &self.actor, &self.room, Action::Read)?
        {
            Ok(Visible {
                membership: Some(membership),
                ..
            }) => membership,
            Ok(_) => return refused(RoomError::NotMember),
            Err(denied) => return refused(denied),
        };
        let (room_id, user_id) = (membership.room_id, membership.user_id);
        if membership.notify != Some(self.level) {
            batch.put_membership(Membership {
                notify: Some(self.level),
                ..membership
            })?;
        }
        let summary = batch.summary(room_id, user_id)?;
        let event = SidebarEvent::Changed(summary.clone());
        done(summary, vec![Event::Sidebar { user_id, event }])
    }
}
