//! The hub: which sockets are in which room, who is online, and the one place where stored
//! messages fan out to a room's subscribers.
//!
//! Locks here are `std::sync::Mutex`, not Tokio's: no `.await` happens while one is held, and
//! the writer thread publishes from outside the runtime. Lock order is always hub map, then
//! room.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::outbox::{CloseReason, Outbox, Outgoing};
use super::protocol::{PresenceEvent, presence_frame};
use crate::store::SessionKey;

/// Identifies one socket.
pub type ConnId = u64;

struct Subscriber {
    user_id: u64,
    outbox: Arc<Outbox>,
}

struct Presence {
    username: Arc<str>,
    sockets: u32,
}

/// A room with at least one subscriber. Dropped from the hub when the last one leaves.
struct LiveRoom {
    name: Arc<str>,
    subscribers: HashMap<ConnId, Subscriber>,
    online: HashMap<u64, Presence>,
}

impl LiveRoom {
    /// Sends a frame to every subscriber except `skip`.
    fn broadcast(&self, frame: &Utf8Bytes, skip: Option<ConnId>) {
        for (conn, subscriber) in &self.subscribers {
            if Some(*conn) != skip {
                subscriber.outbox.push(Outgoing::Frame(frame.clone()));
            }
        }
    }
}

/// A socket's identity as the hub needs it.
pub struct Member {
    pub conn: ConnId,
    pub user_id: u64,
    pub username: Arc<str>,
    pub outbox: Arc<Outbox>,
}

/// Open sockets by session; once `closing` is set every socket, even one still connecting,
/// is closed.
#[derive(Default)]
struct Sockets {
    by_session: HashMap<SessionKey, HashMap<ConnId, Arc<Outbox>>>,
    closing: Option<CloseReason>,
}

#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<u64, Arc<Mutex<LiveRoom>>>>,
    sockets: Mutex<Sockets>,
    next_conn: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding these locks; recover the data if one ever did.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn new() -> Self {
        Hub::default()
    }

    /// Registers a socket of a session, so signing out can close it.
    pub fn connect(&self, session: SessionKey, outbox: Arc<Outbox>) -> ConnId {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
        let mut sockets = lock(&self.sockets);
        if let Some(reason) = sockets.closing {
            outbox.close(reason);
        }
        sockets
            .by_session
            .entry(session)
            .or_default()
            .insert(conn, outbox);
        conn
    }

    /// Forgets a socket. Leave its rooms first.
    pub fn disconnect(&self, session: SessionKey, conn: ConnId) {
        let mut sockets = lock(&self.sockets);
        if let Some(conns) = sockets.by_session.get_mut(&session) {
            conns.remove(&conn);
            if conns.is_empty() {
                sockets.by_session.remove(&session);
            }
        }
    }

    /// Closes every socket of these sessions with 4001 ("signed out").
    pub fn close_sessions(&self, sessions: &[SessionKey]) {
        let sockets = lock(&self.sockets);
        for session in sessions {
            for outbox in sockets
                .by_session
                .get(session)
                .into_iter()
                .flat_map(|c| c.values())
            {
                outbox.close(CloseReason::SignedOut);
            }
        }
    }

    /// Closes every socket, and every socket that connects from now on; used at shutdown.
    pub fn close_all(&self, reason: CloseReason) {
        let mut sockets = lock(&self.sockets);
        sockets.closing = Some(reason);
        for outbox in sockets.by_session.values().flat_map(|c| c.values()) {
            outbox.close(reason);
        }
    }

    /// Number of open sockets.
    pub fn socket_count(&self) -> usize {
        lock(&self.sockets)
            .by_session
            .values()
            .map(HashMap::len)
            .sum()
    }

    /// Subscribes a socket to a room and returns who is online there (including the joiner).
    /// The others hear a presence `join` if this is the user's first socket in the room.
    pub fn join(&self, room_id: u64, room_name: &str, member: &Member) -> Vec<String> {
        let room = Arc::clone(lock(&self.rooms).entry(room_id).or_insert_with(|| {
            Arc::new(Mutex::new(LiveRoom {
                name: room_name.into(),
                subscribers: HashMap::new(),
                online: HashMap::new(),
            }))
        }));
        let mut room = lock(&room);
        let previous = room.subscribers.insert(
            member.conn,
            Subscriber {
                user_id: member.user_id,
                outbox: Arc::clone(&member.outbox),
            },
        );
        if previous.is_none() {
            let presence = room.online.entry(member.user_id).or_insert(Presence {
                username: Arc::clone(&member.username),
                sockets: 0,
            });
            presence.sockets += 1;
            if presence.sockets == 1 {
                let frame = presence_frame(&room.name, &member.username, PresenceEvent::Join);
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

    /// Unsubscribes a socket. The others hear a presence `leave` if it was the user's last
    /// socket in the room; an empty room is dropped.
    pub fn leave(&self, room_id: u64, conn: ConnId) {
        let mut rooms = lock(&self.rooms);
        let Some(room_arc) = rooms.get(&room_id).cloned() else {
            return;
        };
        let mut room = lock(&room_arc);
        let Some(subscriber) = room.subscribers.remove(&conn) else {
            return;
        };
        if let Some(presence) = room.online.get_mut(&subscriber.user_id) {
            presence.sockets -= 1;
            if presence.sockets == 0 {
                let username = Arc::clone(&presence.username);
                room.online.remove(&subscriber.user_id);
                let frame = presence_frame(&room.name, &username, PresenceEvent::Leave);
                room.broadcast(&frame, None);
            }
        }
        if room.subscribers.is_empty() {
            drop(room);
            rooms.remove(&room_id);
        }
    }

    /// Fan-out: hands a committed, already-encoded change to every subscriber of its room.
    /// Each recipient gets a reference to the same bytes; a slow one is closed by its own
    /// outbox and never delays the others.
    pub fn publish(&self, room_id: u64, seq: u64, frame: Utf8Bytes) {
        let Some(room) = lock(&self.rooms).get(&room_id).cloned() else {
            return;
        };
        let room = lock(&room);
        for subscriber in room.subscribers.values() {
            subscriber.outbox.push(Outgoing::Change {
                room_id,
                seq,
                frame: frame.clone(),
            });
        }
    }

    /// How many distinct users are online in a room.
    pub fn online_count(&self, room_id: u64) -> usize {
        match lock(&self.rooms).get(&room_id) {
            Some(room) => lock(room).online.len(),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::outbox::Work;

    fn member(hub: &Hub, user_id: u64, name: &str) -> Member {
        let outbox = Arc::new(Outbox::new(1 << 20));
        let conn = hub.connect([user_id as u8; 32], Arc::clone(&outbox));
        Member {
            conn,
            user_id,
            username: name.into(),
            outbox,
        }
    }

    fn drained(member: &Member) -> Vec<String> {
        let mut items = std::collections::VecDeque::new();
        match member.outbox.take_into(&mut items) {
            Some(Work::Send) => items
                .into_iter()
                .map(|item| match item {
                    Outgoing::Frame(f) | Outgoing::Change { frame: f, .. } => f.as_str().to_owned(),
                })
                .collect(),
            Some(Work::Close(reason)) => vec![format!("close {}", reason.code())],
            None => vec![],
        }
    }

    #[test]
    fn presence_counts_a_user_with_several_sockets_once() {
        let hub = Hub::new();
        let alice1 = member(&hub, 1, "alice");
        let alice2 = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");

        assert_eq!(hub.join(9, "R", &bob), ["bob"]);
        assert_eq!(hub.join(9, "R", &alice1), ["alice", "bob"]);
        assert_eq!(drained(&bob).len(), 1, "bob hears alice join");
        hub.join(9, "R", &alice2);
        assert!(
            drained(&bob).is_empty(),
            "a second tab is not a new arrival"
        );
        assert_eq!(hub.online_count(9), 2);

        hub.leave(9, alice1.conn);
        assert!(drained(&bob).is_empty(), "alice still has a tab open");
        hub.leave(9, alice2.conn);
        let frames = drained(&bob);
        assert_eq!(frames.len(), 1);
        assert!(frames[0].contains(r#""event":"leave""#));
        assert_eq!(hub.online_count(9), 1);
    }

    #[test]
    fn publish_reaches_only_that_rooms_subscribers_and_empty_rooms_are_dropped() {
        let hub = Hub::new();
        let alice = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");
        hub.join(1, "one", &alice);
        hub.join(2, "two", &bob);
        drained(&alice);
        hub.publish(1, 1, Utf8Bytes::from("m"));
        assert_eq!(drained(&alice), ["m"]);
        assert!(drained(&bob).is_empty());

        hub.leave(1, alice.conn);
        assert!(lock(&hub.rooms).get(&1).is_none());
        hub.publish(1, 2, Utf8Bytes::from("m2"));
        assert!(drained(&alice).is_empty());
    }

    #[test]
    fn closing_a_session_closes_only_its_sockets() {
        let hub = Hub::new();
        let alice = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");
        hub.close_sessions(&[[1; 32]]);
        assert_eq!(drained(&alice), ["close 4001"]);
        assert!(drained(&bob).is_empty());
        hub.disconnect([1; 32], alice.conn);
        assert_eq!(hub.socket_count(), 1);
    }
}
