//! The hub: which sockets follow which room, whose sockets are whose, who is online, and the
//! one place where committed changes fan out: it is the event stream's live consumer
//! ([`Live`]), taking each committed change in commit order.
//!
//! Two indexes: rooms → their subscribed sockets (a room's messages), and users → all their
//! sockets (their own events: a room added to or removed from their sidebar, whatever rooms a
//! socket follows). A socket subscribes to each room of its sidebar in one of two ways: it
//! *follows* the rooms its page shows (every change, presence, typing) and *watches* the rest
//! (one small `activity` frame per new message, enough for unread and mention badges). Both
//! sit in the same per-room map, so a message costs one pass over its room's sockets whatever
//! their mode. Locks here are `std::sync::Mutex`, not Tokio's: no `.await` happens while
//! one is held, and the writer thread publishes from outside the runtime. Lock order is always
//! the room map, then a room; the socket index is never held with either.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::outbox::{CloseReason, Outbox, Outgoing};
use super::protocol::frames::{
    PresenceEvent, activity_frame, friend_presence_frame, friend_state_frame, message_frame,
    presence_frame, read_frame, room_frame, typing_frame, update_frame,
};
use super::typing::{Next, Typists};
use crate::events::{Event, Live};
use crate::people::FriendNote;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::view::MessageView;
use crate::store::SessionKey;

/// Identifies one socket.
pub type ConnId = u64;

struct Subscriber {
    user_id: u64,
    outbox: Arc<Outbox>,
    /// Follows the room (every change); otherwise only watches it (new-message activity).
    follows: bool,
}

struct Presence {
    username: Arc<str>,
    sockets: u32,
}

/// A room with at least one subscriber (following or watching). Dropped from the hub when the
/// last one leaves.
struct LiveRoom {
    id: u64,
    subscribers: HashMap<ConnId, Subscriber>,
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
    fn unsubscribe(&mut self, conn: ConnId) -> Option<Subscriber> {
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

/// A socket's identity as the hub needs it.
pub struct Member {
    pub conn: ConnId,
    pub user_id: u64,
    pub username: Arc<str>,
    pub outbox: Arc<Outbox>,
}

/// Open sockets by session and by user; once `closing` is set every socket, even one still
/// connecting, is closed.
#[derive(Default)]
struct Sockets {
    by_session: HashMap<SessionKey, HashMap<ConnId, Arc<Outbox>>>,
    by_user: HashMap<u64, HashMap<ConnId, Arc<Outbox>>>,
    closing: Option<CloseReason>,
}

fn remove_conn<K: std::hash::Hash + Eq>(
    index: &mut HashMap<K, HashMap<ConnId, Arc<Outbox>>>,
    key: &K,
    conn: ConnId,
) -> bool {
    let Some(conns) = index.get_mut(key) else {
        return false;
    };
    conns.remove(&conn);
    let emptied = conns.is_empty();
    if emptied {
        index.remove(key);
    }
    emptied
}

#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<u64, Arc<Mutex<LiveRoom>>>>,
    sockets: Mutex<Sockets>,
    next_conn: AtomicU64,
    typists: Typists,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding these locks; recover the data if one ever did.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn new() -> Self {
        Hub::default()
    }

    /// Registers a socket of a session and user, so signing out can close it and the user's
    /// own events reach it. True with it when it is the user's first socket (they came online).
    pub fn connect(
        &self,
        session: SessionKey,
        user_id: u64,
        outbox: Arc<Outbox>,
    ) -> (ConnId, bool) {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
        let mut sockets = lock(&self.sockets);
        if let Some(reason) = sockets.closing {
            outbox.close(reason);
        }
        sockets
            .by_session
            .entry(session)
            .or_default()
            .insert(conn, Arc::clone(&outbox));
        let mine = sockets.by_user.entry(user_id).or_default();
        mine.insert(conn, outbox);
        (conn, mine.len() == 1)
    }

    /// Forgets a socket (leave its rooms first). True when it was the user's last socket.
    pub fn disconnect(&self, session: SessionKey, user_id: u64, conn: ConnId) -> bool {
        let mut sockets = lock(&self.sockets);
        remove_conn(&mut sockets.by_session, &session, conn);
        remove_conn(&mut sockets.by_user, &user_id, conn)
    }

    /// Closes every socket of these sessions with 4001 ("signed out").
    fn close_sessions(&self, sessions: &[SessionKey]) {
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

    /// Closes every socket of a user (their name changed, say).
    fn close_user(&self, user_id: u64, reason: CloseReason) {
        let sockets = lock(&self.sockets);
        for outbox in sockets
            .by_user
            .get(&user_id)
            .into_iter()
            .flat_map(|c| c.values())
        {
            outbox.close(reason);
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

    /// Whether the user has a socket open.
    pub fn is_online(&self, user_id: u64) -> bool {
        lock(&self.sockets).by_user.contains_key(&user_id)
    }

    /// Queues a frame on every socket of a user.
    pub fn to_user(&self, user_id: u64, frame: &Utf8Bytes) {
        self.push_to_user(user_id, || Outgoing::Frame(frame.clone()));
    }

    /// Queues `item()` on every socket of a user.
    fn push_to_user(&self, user_id: u64, item: impl Fn() -> Outgoing) {
        let sockets = lock(&self.sockets);
        for outbox in sockets
            .by_user
            .get(&user_id)
            .into_iter()
            .flat_map(|c| c.values())
        {
            outbox.push(item());
        }
    }

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

    /// Fan-out: hands a committed, already-encoded change to every follower of its room, and
    /// `activity` (made at most once, when someone watches) to its watchers. Each recipient
    /// gets a reference to the same bytes; a slow one is closed by its own outbox and never
    /// delays the others.
    pub fn publish(
        &self,
        room_id: u64,
        seq: u64,
        frame: Utf8Bytes,
        activity: Option<&dyn Fn() -> Utf8Bytes>,
    ) {
        let Some(room) = lock(&self.rooms).get(&room_id).cloned() else {
            return;
        };
        let room = lock(&room);
        let mut watched = None;
        for subscriber in room.subscribers.values() {
            let item = if subscriber.follows {
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
    }

    /// The ids of the users online in a room.
    pub fn online_users(&self, room_id: u64) -> Vec<u64> {
        match lock(&self.rooms).get(&room_id) {
            Some(room) => lock(room).online.keys().copied().collect(),
            None => Vec::new(),
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
            Event::SessionsEnded { keys, .. } => self.close_sessions(keys),
            // Their open pages reconnect, and learn the new name or picture from `hello`.
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
                let frame = friend_presence_frame(username, false, Some(*last_seen));
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
        self.publish(
            message.room_id,
            message.seq,
            message_frame(message),
            Some(&activity),
        );
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
    fn cut_off(&self, room_id: u64, user_id: u64) {
        let mut rooms = lock(&self.rooms);
        let Some(room_arc) = rooms.get(&room_id).cloned() else {
            return;
        };
        let mut room = lock(&room_arc);
        let conns: Vec<ConnId> = room
            .subscribers
            .iter()
            .filter(|(_, s)| s.user_id == user_id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::outbox::Work;

    fn member(hub: &Hub, user_id: u64, name: &str) -> Member {
        let outbox = Arc::new(Outbox::new(1 << 20));
        let (conn, _) = hub.connect([user_id as u8; 32], user_id, Arc::clone(&outbox));
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
                    Outgoing::Unfollow { room_id } => format!("unfollow {room_id}"),
                    Outgoing::Watch { room_id } => format!("watch {room_id}"),
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

        assert_eq!(hub.join(9, &bob), ["bob"]);
        assert_eq!(hub.join(9, &alice1), ["alice", "bob"]);
        assert_eq!(drained(&bob).len(), 1, "bob hears alice join");
        hub.join(9, &alice2);
        assert!(
            drained(&bob).is_empty(),
            "a second tab is not a new arrival"
        );
        assert_eq!(hub.online_count(9), 2);

        hub.leave(9, alice1.conn, false);
        assert!(drained(&bob).is_empty(), "alice still has a tab open");
        hub.leave(9, alice2.conn, false);
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
        hub.join(1, &alice);
        hub.join(2, &bob);
        drained(&alice);
        hub.publish(1, 1, Utf8Bytes::from("m"), None);
        assert_eq!(drained(&alice), ["m"]);
        assert!(drained(&bob).is_empty());

        hub.leave(1, alice.conn, false);
        assert!(lock(&hub.rooms).get(&1).is_none());
        hub.publish(1, 2, Utf8Bytes::from("m2"), None);
        assert!(drained(&alice).is_empty());
    }

    #[test]
    fn a_users_own_events_reach_every_socket_of_theirs_whatever_it_follows() {
        let hub = Hub::new();
        let phone = member(&hub, 1, "alice");
        let laptop = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");
        hub.join(5, &laptop);
        hub.to_user(1, &Utf8Bytes::from("yours"));
        assert_eq!(drained(&phone), ["yours"]);
        assert_eq!(drained(&laptop), ["yours"]);
        assert!(drained(&bob).is_empty());
        assert!(hub.is_online(1));
        assert!(
            !hub.disconnect([1; 32], 1, phone.conn),
            "the laptop is still open"
        );
        assert!(hub.disconnect([1; 32], 1, laptop.conn));
        assert!(!hub.is_online(1));
    }

    #[test]
    fn cutting_someone_off_unsubscribes_all_their_sockets_in_that_room_only() {
        let hub = Hub::new();
        let alice1 = member(&hub, 1, "alice");
        let alice2 = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");
        for m in [&alice1, &alice2, &bob] {
            hub.join(3, m);
        }
        hub.join(4, &alice1);
        for m in [&alice1, &alice2, &bob] {
            drained(m);
        }
        hub.cut_off(3, 1);
        assert_eq!(drained(&alice1), ["unfollow 3"]);
        assert_eq!(drained(&alice2), ["unfollow 3"]);
        let bob_heard = drained(&bob);
        assert_eq!(bob_heard.len(), 1);
        assert!(bob_heard[0].contains(r#""event":"leave""#), "{bob_heard:?}");
        hub.publish(3, 9, Utf8Bytes::from("after"), None);
        assert!(drained(&alice1).is_empty(), "nothing more from room 3");
        assert_eq!(drained(&bob), ["after"]);
        hub.publish(4, 1, Utf8Bytes::from("other room"), None);
        assert_eq!(drained(&alice1), ["other room"]);
    }

    #[test]
    fn watchers_hear_only_activity_made_once_and_are_no_presence() {
        let hub = Arc::new(Hub::new());
        let alice = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");
        let carol = member(&hub, 3, "carol");
        hub.join(7, &alice);
        hub.watch(7, &bob);
        hub.watch(7, &carol);
        assert!(drained(&alice).is_empty(), "watching is not being online");
        assert_eq!(hub.online_users(7), [1]);

        let made = std::cell::Cell::new(0);
        let activity = || {
            made.set(made.get() + 1);
            Utf8Bytes::from("activity")
        };
        hub.publish(7, 1, Utf8Bytes::from("m"), Some(&activity));
        assert_eq!(made.get(), 1, "one encoding for every watcher");
        assert_eq!(drained(&alice), ["m"]);
        assert_eq!(drained(&bob), ["activity"]);
        hub.publish(7, 2, Utf8Bytes::from("update"), None);
        assert!(drained(&bob).is_empty(), "changes are for followers");
        hub.typing(7, &"alice".into());
        assert!(drained(&bob).is_empty(), "typing is for followers");
        assert_eq!(drained(&alice).len(), 2, "the update and the typing");

        // Following upgrades a watcher; leaving with keep_watching goes back to watching.
        hub.join(7, &bob);
        assert_eq!(drained(&alice).len(), 1, "alice hears bob join");
        hub.publish(7, 3, Utf8Bytes::from("m3"), Some(&activity));
        assert_eq!(drained(&bob), ["m3"]);
        drained(&alice);
        hub.watch(7, &bob);
        assert_eq!(
            hub.online_users(7).len(),
            2,
            "watch does not downgrade a follower"
        );
        hub.leave(7, bob.conn, true);
        assert_eq!(drained(&alice).len(), 1, "alice hears bob leave");
        hub.publish(7, 4, Utf8Bytes::from("m4"), Some(&activity));
        assert_eq!(drained(&bob), ["activity"]);

        assert_eq!(drained(&carol), ["activity", "activity", "activity"]);
        hub.cut_off(7, 3);
        assert_eq!(drained(&carol), ["unfollow 7"]);
        hub.leave(7, alice.conn, false);
        hub.leave(7, bob.conn, false);
        assert!(
            lock(&hub.rooms).get(&7).is_none(),
            "an empty room is dropped"
        );
    }

    #[test]
    fn closing_a_session_closes_only_its_sockets() {
        let hub = Hub::new();
        let alice = member(&hub, 1, "alice");
        let bob = member(&hub, 2, "bob");
        hub.close_sessions(&[[1; 32]]);
        assert_eq!(drained(&alice), ["close 4001"]);
        assert!(drained(&bob).is_empty());
        hub.disconnect([1; 32], 1, alice.conn);
        assert_eq!(hub.socket_count(), 1);
    }
}
