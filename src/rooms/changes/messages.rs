//! Posting a message: the author must be allowed to post in the room (a member, or anyone in
//! an open room), and in a direct room of two neither block nor be blocked by the other. A
//! reply must answer a message of the same room that is still there. A message to a direct
//! room brings it back to the sidebars it was hidden from, and the author has read the room up
//! to their own message. Files go with a message only if they are the author's own uploads to
//! this room, not sent before.

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor, Contact, may_contact};
use crate::events::Event;
use crate::people::ties_in;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::view::{MessageView, TxLookup};
use crate::rooms::{RoomError, Visible};
use crate::store::{Kind, MessageRecord, Room, StoreError, UploadState};

/// A message someone wants stored.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub room_id: u64,
    /// Its author.
    pub actor: Actor,
    pub text: String,
    pub client_id: Option<String>,
    /// The message of the same room this one answers.
    pub reply_to: Option<u64>,
    /// Who is online in the room, when the text calls `@here`.
    pub online: Vec<u64>,
    /// Upload ids to attach, each once.
    pub files: Vec<u64>,
}

/// What posting answers its sender.
#[derive(Debug, Clone)]
pub enum Posted {
    /// Newly stored; its publication is the sender's acknowledgement.
    New(MessageView),
    /// The `client_id` was used before by this author in this room: the earlier message.
    Duplicate(MessageView),
}

impl Change for NewPost {
    type Reply = Posted;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Posted>, StoreError> {
        batch.post(self)
    }
}

impl Batch<'_, '_> {
    fn post(&mut self, post: &NewPost) -> Result<Applied<Posted>, StoreError> {
        let author = post.actor.user_id;
        let room = match self.permitted(post.room_id, &post.actor, Action::Post)? {
            Ok(Visible { room, .. }) => room,
            Err(denied) => return refused(denied),
        };
        if let Some(client_id) = post.client_id.as_deref()
            && let Some(earlier) = self.tx.message_by_client_id(room.id, author, client_id)?
        {
            let view = self.view(&room, earlier)?;
            return done(Posted::Duplicate(view), Vec::new());
        }
        if let Some(original) = post.reply_to {
            match self.tx.message(room.id, original)? {
                None => return refused(RoomError::MessageNotFound),
                Some(m) if m.deleted => return refused(RoomError::MessageDeleted),
                Some(_) => {}
            }
        }
        let mut files = Vec::with_capacity(post.files.len());
        for &id in &post.files {
            match self.tx.upload(id)? {
                Some(upload)
                    if upload.uploader == author
                        && upload.room_id == room.id
                        && matches!(upload.state, UploadState::Unsent { .. }) =>
                {
                    files.push(upload.file_ref(id));
                }
                _ => return refused(RoomError::FileNotFound),
            }
        }
        let called = match self.called(&room, &post.actor, &post.text, &post.online)? {
            Ok(called) => called,
            Err(err) => return refused(err),
        };
        let mut effects = Vec::new();
        if room.kind == Kind::Direct {
            let members = self.tx.memberships_of(room.id)?;
            if members.len() == 2
                && let Some(other) = members.iter().find(|m| m.user_id != author)
                && let Some(other) = self.tx.user(other.user_id)?
                && let Err(no) = may_contact(&ties_in(self.tx, author, &other)?, Contact::Message)
            {
                let why = no.sentence(&other.username, Contact::Message);
                return refused(RoomError::DmRefused(why));
            }
            let hidden: Vec<_> = members.into_iter().filter(|m| m.hidden).collect();
            if !hidden.is_empty() {
                for mut membership in hidden {
                    membership.hidden = false;
                    let user_id = membership.user_id;
                    self.put_membership(membership)?;
                    effects.push(user_id);
                }
                self.tx.update_room(room.id, |r| r.hidden = 0)?;
            }
        }
        let record = MessageRecord {
            reply_to: post.reply_to,
            mentions: called.mentions,
            everyone: called.everyone,
            here: called.here,
            files,
            ..MessageRecord::post(author, &post.text, post.client_id.as_deref())
        };
        let stored = self.tx.append_message(room.id, record)?;
        let id = stored.id;
        let view = self.view(&room, stored)?;
        let mut published = vec![Event::Message(view.clone())];
        for user_id in effects {
            let summary = self.summary(room.id, user_id)?;
            let event = SidebarEvent::Added(summary);
            published.insert(0, Event::Sidebar { user_id, event });
        }
        if let Some(read) = self.read_own_post(&room, author, id)? {
            published.push(read);
        }
        done(Posted::New(view), published)
    }

    /// A message as shown, looked up in this transaction.
    pub(super) fn view(
        &mut self,
        room: &Room,
        message: crate::store::StoredMessage,
    ) -> Result<MessageView, StoreError> {
        MessageView::build(room, message, &mut TxLookup { tx: self.tx })
    }

    /// Someone who posts has read the room up to their message. When that passes over messages
    /// of others, their other sockets hear the new position.
    fn read_own_post(
        &mut self,
        room: &Room,
        user_id: u64,
        id: u64,
    ) -> Result<Option<Event>, StoreError> {
        if self.membership(room.id, user_id)?.is_none() {
            return Ok(None);
        }
        let before = self.tx.read_position(user_id, room.id)?;
        self.tx.set_read_position(user_id, room.id, id)?;
        // `room` is as it was before this message: its newest message then.
        if before >= room.last_id {
            return Ok(None);
        }
        let unread = self.tx.unread(user_id, room.id)?;
        Ok(Some(Event::Read {
            user_id,
            room_id: room.id,
            unread,
        }))
    }
}
