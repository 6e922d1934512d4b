//! Live chat: rooms, presence, the group-commit writer and fan-out.
//!
//! A message travels: `connection` (a socket's `send` frame, validated and rate limited) →
//! `writer` (batched into one redb transaction with whatever else arrived meanwhile, committed)
//! → `hub::Hub::publish` (encoded once, the same bytes queued on every subscriber's `outbox`) →
//! back in each `connection`, written to its socket. Nothing is visible before its
//! transaction commits.

mod connection;
mod hub;
mod outbox;
pub mod protocol;
mod writer;

use std::sync::Arc;

pub use connection::serve_socket;
pub use hub::Hub;
pub use outbox::CloseReason;
pub use writer::{Writer, WriterThread};

use crate::clock::SharedClock;
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
    pub writer: Writer,
    rooms: Arc<Rooms>,
    clock: SharedClock,
    settings: ChatSettings,
}

impl Chat {
    /// Starts the writer thread; the caller stops it with [`Writer::stop`] and joins the
    /// returned thread at shutdown.
    pub fn start(
        store: Arc<Store>,
        rooms: Arc<Rooms>,
        clock: SharedClock,
        settings: ChatSettings,
    ) -> (Chat, WriterThread) {
        let hub = Arc::new(Hub::new());
        let (writer, thread) = Writer::start(store, Arc::clone(&hub), Arc::clone(&clock));
        let chat = Chat {
            hub,
            writer,
            rooms,
            clock,
            settings,
        };
        (chat, thread)
    }
}
