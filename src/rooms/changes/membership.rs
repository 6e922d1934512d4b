//! Memberships: joining by one's own choice, an owner adding or removing someone, leaving.
//! Whoever loses a room is cut off at once: the writer publishes the removal before anything
//! committed after it. The last owner to leave hands the room to its longest-standing member.

use std::net::IpAddr;

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor, Denied, authorize, may_create_room};
use crate::events::Event;
use crate::rooms::sidebar::{Gone, SidebarEvent};
use crate::rooms::{RoomError, RoomRef, Visible};
use crate::store::{Kind, Membership, Role, RoomRecord, StoreError};

/// Become a member by one's own choice: an open room by name or id (a free name creates an
/// open room, its creator its owner), or find one's existing membership. Answers the room as
/// its new member may see it.
#[derive(Debug, Clone)]
pub struct Join {
    pub actor: Actor,
    pub room: RoomRef,
}

/// An owner adds someone by username.
#[derive(Debug, Clone)]
pub struct AddMember {
    pub by: Actor,
    pub room_id: u64,
    pub username: String,
}

/// An owner removes someone, or someone leaves (`username` their own): a direct room is
/// hidden instead, until its next message.
#[derive(Debug, Clone)]
pub struct RemoveMember {
    pub by: Actor,
    pub room_id: u64,
    pub username: String,
    /// Where the request came from, for the audit log.
    pub from: Option<IpAddr>,
}

impl Change for Join {
    type Reply = Visible;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Visible>, StoreError> {
        batch.join(&self.actor, &self.room)
    }
}

impl Change for AddMember {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.add_member(&self.by, self.room_id, &self.username)
    }
}

impl Change for RemoveMember {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.remove_member(self)
    }
}

impl Batch<'_, '_> {
    fn join(&mut self, actor: &Actor, room: &RoomRef) -> Result<Applied<Visible>, StoreError> {
        let user_id = actor.user_id;
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
                if let Err(denied) = self.may_create(actor)? {
                    return refused(denied);
                }
                (self.new_room(user_id, Kind::Open, name, None)?, true)
            }
        };
        let Some(room) = self.room(room_id)? else {
            return refused(RoomError::NotFound);
        };
        let existing = self.membership(room.id, user_id)?;
        if let Err(denied) = authorize(actor, &room, existing.as_ref(), Action::Join) {
            return refused(denied);
        }
        if existing.is_some() {
            let visible = self.visible(room.id, user_id)?;
            return done(visible, Vec::new());
        }
        let role = if created { Role::Owner } else { Role::Member };
        let events = self.admit(room.id, user_id, role)?;
        let visible = self.visible(room.id, user_id)?;
        done(visible, events)
    }

    /// Whether `actor` may make a room, as this transaction sees the server's setting.
    pub(super) fn may_create(&mut self, actor: &Actor) -> Result<Result<(), Denied>, StoreError> {
        let who = self.tx.settings()?.room_creation;
        Ok(may_create_room(actor, who))
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
            archived_at: None,
            deleted_at: None,
        })
    }

    /// Makes someone a member, and puts the room in their sidebar.
    pub(super) fn admit(
        &mut self,
        room_id: u64,
        user_id: u64,
        role: Role,
    ) -> Result<Vec<Event>, StoreError> {
        let joined_at = self.tx.now_ms();
        self.put_membership(Membership {
            room_id,
            user_id,
            role,
            joined_at,
            hidden: false,
            notify: None,
        })?;
        self.tx.update_room(room_id, |r| r.members += 1)?;
        let summary = self.summary(room_id, user_id)?;
        let event = SidebarEvent::Added(summary);
        Ok(vec![Event::Sidebar { user_id, event }])
    }

    fn add_member(
        &mut self,
        by: &Actor,
        room_id: u64,
        username: &str,
    ) -> Result<Applied<()>, StoreError> {
        if let Err(denied) = self.permitted(room_id, by, Action::Manage)? {
            return refused(denied);
        }
        let Some(user) = self.tx.user_by_name(username)?.filter(|u| !u.disabled) else {
            return refused(RoomError::UserNotFound);
        };
        if self.membership(room_id, user.id)?.is_some() {
            return done((), Vec::new());
        }
        let events = self.admit(room_id, user.id, Role::Member)?;
        done((), events)
    }

    fn remove_member(&mut self, remove: &RemoveMember) -> Result<Applied<()>, StoreError> {
        let RemoveMember {
            ref by,
            room_id,
            ref username,
            from,
        } = *remove;
        let target = self.tx.user_by_name(username)?;
        if target.as_ref().is_some_and(|user| user.id == by.user_id) {
            return self.leave(by, room_id);
        }
        let room = match self.permitted(room_id, by, Action::Remove)? {
            Ok(Visible { room, .. }) => room,
            Err(denied) => return refused(denied),
        };
        let Some(target) = target else {
            return refused(RoomError::UserNotFound);
        };
        if self.membership(room_id, target.id)?.is_none() {
            return refused(RoomError::NotMember);
        }
        self.remove_membership(room_id, target.id)?;
        self.tx
            .update_room(room_id, |r| r.members = r.members.saturating_sub(1))?;
        let detail = format!("removed {}", target.username);
        self.audit(by, from, "room.remove_member", &room, detail)?;
        done((), gone(room_id, target.id, Gone::Removed))
    }

    fn leave(&mut self, actor: &Actor, room_id: u64) -> Result<Applied<()>, StoreError> {
        let user_id = actor.user_id;
        let (room, membership) = match self.permitted(room_id, actor, Action::Leave)? {
            Ok(Visible {
                room,
                membership: Some(membership),
            }) => (room, membership),
            Ok(_) => return refused(RoomError::NotMember),
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
            let event = SidebarEvent::Removed {
                room_id,
                why: Gone::Hidden,
            };
            return done((), vec![Event::Sidebar { user_id, event }]);
        }
        self.remove_membership(room_id, user_id)?;
        self.tx
            .update_room(room_id, |r| r.members = r.members.saturating_sub(1))?;
        let mut events = gone(room_id, user_id, Gone::Left);
        if membership.role == Role::Owner {
            events.extend(self.hand_over(room_id)?);
        }
        done((), events)
    }

    /// A room whose last owner left passes to its longest-standing member.
    fn hand_over(&mut self, room_id: u64) -> Result<Vec<Event>, StoreError> {
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
        let event = SidebarEvent::Changed(self.summary(room_id, user_id)?);
        Ok(vec![Event::Sidebar { user_id, event }])
    }
}

/// What a room's loss publishes: the person's sockets stop following it, then it leaves their
/// sidebar.
fn gone(room_id: u64, user_id: u64, why: Gone) -> Vec<Event> {
    let event = SidebarEvent::Removed { room_id, why };
    vec![
        Event::CutOff { room_id, user_id },
        Event::Sidebar { user_id, event },
    ]
}
