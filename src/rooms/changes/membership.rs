//! Memberships: joining by one's own choice, an owner adding or removing someone, leaving.
//! Whoever loses a room is cut off at once: the writer publishes the removal before anything
//! committed after it. The last owner to leave hands the room to its longest-standing member.

use super::{Applied, Batch, Effect, Outcome, done, refused};
use crate::rooms::access::{Action, authorize};
use crate::rooms::fanout::{Gone, SidebarEvent};
use crate::rooms::{RoomError, RoomRef};
use crate::store::{Kind, Membership, Role, RoomRecord, StoreError};

impl Batch<'_, '_> {
    pub(super) fn join(&mut self, user_id: u64, room: &RoomRef) -> Result<Applied, StoreError> {
        let found = match room {
            RoomRef::Id(id) => Some(*id),
            RoomRef::Name(name) => self.tx.room_id_by_name(name)?,
        };
        let (room_id, created) = match found {
            Some(id) => (id, false),
            None => {
                let RoomRef::Name(name) = room else {
                    return refused(RoomError::NotFound);
                };
                (self.new_room(user_id, Kind::Open, name, None)?, true)
            }
        };
        let Some(room) = self.room(room_id)? else {
            return refused(RoomError::NotFound);
        };
        let existing = self.membership(room.id, user_id)?;
        if let Err(denied) = authorize(room.kind, existing.as_ref(), Action::Join) {
            return refused(denied);
        }
        if existing.is_some() {
            let visible = self.visible(room.id, user_id)?;
            return done(Outcome::Room(visible), Vec::new());
        }
        let role = if created { Role::Owner } else { Role::Member };
        let effects = self.admit(room.id, user_id, role)?;
        let visible = self.visible(room.id, user_id)?;
        done(Outcome::Room(visible), effects)
    }

    /// A new named room (the name must be free) with no members yet.
    pub(super) fn new_room(
        &mut self,
        user_id: u64,
        kind: Kind,
        name: &str,
        topic: Option<&str>,
    ) -> Result<u64, StoreError> {
        let now = self.tx.now_ms();
        self.tx.create_room(RoomRecord {
            kind,
            name: Some(name.trim().to_owned()),
            topic: topic.map(str::to_owned),
            created_at: now,
            created_by: Some(user_id),
            seq: 0,
            last_id: 0,
            last_activity: now,
            members: 0,
            hidden: 0,
        })
    }

    /// Makes someone a member, and puts the room in their sidebar.
    pub(super) fn admit(
        &mut self,
        room_id: u64,
        user_id: u64,
        role: Role,
    ) -> Result<Vec<Effect>, StoreError> {
        let joined_at = self.tx.now_ms();
        self.put_membership(Membership {
            room_id,
            user_id,
            role,
            joined_at,
            hidden: false,
        })?;
        self.tx.update_room(room_id, |r| r.members += 1)?;
        let summary = self.summary(room_id, user_id)?;
        Ok(vec![Effect::Sidebar(user_id, SidebarEvent::Added(summary))])
    }

    pub(super) fn add_member(
        &mut self,
        by: u64,
        room_id: u64,
        username: &str,
    ) -> Result<Applied, StoreError> {
        if let Err(denied) = self.permitted(room_id, by, Action::Manage)? {
            return refused(denied);
        }
        let Some(user) = self.tx.user_by_name(username)?.filter(|u| !u.disabled) else {
            return refused(RoomError::UserNotFound);
        };
        if self.membership(room_id, user.id)?.is_some() {
            return done(Outcome::Done, Vec::new());
        }
        let effects = self.admit(room_id, user.id, Role::Member)?;
        done(Outcome::Done, effects)
    }

    pub(super) fn remove_member(
        &mut self,
        by: u64,
        room_id: u64,
        username: &str,
    ) -> Result<Applied, StoreError> {
        let target = self.tx.user_by_name(username)?;
        if target.as_ref().is_some_and(|user| user.id == by) {
            return self.leave(by, room_id);
        }
        if let Err(denied) = self.permitted(room_id, by, Action::Manage)? {
            return refused(denied);
        }
        let Some(target) = target else {
            return refused(RoomError::UserNotFound);
        };
        if self.membership(room_id, target.id)?.is_none() {
            return refused(RoomError::NotMember);
        }
        self.remove_membership(room_id, target.id)?;
        self.tx
            .update_room(room_id, |r| r.members = r.members.saturating_sub(1))?;
        done(Outcome::Done, gone(room_id, target.id, Gone::Removed))
    }

    fn leave(&mut self, user_id: u64, room_id: u64) -> Result<Applied, StoreError> {
        let (room, membership) = match self.permitted(room_id, user_id, Action::Leave)? {
            Ok((room, Some(membership))) => (room, membership),
            Ok((_, None)) => return refused(RoomError::NotMember),
            Err(denied) => return refused(denied),
        };
        // Nobody can be added to or removed from a direct room: leaving hides it.
        if room.kind == Kind::Direct {
            if !membership.hidden {
                self.put_membership(Membership {
                    hidden: true,
                    ..membership
                })?;
                self.tx.update_room(room_id, |r| r.hidden += 1)?;
            }
            let hidden = SidebarEvent::Removed {
                room_id,
                why: Gone::Hidden,
            };
            return done(Outcome::Done, vec![Effect::Sidebar(user_id, hidden)]);
        }
        self.remove_membership(room_id, user_id)?;
        self.tx
            .update_room(room_id, |r| r.members = r.members.saturating_sub(1))?;
        let mut effects = gone(room_id, user_id, Gone::Left);
        if membership.role == Role::Owner {
            effects.extend(self.hand_over(room_id)?);
        }
        done(Outcome::Done, effects)
    }

    /// A room whose last owner left passes to its longest-standing member.
    fn hand_over(&mut self, room_id: u64) -> Result<Vec<Effect>, StoreError> {
        let members = self.tx.memberships_of(room_id)?;
        if members.iter().any(|m| m.role == Role::Owner) {
            return Ok(Vec::new());
        }
        let Some(heir) = members.into_iter().next() else {
            return Ok(Vec::new());
        };
        let user_id = heir.user_id;
        self.put_membership(Membership {
            role: Role::Owner,
            ..heir
        })?;
        let summary = self.summary(room_id, user_id)?;
        Ok(vec![Effect::Sidebar(
            user_id,
            SidebarEvent::Changed(summary),
        )])
    }
}

/// What a room's loss publishes: the person's sockets stop following it, then it leaves their
/// sidebar.
fn gone(room_id: u64, user_id: u64, why: Gone) -> Vec<Effect> {
    vec![
        Effect::CutOff { room_id, user_id },
        Effect::Sidebar(user_id, SidebarEvent::Removed { room_id, why }),
    ]
}
