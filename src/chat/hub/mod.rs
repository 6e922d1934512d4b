//! The hub: which sockets follow which room, whose sockets are whose, who is online, and the
//! one place where committed changes fan out: it is the event stream's live consumer
//! ([`Live`](crate::events::Live)), taking each committed change in commit order.
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
//!
//! The hub's parts are in files of their own: the socket registry (`sockets`), live rooms and
//! presence (`rooms`), and the fan-out of committed changes (`fanout`).

mod fanout;
mod rooms;
mod sockets;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use rooms::LiveRoom;
use sockets::Sockets;

use super::outbox::Outbox;
use super::typing::Typists;

/// Identifies one socket.
pub type ConnId = u64;

/// A socket's identity as the hub needs it.
pub struct Member {
    pub conn: ConnId,
    pub user_id: u64,
    pub username: Arc<str>,
    pub outbox: Arc<Outbox>,
}

#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<u64, Arc<Mutex<LiveRoom>>>>,
    sockets: Mutex<Sockets>,
    next_conn: AtomicU64,
    typists: Typists,
    /// What went out, for the metrics.
    pub counts: HubCounts,
}

/// Counts since the server started, for the metrics.
#[derive(Debug)]
pub struct HubCounts {
    /// New messages queued to the sockets following their room (one per socket).
    pub delivered: Counter,
    /// Sockets closed, by why: each of [`CLOSE_REASONS`] from 0.
    pub closed: Family<Closed, Counter>,
}

/// Why sockets close, as the metrics name it.
pub const CLOSE_REASONS: [&str; 10] = [
    "client",
    "idle",
    "overflow",
    "signed_out",
    "profile_changed",
    "shutdown",
    "policy",
    "too_big",
    "protocol",
    "error",
];

impl Default for HubCounts {
    fn default() -> Self {
        let closed = Family::<Closed, Counter>::default();
        for reason in CLOSE_REASONS {
            closed.get_or_create(&Closed { reason }).inc_by(0);
        }
        HubCounts {
            delivered: Counter::default(),
            closed,
        }
    }
}

/// Why a socket closed, as the metrics name it.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Closed {
    pub reason: &'static str,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding these locks; recover the data if one ever did.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn new() -> Self {
        Hub::default()
    }
}
