//! Room changes and their rules: one type per change ([`Change`]), saying what it checks
//! ([`authorize`](crate::access::authorize) on the room and membership as this transaction sees them) and writes, what
//! its caller hears back, and what it publishes once committed. The writer applies a whole
//! batch of changes in one transaction; a refused change writes nothing and the others go on.
//! One file per group of changes:
//!
//! - `messages`: posting, with replies and mentions;
//! - `edits`: editing, deleting and reacting to a message;
//! - `reading`: moving a read position;
//! - `membership`: joining, adding, removing, leaving (and hiding a direct room);
//! - `settings`: creating a room, renaming it, its topic and kind;
//! - `invites`: making, revoking and accepting invite links;
//! - `direct`: opening the direct room of a set of people;
//! - `uploads`: keeping an uploaded file, and sweeping away those no message holds;
//! - `archive`: an admin archiving or deleting a room, and erasing a deleted room's history.

mod archive;
mod direct;
pub use direct::{DIRECT_MAX, DIRECT_MIN, DIRECT_SIZE_RULE};
mod edits;
mod invites;
mod membership;
mod mentions;
mod notifications;
pub use mentions::NAMES_MAX;
mod messages;
mod reading;
mod settings;
mod uploads;

pub use archive::{ArchiveRoom, DeleteRoom, PURGE_CHUNK, PurgeRoom};
pub use direct::{OpenDirect, StartDirect};
pub use edits::{Delete, Edit, REACTIONS_MAX, React};
pub use invites::{AcceptInvite, CreateInvite, InviteMade, RevokeInvite, usable};
pub use membership::{AddMember, Join, RemoveMember};
pub use messages::{NewPost, Posted};
pub use notifications::SetLevel;
pub use reading::{MoveRead, ReadMove};
pub use settings::{CreateRoom, UpdateRoom};
pub use uploads::{KeepUpload, SweepUploads};

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;

use super::view::RoomSummary;
use super::{RoomError, RoomRef, RoomSource, Visible, permitted};
use crate::access::{Action, Actor, Denied};
use crate::events::Event;
use crate::people::Person;
use crate::store::{AuditEntry, Kind, Membership, Room, StoreError, Tx};

/// A change the writer applies in its batch transaction: what it checks (with [`permitted`],
/// on the room and membership as this transaction sees them) and writes, what its caller hears
/// back once it is committed, and what it publishes on the event stream.
pub trait Change: Send + 'static {
    /// What the caller hears back once the change is committed.
    type Reply: Send + 'static;

    /// Applies the change. `Err` is a storage failure, which fails the whole transaction; a
    /// refusal is an `Ok(Err(…))` that wrote nothing.
    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Self::Reply>, StoreError>;
}

/// A change's reply and the events it publishes once committed, or why it was refused.
pub type Applied<R> = Result<(R, Vec<Event>), RoomError>;

fn refused<R>(err: impl Into<RoomError>) -> Result<Applied<R>, StoreError> {
    Ok(Err(err.into()))
}

fn done<R>(reply: R, events: Vec<Event>) -> Result<Applied<R>, StoreError> {
    Ok(Ok((reply, events)))
}

impl RoomSource for &mut Batch<'_, '_> {
    fn room(&mut self, room: &RoomRef) -> Result<Option<Room>, StoreError> {
        let id = match room {
            RoomRef::Id(id) => *id,
            RoomRef::Name(name) => match self.tx.room_id_by_name(name)? {
                Some(id) => id,
                None => return Ok(None),
            },
        };
        Batch::room(self, id)
    }

    fn membership(&mut self, room_id: u64, user_id: u64) -> Result<Option<Membership>, StoreError> {
        Batch::membership(self, room_id, user_id)
    }
}

/// One transaction's changes, with memberships read once per batch.
pub struct Batch<'a, 't> {
    tx: &'a mut Tx<'t>,
    members: HashMap<(u64, u64), Option<Membership>>,
}

impl<'a, 't> Batch<'a, 't> {
    pub fn new(tx: &'a mut Tx<'t>) -> Self {
        Batch {
            tx,
            members: HashMap::new(),
        }
    }

    fn room(&mut self, id: u64) -> Result<Option<Room>, StoreError> {
        Ok(self
            .tx
            .room(id)?
            .map(|record| Room::from_record(id, &record)))
    }

    fn membership(&mut self, room_id: u64, user_id: u64) -> Result<Option<Membership>, StoreError> {
        match self.members.entry((room_id, user_id)) {
            Entry::Occupied(entry) => Ok(entry.get().clone()),
            Entry::Vacant(entry) => Ok(entry.insert(self.tx.membership(room_id, user_id)?).clone()),
        }
    }

    fn put_membership(&mut self, membership: Membership) -> Result<(), StoreError> {
        self.tx.put_membership(&membership)?;
        self.members
            .insert((membership.room_id, membership.user_id), Some(membership));
        Ok(())
    }

    fn remove_membership(&mut self, room_id: u64, user_id: u64) -> Result<(), StoreError> {
        self.tx.remove_membership(room_id, user_id)?;
        self.members.insert((room_id, user_id), None);
        Ok(())
    }

    /// Writes what someone did to other people's words or membership (a moderator's deletion,
    /// a removal) into the audit log, with the change itself.
    fn audit(
        &mut self,
        by: &Actor,
        from: Option<IpAddr>,
        action: &str,
        room: &Room,
        detail: String,
    ) -> Result<(), StoreError> {
        let name = match self.tx.user(by.user_id)? {
            Some(user) => user.username,
            None => format!("user {}", by.user_id),
        };
        let target = match &room.name {
            Some(name) => name.clone(),
            None => format!("direct room {}", room.id),
        };
        let at = self.tx.now_ms();
        let entry =
            AuditEntry::by_person(at, (by.user_id, &name), from, action, &target, Some(detail));
        self.tx.audit(&entry)?;
        Ok(())
    }

    /// The room and the actor's membership, if they may do `action` there, as this
    /// transaction sees them ([`permitted`]).
    fn permitted(
        &mut self,
        room_id: u64,
        actor: &Actor,
        action: Action,
    ) -> Result<Result<Visible, Denied>, StoreError> {
        permitted(self, actor, &RoomRef::Id(room_id), action)
    }

    /// Someone as they act in person, for what they may do in a room: changes publish it to
    /// their sockets (their sidebar), and `@room` is decided by its author's standing.
    fn person(&mut self, user_id: u64) -> Result<Option<Actor>, StoreError> {
        Ok(self.tx.user(user_id)?.map(|user| Actor::signed_in(&user)))
    }

    /// A direct room's people, sorted; empty for other rooms.
    fn people(&mut self, room: &Room) -> Result<Vec<Person>, StoreError> {
        if room.kind != Kind::Direct {
            return Ok(Vec::new());
        }
        let mut users = Vec::new();
        for membership in self.tx.memberships_of(room.id)? {
            users.extend(self.tx.user(membership.user_id)?);
        }
        Ok(Person::sorted(users))
    }

    /// The room as someone's sidebar shows it, as this transaction sees it now.
    fn summary(&mut self, room_id: u64, user_id: u64) -> Result<RoomSummary, StoreError> {
        let room = self.room(room_id)?.ok_or(StoreError::NotFound)?;
        let actor = self.person(user_id)?.ok_or(StoreError::NotFound)?;
        let membership = self.membership(room_id, user_id)?;
        let people = self.people(&room)?;
        let unread = self.tx.unread(user_id, room_id)?;
        let summary = RoomSummary::new(&actor, &room, membership.as_ref(), people);
        Ok(summary.with_unread(unread))
    }

    /// The room and membership of someone who may now see it, for a change's reply.
    fn visible(&mut self, room_id: u64, user_id: u64) -> Result<Visible, StoreError> {
        let room = self.room(room_id)?.ok_or(StoreError::NotFound)?;
        let membership = self.membership(room_id, user_id)?;
        Ok(Visible { room, membership })
    }
}
