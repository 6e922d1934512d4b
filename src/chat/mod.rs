//! Live chat over WebSockets: the socket loop and its commands, the wire protocol
//! (`PROTOCOL.md`), each socket's outgoing queue, and the hub that fans committed changes out.
//!
//! A message travels: `socket` (a `send` frame, validated and rate limited) → the rooms
//! service's writer (`rooms::writer`: batched into one redb transaction with whatever else
//! arrived meanwhile, checked, committed) → the event stream (`events`) → `Hub` (its live
//! consumer: encoded once, the same bytes queued on every subscriber's `outbox`) → back in each
//! `socket`, written out. Nothing is visible before its transaction commits.

mod hub;
mod outbox;
mod presence;
pub mod protocol;
mod socket;
mod typing;

use std::sync::Arc;

pub use hub::Hub;
pub use outbox::CloseReason;
pub use socket::serve_socket;

use crate::clock::SharedClock;
use crate::people::People;
use crate::ratelimit::Rate;
use crate::rooms::Rooms;
use crate::store::Store;

/// Per-socket limits, from the command line.
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// Bytes a socket may have queued before it is closed with 1013.
    pub queue_bytes: usize,
    /// `send` frames per socket.
    pub send_rate: Rate,
    /// All frames per socket.
    pub frame_rate: Rate,
}

/// Everything a socket needs to take part in chat.
pub struct Chat {
    pub hub: Arc<Hub>,
    /// For the one read behind a new socket's `hello`.
    store: Arc<Store>,
    rooms: Arc<Rooms>,
    people: Arc<People>,
    clock: SharedClock,
    settings: ChatSettings,
}

impl Chat {
    pub fn new(
        hub: Arc<Hub>,
        store: Arc<Store>,
        rooms: Arc<Rooms>,
        people: Arc<People>,
        clock: SharedClock,
        settings: ChatSettings,
    ) -> Chat {
        Chat {
            hub,
            store,
            rooms,
            people,
            clock,
            settings,
        }
    }
}
