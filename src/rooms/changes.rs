//! Room changes and their rules: what each change checks ([`access::authorize`] on the room
//! and membership as this transaction sees them) and writes, and what it publishes once
//! committed. The writer applies a whole batch of changes in one transaction; a refused change
//! writes nothing and the others go on.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use super::access::{Action, Denied, authorize};
use super::fanout::SidebarEvent;
use super::view::{MessageView, RoomSummary};
use super::{RoomError, RoomRef, Visible};
use crate::store::{Kind, Membership, Role, Room, RoomRecord, StoreError, Tx};

/// A change to a room's state or history.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new message.
    Post(NewPost),
    /// Become a member by one's own choice: an open room by name or id (a free name creates an
    /// open room, its creator its owner), or find one's existing membership.
    Join { user_id: u64, room: RoomRef },
}

/// A message someone wants stored.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub room_id: u64,
    pub user_id: u64,
    /// The author's name, for the published message.
    pub author: Arc<str>,
    pub text: String,
    pub client_id: Option<String>,
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
}

/// What a committed change tells the live side.
#[derive(Debug, Clone)]
pub enum Effect {
    Message(MessageView),
    Sidebar(u64, SidebarEvent),
    CutOff { room_id: u64, user_id: u64 },
}

/// A change's outcome and effects, or why it was refused.
pub type Applied = Result<(Outcome, Vec<Effect>), RoomError>;

/// One transaction's changes, with rooms and memberships read once per batch.
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

    fn post(&mut self, post: &NewPost) -> Result<Applied, StoreError> {
        let room = match self.permitted(post.room_id, post.user_id, Action::Post)? {
            Ok((room, _)) => room,
            Err(denied) => return Ok(Err(denied.into())),
        };
        if let Some(client_id) = post.client_id.as_deref()
            && let Some(earlier) = self
                .tx
                .message_by_client_id(room.id, post.user_id, client_id)?
        {
            let view = MessageView::new(&room, earlier, &post.author);
            return Ok(Ok((Outcome::Duplicate(view), Vec::new())));
        }
        let stored =
            self.tx
                .append_message(room.id, post.user_id, &post.text, post.client_id.as_deref())?;
        let view = MessageView::new(&room, stored, &post.author);
        Ok(Ok((
            Outcome::Posted(view.clone()),
            vec![Effect::Message(view)],
        )))
    }

    fn join(&mut self, user_id: u64, room: &RoomRef) -> Result<Applied, StoreError> {
        let now = self.tx.now_ms();
        let found = match room {
            RoomRef::Id(id) => Some(*id),
            RoomRef::Name(name) => self.tx.room_id_by_name(name)?,
        };
        let (room, created) = match found {
            Some(id) => match self.room(id)? {
                Some(room) => (room, false),
                None => return Ok(Err(RoomError::NotFound)),
            },
            None => {
                let RoomRef::Name(name) = room else {
                    return Ok(Err(RoomError::NotFound));
                };
                let record = RoomRecord {
                    kind: Kind::Open,
                    name: Some(name.trim().to_owned()),
                    topic: None,
                    created_at: now,
                    created_by: Some(user_id),
                    seq: 0,
                    last_id: 0,
                    last_activity: now,
                    members: 0,
                    hidden: 0,
                };
                let id = self.tx.create_room(record.clone())?;
                (Room::from_record(id, &record), true)
            }
        };
        let existing = self.membership(room.id, user_id)?;
        if let Err(denied) = authorize(room.kind, existing.as_ref(), Action::Join) {
            return Ok(Err(denied.into()));
        }
        if let Some(membership) = existing {
            let visible = Visible {
                room,
                membership: Some(membership),
            };
            return Ok(Ok((Outcome::Room(visible), Vec::new())));
        }
        let membership = Membership {
            room_id: room.id,
            user_id,
            role: if created { Role::Owner } else { Role::Member },
            joined_at: now,
            hidden: false,
        };
        self.put_membership(membership.clone())?;
        self.tx.update_room(room.id, |r| r.members += 1)?;
        let room = self.room(room.id)?.ok_or(StoreError::NotFound)?;
        let summary = RoomSummary::new(&room, Some(&membership), Vec::new());
        let effects = vec![Effect::Sidebar(user_id, SidebarEvent::Added(summary))];
        let visible = Visible {
            room,
            membership: Some(membership),
        };
        Ok(Ok((Outcome::Room(visible), effects)))
    }
}
