//! The socket registry: every open socket by session and by user. It is apart from the live
//! rooms because it answers other questions (whose sockets to close at sign-out, at a new name
//! or picture, or at shutdown; whose sockets a person's own events reach; whether someone is
//! online) and sits behind its own lock, never held with a room's.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{ConnId, Hub, lock};
use crate::chat::outbox::{CloseReason, Outbox, Outgoing};
use crate::store::SessionKey;

/// Open sockets by session and by user; once `closing` is set every socket, even one still
/// connecting, is closed.
#[derive(Default)]
pub(super) struct Sockets {
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

impl Hub {
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
    pub(super) fn close_sessions(&self, sessions: &[SessionKey]) {
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
    pub(super) fn close_user(&self, user_id: u64, reason: CloseReason) {
        self.each_of_user(user_id, |outbox| outbox.close(reason));
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

    /// Bytes waiting in every socket's queue: how far behind the slowest readers are.
    pub fn queued_bytes(&self) -> usize {
        lock(&self.sockets)
            .by_session
            .values()
            .flat_map(HashMap::values)
            .map(|outbox| outbox.queued_bytes())
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
    pub(super) fn push_to_user(&self, user_id: u64, item: impl Fn() -> Outgoing) {
        self.each_of_user(user_id, |outbox| {
            outbox.push(item());
        });
    }

    /// Calls `f` with the outbox of every socket of a user, under the registry's lock.
    fn each_of_user(&self, user_id: u64, f: impl Fn(&Outbox)) {
        let sockets = lock(&self.sockets);
        for outbox in sockets
            .by_user
            .get(&user_id)
            .into_iter()
            .flat_map(|c| c.values())
        {
            f(outbox);
        }
    }
}
