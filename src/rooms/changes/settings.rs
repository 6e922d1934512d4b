//! Creating a named room, and an owner's changes to it: its name, topic and kind. Open and
//! private rooms share one name space; a rename or a change of kind reaches every member's
//! sidebar.

use super::{Applied, Batch, Effect, Outcome, done, refused};
use crate::rooms::RoomError;
use crate::rooms::access::Action;
use crate::rooms::fanout::SidebarEvent;
use crate::rooms::input::{check_room_name, check_topic};
use crate::store::{Kind, Role, StoreError, room_key};

impl Batch<'_, '_> {
    pub(super) fn create(
        &mut self,
        user_id: u64,
        kind: Kind,
        name: &str,
        topic: Option<&str>,
    ) -> Result<Applied, StoreError> {
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
        if self.tx.room_id_by_name(&name)?.is_some() {
            return refused(RoomError::NameTaken);
        }
        let room_id = self.new_room(user_id, kind, &name, topic.as_deref())?;
        let effects = self.admit(room_id, user_id, Role::Owner)?;
        let visible = self.visible(room_id, user_id)?;
        done(Outcome::Room(visible), effects)
    }

    pub(super) fn update(
        &mut self,
        by: u64,
        room_id: u64,
        name: Option<&str>,
        topic: Option<&Option<String>>,
        kind: Option<Kind>,
    ) -> Result<Applied, StoreError> {
        let room = match self.permitted(room_id, by, Action::Manage)? {
            Ok((room, _)) => room,
            Err(denied) => return refused(denied),
        };
        let name = match name.map(check_room_name).transpose() {
            Ok(name) => name.map(str::to_owned),
            Err(reason) => return refused(RoomError::InvalidName(reason)),
        };
        let topic = match topic
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
        let mut effects = Vec::new();
        for membership in self.tx.memberships_of(room_id)? {
            let summary = self.summary(room_id, membership.user_id)?;
            effects.push(Effect::Sidebar(
                membership.user_id,
                SidebarEvent::Changed(summary),
            ));
        }
        done(Outcome::Done, effects)
    }
}
