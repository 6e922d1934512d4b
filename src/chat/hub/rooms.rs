//! Live rooms and presence: which sockets follow or watch each room, who is online in it, and
//! who is typing. Apart from the socket registry, which knows sockets by session and by user
//! and nothing of rooms, and from the fan-out, which decides what a committed change means for
//! the sockets found here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{ConnId, Hub, Member, lock};
use crate::chat::outbox::{Outbox, Outgoing};
use crate::chat::protocol::frames::{PresenceEvent, presence_frame, typing_frame};
use crate::chat::typing::Next;

pub(super) struct Subscriber {
    pub(super) user_id: u64,
    pub(super) outbox: Arc<Outbox>,
    /// Follows the room (every change); otherwise only watches it (new-message activity).
    pub(super) follows: bool,
}

struct Presence {
    username: Arc<str>,
    sockets: u32,
}

/// A room with at least one subscriber (following or watching). Dropped from the hub when the
/// last one leaves.
pub(super) struct LiveRoom {
    id: u64,
    pub(super) subscribers: HashMap<ConnId, Subscriber>,
    online: HashMap<u64, Presence>,
}

impl LiveRoom {
    /// Sends a frame to every follower except `skip`.
    fn broadcast(&self, frame: &Utf8Bytes, skip: Option<ConnId>) {
        for (conn, subscriber) in &self.subscribers {
            if subscriber.follows && Some(*conn) != skip {
                subscriber.outbox.push(Outgoing::Frame(frame.clone()));
            }
        }
    }

    /// Removes a subscriber; the others hear a presence `leave` if it followed the room and
    /// was the user's last socket here.
    pub(super) fn unsubscribe(&mut self, conn: ConnId) -> Option<Subscriber> {
        let subscriber = self.subscribers.remove(&conn)?;
        if subscriber.follows {
            self.went(subscriber.user_id);
        }
        Some(subscriber)
    }

    /// A follower of the user stopped following: a presence `leave` if it was their last.
    fn went(&mut self, user_id: u64) {
        if let Some(presence) = self.online.get_mut(&user_id) {
            presence.sockets -= 1;
            if presence.sockets == 0 {
                let username = Arc::clone(&presence.username);
                self.online.remove(&user_id);
                let frame = presence_frame(self.id, &username, PresenceEvent::Leave);
                self.broadcast(&frame, None);
            }
        }
    }
}

impl Hub {
    fn live_room(&self, room_id: u64) -> Arc<Mutex<LiveRoom>> {
        Arc::clone(lock(&self.rooms).entry(room_id).or_insert_with(|| {
            Arc::new(Mutex::new(LiveRoom {
                id: room_id,
                subscribers: HashMap::new(),
                online: HashMap::new(),
            }))
        }))
    }

    /// A socket watches a room of its sidebar: it hears of each new message in a small
    /// `activity` frame. A socket that already follows the room keeps following it.
    pub fn watch(&self, room_id: u64, member: &Member) {
        let room = self.live_room(room_id);
        lock(&room)
            .subscribers
            .entry(member.conn)
            .or_insert_with(|| Subscriber {
                user_id: member.user_id,
                outbox: Arc::clone(&member.outbox),
                follows: false,
            });
    }

    /// Subscribes a socket to a room and returns who is online there (including the joiner).
    /// The others hear a presence `join` if this is the user's first socket in the room.
    pub fn join(&self, room_id: u64, member: &Member) -> Vec<String> {
        let room = self.live_room(room_id);
        let mut room = lock(&room);
        let previous = room.subscribers.insert(
            member.conn,
            Subscriber {
                user_id: member.user_id,
                outbox: Arc::clone(&member.outbox),
                follows: true,
            },
        );
        if !previous.is_some_and(|p| p.follows) {
            let presence = room.online.entry(member.user_id).or_insert(Presence {
                username: Arc::clone(&member.username),
                sockets: 0,
            });
            presence.sockets += 1;
            if presence.sockets == 1 {
                let frame = presence_frame(room_id, &member.username, PresenceEvent::Join);
                room.broadcast(&frame, Some(member.conn));
            }
        }
        let mut members: Vec<String> = room
            .online
            .values()
            .map(|p| p.username.to_string())
            .collect();
        members.sort_unstable_by_key(|name| name.to_lowercase());
        members
    }

    /// Unsubscribes a socket; with `keep_watching` a follower goes back to watching instead.
    /// An empty room is dropped.
    pub fn leave(&self, room_id: u64, conn: ConnId, keep_watching: bool) {
        let mut rooms = lock(&self.rooms);
        let Some(room_arc) = rooms.get(&room_id).cloned() else {
            return;
        };
        let mut room = lock(&room_arc);
        match room.subscribers.get_mut(&conn) {
            Some(subscriber) if keep_watching => {
                if subscriber.follows {
                    subscriber.follows = false;
                    let user_id = subscriber.user_id;
                    room.went(user_id);
                }
            }
            _ => {
                room.unsubscribe(conn);
            }
        }
        if room.subscribers.is_empty() {
            drop(room);
            rooms.remove(&room_id);
            self.typists.forget(room_id);
        }
    }

    /// Someone is typing in a room: every follower hears it, coalesced (see `typing`).
    pub fn typing(self: &Arc<Self>, room_id: u64, user: &Arc<str>) {
        match self
            .typists
            .report(room_id, user, tokio::time::Instant::now())
        {
            Next::Send(users) => self.broadcast_typing(room_id, &users),
            Next::Schedule(after) => {
                let hub = Arc::clone(self);
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let users = hub.typists.flush(room_id, tokio::time::Instant::now());
                    hub.broadcast_typing(room_id, &users);
                });
            }
            Next::Wait => {}
        }
    }

    fn broadcast_typing(&self, room_id: u64, users: &[Arc<str>]) {
        if users.is_empty() {
            return;
        }
        let Some(room) = lock(&self.rooms).get(&room_id).cloned() else {
            return;
        };
        lock(&room).broadcast(&typing_frame(room_id, users), None);
    }

    /// The ids of the users online in a room.
    pub fn online_users(&self, room_id: u64) -> Vec<u64> {
        match lock(&self.rooms).get(&room_id) {
            Some(room) => lock(room).online.keys().copied().collect(),
            None => Vec::new(),
        }
    }

    /// Rooms some socket follows or watches now.
    pub fn live_rooms(&self) -> usize {
        lock(&self.rooms).len()
    }

    /// How many distinct users are online in a room.
    pub fn online_count(&self, room_id: u64) -> usize {
        match lock(&self.rooms).get(&room_id) {
            Some(room) => lock(room).online.len(),
            None => 0,
        }
    }
}
