//! Fan-out of committed changes: the hub as the event stream's live consumer. Each committed
//! change is encoded once here and the same bytes queued on every socket it concerns, found
//! through the live rooms or the socket registry; apart from both because it is where the
//! stream's events are turned into frames.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{ConnId, Hub, lock};
use crate::chat::outbox::{CloseReason, Outgoing};
use crate::chat::protocol::frames::{
    activity_frame, friend_presence_frame, friend_state_frame, message_frame, read_frame,
    room_frame, update_frame,
};
use crate::events::{Event, Live};
use crate::people::FriendNote;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::view::MessageView;

impl Hub {
    /// Fan-out: hands a committed, already-encoded change to every follower of its room, and
    /// `activity` (made at most once, when someone watches) to its watchers. Each recipient
    /// gets a reference to the same bytes; a slow one is closed by its own outbox and never
    /// delays the others. Returns how many sockets follow the room.
    pub fn publish(
        &self,
        room_id: u64,
        seq: u64,
        frame: Utf8Bytes,
        activity: Option<&dyn Fn() -> Utf8Bytes>,
    ) -> u64 {
        let Some(room) = lock(&self.rooms).get(&room_id).cloned() else {
            return 0;
        };
        let room = lock(&room);
        let mut watched = None;
        let mut followers = 0;
        for subscriber in room.subscribers.values() {
            let item = if subscriber.follows {
                followers += 1;
                Outgoing::Change {
                    room_id,
                    seq,
                    frame: frame.clone(),
                }
            } else if let Some(activity) = activity {
                Outgoing::Frame(watched.get_or_insert_with(activity).clone())
            } else {
                continue;
            };
            subscriber.outbox.push(item);
        }
        followers
    }
}

impl Live for Hub {
    fn take(&self, event: &Event) {
        match event {
            Event::Message(message) => self.message(message),
            Event::Update(message) => {
                self.publish(message.room_id, message.seq, update_frame(message), None);
            }
            Event::Read {
                user_id,
                room_id,
                unread,
            } => self.to_user(*user_id, &read_frame(*room_id, unread)),
            Event::Sidebar { user_id, event } => self.sidebar(*user_id, event),
            Event::CutOff { room_id, user_id } => self.cut_off(*room_id, *user_id),
            Event::RoomDeleted { room_id } => self.close_room(*room_id),
            Event::SessionsEnded { keys, .. } => self.close_sessions(keys),
            // Their open pages reconnect, and learn the new name, picture or notification
            // privacy from `hello`.
            Event::ProfileChanged { user_id } => {
                self.close_user(*user_id, CloseReason::ProfileChanged);
            }
            Event::Friendship(note) => self.friendship(note),
            Event::WentOffline {
                username,
                last_seen,
                friends,
                ..
            } => {
                let frame = friend_presence_frame(username, false, *last_seen);
                for &friend in friends {
                    self.to_user(friend, &frame);
                }
            }
        }
    }
}

impl Hub {
    /// A new message: the whole message for the room's followers, `activity` for its watchers.
    fn message(&self, message: &MessageView) {
        let activity = || activity_frame(message);
        let followers = self.publish(
            message.room_id,
            message.seq,
            message_frame(message),
            Some(&activity),
        );
        self.counts.delivered.inc_by(followers);
    }

    /// A change to a person's rooms, for every socket of theirs.
    fn sidebar(&self, user_id: u64, event: &SidebarEvent) {
        self.to_user(user_id, &room_frame(event));
        if let SidebarEvent::Added(room) = event {
            // Each socket starts watching it from its own task (it keeps the list to leave).
            self.push_to_user(user_id, || Outgoing::Watch { room_id: room.id });
        }
    }

    /// Where someone now stands with another person, and whether that person is online now
    /// (so a new friend is listed as they are).
    fn friendship(&self, note: &FriendNote) {
        let online = self.is_online(note.other_id);
        let frame = friend_state_frame(&note.other, note.state.map(|s| s.as_str()), online);
        self.to_user(note.user_id, &frame);
    }

    /// A person may no longer read a room: their sockets stop following it at once, before
    /// anything committed after this reaches them.
    pub(super) fn cut_off(&self, room_id: u64, user_id: u64) {
        self.unsubscribe_where(room_id, |user| user == user_id);
    }

    /// A deleted room: every socket stops following and watching it, whoever holds it.
    fn close_room(&self, room_id: u64) {
        self.unsubscribe_where(room_id, |_| true);
    }

    /// The sockets of the people `whose` picks stop following and watching a room.
    fn unsubscribe_where(&self, room_id: u64, whose: impl Fn(u64) -> bool) {
        let mut rooms = lock(&self.rooms);
        let Some(room_arc) = rooms.get(&room_id).cloned() else {
            return;
        };
        let mut room = lock(&room_arc);
        let conns: Vec<ConnId> = room
            .subscribers
            .iter()
            .filter(|(_, s)| whose(s.user_id))
            .map(|(conn, _)| *conn)
            .collect();
        for conn in conns {
            if let Some(subscriber) = room.unsubscribe(conn) {
                // Watchers too: the socket forgets the room in both lists.
                subscriber.outbox.push(Outgoing::Unfollow { room_id });
            }
        }
        if room.subscribers.is_empty() {
            drop(room);
            rooms.remove(&room_id);
        }
    }
}
