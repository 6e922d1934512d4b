//! Direct rooms: one per exact set of 2–8 people, made the first time any of them opens it,
//! found again whoever opens it and in whatever order. Whoever [`may_contact`] does not let the
//! opener reach (a block either way, "only friends") refuses a new one, and the refusal says
//! why.

use super::{Applied, Batch, Change, NewPost, Posted, done, refused};
use crate::access::{Actor, Contact, may_contact};
use crate::events::Event;
use crate::people::ties_in;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::{RoomError, Visible};
use crate::store::{Kind, Membership, Role, RoomRecord, StoreError, User, direct_key};

/// People in a direct room, the opener included.
pub const DIRECT_MIN: usize = 2;
pub const DIRECT_MAX: usize = 8;
/// What a direct room of too few or too many people is told.
pub const DIRECT_SIZE_RULE: &str = "A conversation has 2 to 8 people, you included.";

/// The direct room of `by` and these people: found, or made. Answers the room as `by` sees it.
#[derive(Debug, Clone)]
pub struct OpenDirect {
    pub by: Actor,
    pub usernames: Vec<String>,
}

/// The first message to these people: their direct room is made with it, in one transaction
/// (or found, when it exists), so a conversation started this way is never made empty.
/// Answers the room as the author sees it, and the message. The message replies to nothing and
/// calls no one online, so once its room may be made, nothing can refuse it.
#[derive(Debug, Clone)]
pub struct StartDirect {
    pub usernames: Vec<String>,
    /// Its author.
    pub actor: Actor,
    pub text: String,
    pub client_id: Option<String>,
}

/// A direct room as [`Batch::direct_room`] found it.
enum Direct {
    /// It existed.
    Found(u64),
    /// It was made now; its people hear of it once it is complete ([`Batch::welcome`]).
    Made(u64),
}

impl Change for OpenDirect {
    type Reply = Visible;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Visible>, StoreError> {
        let by = self.by.user_id;
        let (room_id, events) = match batch.direct_room(by, &self.usernames)? {
            Ok(Direct::Made(room_id)) => (room_id, batch.welcome(room_id)?),
            Ok(Direct::Found(room_id)) => (room_id, batch.reopen_direct(room_id, by)?),
            Err(refusal) => return refused(refusal),
        };
        done(batch.visible(room_id, by)?, events)
    }
}

impl Change for StartDirect {
    type Reply = (Visible, Posted);

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<(Visible, Posted)>, StoreError> {
        let by = self.actor.user_id;
        // A room that exists takes the message as any message: posting brings it back to
        // the sidebars it was hidden from, and refuses it across a block.
        let direct = match batch.direct_room(by, &self.usernames)? {
            Ok(direct) => direct,
            Err(refusal) => return refused(refusal),
        };
        let room_id = match direct {
            Direct::Found(room_id) | Direct::Made(room_id) => room_id,
        };
        let post = NewPost {
            room_id,
            actor: self.actor,
            text: self.text.clone(),
            client_id: self.client_id.clone(),
            reply_to: None,
            online: Vec::new(),
            files: Vec::new(),
        };
        let (posted, mut events) = match post.apply(batch)? {
            Ok(posted) => posted,
            Err(refusal) => return refused(refusal),
        };
        if let Direct::Made(room_id) = direct {
            // Its people hear of the room with its first message in it (counted unread).
            let mut welcome = batch.welcome(room_id)?;
            welcome.append(&mut events);
            events = welcome;
        }
        done((batch.visible(room_id, by)?, posted), events)
    }
}

impl Batch<'_, '_> {
    /// The direct room of `by` and the people `usernames` name, made if there is none (and
    /// whoever [`may_contact`] says may not be reached refuses that).
    fn direct_room(
        &mut self,
        by: u64,
        usernames: &[String],
    ) -> Result<Result<Direct, RoomError>, StoreError> {
        let mut people: Vec<User> = Vec::new();
        for name in usernames {
            let Some(user) = self.tx.user_by_name(name)?.filter(|u| !u.disabled) else {
                return Ok(Err(RoomError::UserNotFound));
            };
            if user.id != by && !people.iter().any(|p| p.id == user.id) {
                people.push(user);
            }
        }
        let total = people.len() + 1;
        if !(DIRECT_MIN..=DIRECT_MAX).contains(&total) {
            return Ok(Err(RoomError::InvalidDirect(DIRECT_SIZE_RULE)));
        }
        let mut ids: Vec<u64> = people.iter().map(|p| p.id).collect();
        ids.push(by);
        let key = direct_key(&ids);
        if let Some(room_id) = self.tx.direct_room(&key)? {
            return Ok(Ok(Direct::Found(room_id)));
        }
        for person in &people {
            let conversation = Contact::Conversation;
            if let Err(no) = may_contact(&ties_in(self.tx, by, person)?, conversation) {
                let why = no.sentence(&person.username, conversation);
                return Ok(Err(RoomError::DmRefused(why)));
            }
        }
        let now = self.tx.now_ms();
        let room_id = self.tx.create_room(RoomRecord {
            kind: Kind::Direct,
            name: None,
            topic: None,
            created_at: now,
            created_by: Some(by),
            seq: 0,
            last_id: 0,
            last_activity: now,
            members: ids.len() as u32,
            hidden: 0,
            archived_at: None,
            deleted_at: None,
        })?;
        self.tx.set_direct_room(&key, room_id)?;
        for &user_id in &ids {
            self.put_membership(Membership {
                room_id,
                user_id,
                role: Role::Member,
                joined_at: now,
                hidden: false,
                notify: None,
            })?;
        }
        Ok(Ok(Direct::Made(room_id)))
    }

    /// A new direct room comes into the sidebar of each of its people.
    fn welcome(&mut self, room_id: u64) -> Result<Vec<Event>, StoreError> {
        let mut events = Vec::new();
        for membership in self.tx.memberships_of(room_id)? {
            let user_id = membership.user_id;
            let event = SidebarEvent::Added(self.summary(room_id, user_id)?);
            events.push(Event::Sidebar { user_id, event });
        }
        Ok(events)
    }

    /// An existing direct room, shown again to the opener if they had hidden it.
    fn reopen_direct(&mut self, room_id: u64, by: u64) -> Result<Vec<Event>, StoreError> {
        let mut events = Vec::new();
        if let Some(membership) = self.membership(room_id, by)?
            && membership.hidden
        {
            self.put_membership(Membership {
                hidden: false,
                ..membership
            })?;
            self.tx
                .update_room(room_id, |r| r.hidden = r.hidden.saturating_sub(1))?;
            let event = SidebarEvent::Added(self.summary(room_id, by)?);
            events.push(Event::Sidebar { user_id: by, event });
        }
        Ok(events)
    }
}
