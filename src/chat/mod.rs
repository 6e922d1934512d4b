//! Live chat: rooms, presence, the group-commit writer and fan-out.
//!
//! A message travels: `connection` (a socket's `send` frame, validated and rate limited) →
//! `writer` (batched into one redb transaction with whatever else arrived meanwhile, committed)
//! → `hub::Hub::publish` (encoded once, the same bytes queued on every subscriber's `outbox`) →
//! back in each `connection`, written to its socket. Nothing is visible before its
//! transaction commits.

mod connection;
mod hub;
pub mod names;
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
use crate::store::{AppendOutcome, MessageRange, NewMessage, Page, Store, StoreError};

/// The storage seam of the chat: all the hub and writer need from a message store.
pub trait MessageLog: Send + Sync + 'static {
    /// Stores a batch in one durable transaction; see [`Store::append_batch`].
    fn append_batch(
        &self,
        batch: &[NewMessage],
        now_ms: u64,
    ) -> Result<Vec<AppendOutcome>, StoreError>;
    /// Reads part of a room's history, oldest first.
    fn read_range(
        &self,
        room_id: u64,
        range: MessageRange,
        limit: usize,
    ) -> Result<Page, StoreError>;
    /// Makes the store writable again after a failed commit.
    fn recover(&self) -> Result<(), StoreError>;
}

impl MessageLog for Store {
    fn append_batch(
        &self,
        batch: &[NewMessage],
        now_ms: u64,
    ) -> Result<Vec<AppendOutcome>, StoreError> {
        Store::append_batch(self, batch, now_ms)
    }

    fn read_range(
        &self,
        room_id: u64,
        range: MessageRange,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.read_messages(room_id, range, limit)
    }

    fn recover(&self) -> Result<(), StoreError> {
        self.reopen()
    }
}

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
    store: Arc<Store>,
    clock: SharedClock,
    settings: ChatSettings,
}

impl Chat {
    /// Starts the writer thread; the caller stops it with [`Writer::stop`] and joins the
    /// returned thread at shutdown.
    pub fn start(
        store: Arc<Store>,
        clock: SharedClock,
        settings: ChatSettings,
    ) -> (Chat, WriterThread) {
        let hub = Arc::new(Hub::new());
        let log: Arc<dyn MessageLog> = Arc::clone(&store) as Arc<dyn MessageLog>;
        let (writer, thread) = Writer::start(log, Arc::clone(&hub), Arc::clone(&clock));
        let chat = Chat {
            hub,
            writer,
            store,
            clock,
            settings,
        };
        (chat, thread)
    }
}
