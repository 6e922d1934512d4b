//! Direct rooms: one per exact set of 2–8 people, made the first time any of them opens it,
//! found again whoever opens it and in whatever order. Whoever [`may_contact`] does not let the
//! opener reach (a block either way, "only friends") refuses a new one, and the refusal says
//! why.

use super::{Applied, Batch, Change, done, refused};
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

impl Change for OpenDirect {
    type Reply = Visible;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Visible>, StoreError> {
        batch.open_direct(self.by.user_id, &self.usernames)
    }
}

impl Batch<'_, '_> {
    fn open_direct(
        &mut self,
        by: u64,
        usernames: &[String],
    ) -> Result<Applied<Visible>, StoreError> {
        let mut people: Vec<User> = Vec::new();
        for name in usernames {
            let Some(user) = self.tx.user_by_name(name)?.filter(|u| !u.disabled) else {
                return refused(RoomError::UserNotFound);
            };
            if user.id != by && !people.iter().any(|p| p.id == user.id) {
                people.push(user);
            }
        }
        let total = people.len() + 1;
        if !(DIRECT_MIN..=DIRECT_MAX).contains(&total) {
            return refused(RoomError::InvalidDirect(DIRECT_SIZE_RULE));
        }
        let mut ids: Vec<u64> = people.iter().map(|p| p.id).collect();
        ids.push(by);
        let key = direct_key(&ids);
        if let Some(room_id) = self.tx.direct_room(&key)? {
            return self.reopen_direct(room_id, by);
        }
        for person in &people {
            let conversation = Contact::Conversation;
            if let Err(no) = may_contact(&ties_in(self.tx, by, person)?, conversation) {
                let why = no.sentence(&person.username, conversation);
                return refused(RoomError::DmRefused(why));
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
        })?;
        self.tx.set_direct_room(&key, room_id)?;
        for &user_id in &ids {
            self.put_membership(Membership {
                room_id,
                user_id,
                role: Role::Member,
                joined_at: now,
                hidden: false,
            })?;
        }
        let mut events = Vec::new();
        for &user_id in &ids {
            let event = SidebarEvent::Added(self.summary(room_id, user_id)?);
            events.push(Event::Sidebar { user_id, event });
        }
        let visible = self.visible(room_id, by)?;
        done(visible, events)
    }

    /// An existing direct room, shown again to the opener if they had hidden it.
    fn reopen_direct(&mut self, room_id: u64, by: u64) -> Result<Applied<Visible>, StoreError> {
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
        let visible = self.visible(room_id, by)?;
        done(visible, events)
    }
}
