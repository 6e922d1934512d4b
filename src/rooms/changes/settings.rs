//! Creating a named room, and an owner's changes to it: its name, topic and kind. Open and
//! private rooms share one name space; a rename or a change of kind reaches every member's
//! sidebar.

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor};
use crate::events::Event;
use crate::rooms::input::{check_room_name, check_topic};
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::{RoomError, Visible};
use crate::store::{Kind, Role, StoreError, room_key};

/// A new open or private room, with its creator as owner.
#[derive(Debug, Clone)]
pub struct CreateRoom {
    pub actor: Actor,
    pub kind: Kind,
    pub name: String,
    pub topic: Option<String>,
}

/// An owner renames a room, changes its topic (`Some(None)` clears it) or its kind.
#[derive(Debug, Clone)]
pub struct UpdateRoom {
    pub by: Actor,
    pub room_id: u64,
    pub name: Option<String>,
    pub topic: Option<Option<String>>,
    pub kind: Option<Kind>,
}

impl Change for CreateRoom {
    type Reply = Visible;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Visible>, StoreError> {
        batch.create(&self.actor, self.kind, &self.name, self.topic.as_deref())
    }
}

impl Change for UpdateRoom {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.update(self)
    }
}

impl Batch<'_, '_> {
    fn create(
        &mut self,
        actor: &Actor,
        kind: Kind,
        name: &str,
        topic: Option<&str>,
    ) -> Result<Applied<Visible>, StoreError> {
        let name = match check_room_name(name) {
            Ok(name) => name.to_owned(),
            Err(reason) => return refused(RoomError::InvalidName(reason)),
        };
        let topic = match topic.map(check_topic).transpose() {
            Ok(topic) => topic.flatten(),
            Err(reason) => return refused(RoomError::InvalidTopic(reason)),
        };
        if kind == Kind::Direct {
            return refused(RoomError::NotAllowed(
                "A direct room is opened with its people, not made by name.",
            ));
        }
        if let Err(denied) = self.may_create(actor)? {
            return refused(denied);
        }
        if self.tx.room_id_by_name(&name)?.is_some() {
            return refused(RoomError::NameTaken);
        }
        let user_id = actor.user_id;
        let room_id = self.new_room(user_id, kind, &name, topic.as_deref())?;
        let events = self.admit(room_id, user_id, Role::Owner)?;
        let visible = self.visible(room_id, user_id)?;
        done(visible, events)
    }

    fn update(&mut self, update: &UpdateRoom) -> Result<Applied<()>, StoreError> {
        let UpdateRoom {
            by,
            room_id,
            ref name,
            ref topic,
            kind,
        } = *update;
        let room = match self.permitted(room_id, &by, Action::Manage)? {
            Ok(Visible { room, .. }) => room,
            Err(denied) => return refused(denied),
        };
        let name = match name.as_deref().map(check_room_name).transpose() {
            Ok(name) => name.map(str::to_owned),
            Err(reason) => return refused(RoomError::InvalidName(reason)),
        };
        let topic = match topic
            .as_ref()
            .map(|t| t.as_deref().map(check_topic).transpose())
            .transpose()
        {
            Ok(topic) => topic.map(Option::flatten),
            Err(reason) => return refused(RoomError::InvalidTopic(reason)),
        };
        if kind == Some(Kind::Direct) {
            return refused(RoomError::NotAllowed(
                "A named room cannot become a direct room.",
            ));
        }
        if let (Some(new), Some(old)) = (&name, &room.name)
            && room_key(new) != room_key(old)
        {
            if self.tx.room_id_by_name(new)?.is_some() {
                return refused(RoomError::NameTaken);
            }
            self.tx.rename_room(room_id, old, new)?;
        }
        self.tx.update_room(room_id, |record| {
            if let Some(name) = name {
                record.name = Some(name);
            }
            if let Some(topic) = topic {
                record.topic = topic;
            }
            if let Some(kind) = kind {
                record.kind = kind;
            }
        })?;
        let mut events = Vec::new();
        for membership in self.tx.memberships_of(room_id)? {
            let user_id = membership.user_id;
            let event = SidebarEvent::Changed(self.summary(room_id, user_id)?);
            events.push(Event::Sidebar { user_id, event });
        }
        done((), events)
    }
}
