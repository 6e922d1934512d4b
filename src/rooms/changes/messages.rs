//! Posting a message: the author must be allowed to post in the room (a member, or anyone in
//! an open room), and in a direct room of two neither block nor be blocked by the other. A
//! message to a direct room brings it back to the sidebars it was hidden from.

use super::{Applied, Batch, Effect, NewPost, Outcome, done, refused};
use crate::rooms::RoomError;
use crate::rooms::access::Action;
use crate::rooms::fanout::SidebarEvent;
use crate::rooms::view::MessageView;
use crate::store::{Kind, StoreError};

impl Batch<'_, '_> {
    pub(super) fn post(&mut self, post: &NewPost) -> Result<Applied, StoreError> {
        let room = match self.permitted(post.room_id, post.user_id, Action::Post)? {
            Ok((room, _)) => room,
            Err(denied) => return refused(denied),
        };
        if let Some(client_id) = post.client_id.as_deref()
            && let Some(earlier) = self
                .tx
                .message_by_client_id(room.id, post.user_id, client_id)?
        {
            let view = MessageView::new(&room, earlier, &post.author);
            return done(Outcome::Duplicate(view), Vec::new());
        }
        let mut effects = Vec::new();
        if room.kind == Kind::Direct {
            let members = self.tx.memberships_of(room.id)?;
            if members.len() == 2 {
                let other = members.iter().find(|m| m.user_id != post.user_id);
                if let Some(other) = other {
                    if self.tx.blocked(other.user_id, post.user_id)? {
                        return refused(RoomError::DmRefused(
                            "This person does not accept messages from you.".into(),
                        ));
                    }
                    if self.tx.blocked(post.user_id, other.user_id)? {
                        return refused(RoomError::DmRefused(
                            "You blocked this person; unblock them to send a message.".into(),
                        ));
                    }
                }
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
        let stored =
            self.tx
                .append_message(room.id, post.user_id, &post.text, post.client_id.as_deref())?;
        let view = MessageView::new(&room, stored, &post.author);
        let mut published = vec![Effect::Message(view.clone())];
        for user_id in effects {
            let summary = self.summary(room.id, user_id)?;
            published.insert(0, Effect::Sidebar(user_id, SidebarEvent::Added(summary)));
        }
        done(Outcome::Posted(view), published)
    }
}
