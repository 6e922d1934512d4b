//! Room changes and their rules: what each change checks ([`authorize`] on the room and
//! membership as this transaction sees them) and writes, and what it publishes once committed.
//! The writer applies a whole batch of changes in one transaction; a refused change writes
//! nothing and the others go on. One file per group of changes:
//!
//! - `messages`: posting, with replies and mentions;
//! - `edits`: editing, deleting and reacting to a message;
//! - `reading`: moving a read position;
//! - `membership`: joining, adding, removing, leaving (and hiding a direct room);
//! - `settings`: creating a room, renaming it, its topic and kind;
//! - `invites`: making, revoking and accepting invite links;
//! - `direct`: opening the direct room of a set of people.

mod direct;
pub use direct::DIRECT_SIZE_RULE;
mod edits;
mod invites;
mod membership;
mod mentions;
mod messages;
mod reading;
mod settings;

pub use mentions::EVERYONE_LIMIT;
pub use reading::ReadMove;

pub use invites::usable;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::access::{Action, Denied, authorize};
use super::fanout::SidebarEvent;
use super::view::{MessageView, RoomPerson, RoomSummary};
use super::{RoomError, RoomRef, Visible};
use crate::store::{InviteKey, Kind, Membership, Room, StoreError, Tx, Unread};

/// A change to a room's state or history.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new message.
    Post(NewPost),
    /// Become a member by one's own choice: an open room by name or id (a free name creates an
    /// open room, its creator its owner), or find one's existing membership.
    Join { user_id: u64, room: RoomRef },
    /// A new open or private room, with its creator as owner.
    Create {
        user_id: u64,
        kind: Kind,
        name: String,
        topic: Option<String>,
    },
    /// An owner adds someone by username.
    AddMember {
        by: u64,
        room_id: u64,
        username: String,
    },
    /// An owner removes someone, or someone leaves (`username` their own): a direct room is
    /// hidden instead, until its next message.
    RemoveMember {
        by: u64,
        room_id: u64,
        username: String,
    },
    /// An owner renames a room, changes its topic (`Some(None)` clears it) or its kind.
    Update {
        by: u64,
        room_id: u64,
        name: Option<String>,
        topic: Option<Option<String>>,
        kind: Option<Kind>,
    },
    /// An owner makes an invite link; `key` is the hash of its code.
    CreateInvite {
        by: u64,
        room_id: u64,
        key: InviteKey,
        expires_at: Option<u64>,
        max_uses: Option<u32>,
    },
    /// An owner revokes an invite link by its public id.
    RevokeInvite {
        by: u64,
        room_id: u64,
        invite_id: String,
    },
    /// Someone follows an invite link.
    AcceptInvite { user_id: u64, key: InviteKey },
    /// The direct room of `by` and these people: found, or made.
    OpenDirect { by: u64, usernames: Vec<String> },
    /// Someone changes the text of a message (theirs, or any in a private room they own).
    Edit {
        by: u64,
        room_id: u64,
        id: u64,
        text: String,
        /// Who is online in the room, for an `@here` the new text adds.
        online: Vec<u64>,
    },
    /// Someone deletes a message (theirs, or any in a private room they own).
    Delete { by: u64, room_id: u64, id: u64 },
    /// Someone adds their reaction with this emoji, or takes it back.
    React {
        by: u64,
        room_id: u64,
        id: u64,
        emoji: String,
    },
    /// Someone's read position in a room moves.
    Read {
        user_id: u64,
        room_id: u64,
        id: u64,
        how: ReadMove,
    },
}

/// A message someone wants stored.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub room_id: u64,
    pub user_id: u64,
    pub text: String,
    pub client_id: Option<String>,
    /// The message of the same room this one answers.
    pub reply_to: Option<u64>,
    /// Who is online in the room, when the text calls `@here`.
    pub online: Vec<u64>,
}

/// What an applied change answers its caller.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Newly stored (its publication is the sender's acknowledgement).
    Posted(MessageView),
    /// The `client_id` was used before by this author in this room: the earlier message.
    Duplicate(MessageView),
    /// The room the change was about, as its caller may now see it.
    Room(Visible),
    /// Where someone's read position now is, and what is left unread.
    Read(Unread),
    /// A new invite link's public id and limits (the code itself only its maker knows).
    Invite {
        id: String,
        expires_at: Option<u64>,
        max_uses: Option<u32>,
    },
    Done,
}

/// What a committed change tells the live side.
#[derive(Debug, Clone)]
pub enum Effect {
    Message(MessageView),
    /// A message edited, deleted or reacted to, in its new state.
    Update(MessageView),
    /// Someone's read position in a room moved: for every socket of theirs.
    Read {
        user_id: u64,
        room_id: u64,
        unread: Unread,
    },
    Sidebar(u64, SidebarEvent),
    CutOff {
        room_id: u64,
        user_id: u64,
    },
}

/// A change's outcome and effects, or why it was refused.
pub type Applied = Result<(Outcome, Vec<Effect>), RoomError>;

fn refused(err: impl Into<RoomError>) -> Result<Applied, StoreError> {
    Ok(Err(err.into()))
}

fn done(outcome: Outcome, effects: Vec<Effect>) -> Result<Applied, StoreError> {
    Ok(Ok((outcome, effects)))
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

    /// Applies one change. `Err` is a storage failure, which fails the whole transaction; a
    /// refusal is an `Ok(Err(…))` that wrote nothing.
    pub fn apply(&mut self, change: &Change) -> Result<Applied, StoreError> {
        match change {
            Change::Post(post) => self.post(post),
            Change::Join { user_id, room } => self.join(*user_id, room),
            Change::Create {
                user_id,
                kind,
                name,
                topic,
            } => self.create(*user_id, *kind, name, topic.as_deref()),
            Change::AddMember {
                by,
                room_id,
                username,
            } => self.add_member(*by, *room_id, username),
            Change::RemoveMember {
                by,
                room_id,
                username,
            } => self.remove_member(*by, *room_id, username),
            Change::Update {
                by,
                room_id,
                name,
                topic,
                kind,
            } => self.update(*by, *room_id, name.as_deref(), topic.as_ref(), *kind),
            Change::CreateInvite {
                by,
                room_id,
                key,
                expires_at,
                max_uses,
            } => self.create_invite(*by, *room_id, *key, *expires_at, *max_uses),
            Change::RevokeInvite {
                by,
                room_id,
                invite_id,
            } => self.revoke_invite(*by, *room_id, invite_id),
            Change::AcceptInvite { user_id, key } => self.accept_invite(*user_id, *key),
            Change::OpenDirect { by, usernames } => self.open_direct(*by, usernames),
            Change::Edit {
                by,
                room_id,
                id,
                text,
                online,
            } => self.edit(*by, *room_id, *id, text, online),
            Change::Delete { by, room_id, id } => self.delete(*by, *room_id, *id),
            Change::React {
                by,
                room_id,
                id,
                emoji,
            } => self.react(*by, *room_id, *id, emoji),
            Change::Read {
                user_id,
                room_id,
                id,
                how,
            } => self.read(*user_id, *room_id, *id, *how),
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

    /// The room and the person's membership, if they may do `action` there.
    fn permitted(
        &mut self,
        room_id: u64,
        user_id: u64,
        action: Action,
    ) -> Result<Result<(Room, Option<Membership>), Denied>, StoreError> {
        let Some(room) = self.room(room_id)? else {
            return Ok(Err(Denied::Hidden));
        };
        let membership = self.membership(room_id, user_id)?;
        Ok(authorize(room.kind, membership.as_ref(), action).map(|()| (room, membership)))
    }

    /// A direct room's people, sorted; empty for other rooms.
    fn people(&mut self, room: &Room) -> Result<Vec<RoomPerson>, StoreError> {
        if room.kind != Kind::Direct {
            return Ok(Vec::new());
        }
        let mut users = Vec::new();
        for membership in self.tx.memberships_of(room.id)? {
            users.extend(self.tx.user(membership.user_id)?);
        }
        Ok(RoomPerson::sorted(users))
    }

    /// The room as someone's sidebar shows it, as this transaction sees it now.
    fn summary(&mut self, room_id: u64, user_id: u64) -> Result<RoomSummary, StoreError> {
        let room = self.room(room_id)?.ok_or(StoreError::NotFound)?;
        let membership = self.membership(room_id, user_id)?;
        let people = self.people(&room)?;
        let unread = self.tx.unread(user_id, room_id)?;
        Ok(RoomSummary::new(&room, membership.as_ref(), people).with_unread(unread))
    }

    /// The room and membership of someone who may now see it, for an [`Outcome::Room`].
    fn visible(&mut self, room_id: u64, user_id: u64) -> Result<Visible, StoreError> {
        let room = self.room(room_id)?.ok_or(StoreError::NotFound)?;
        let membership = self.membership(room_id, user_id)?;
        Ok(Visible { room, membership })
    }
}
