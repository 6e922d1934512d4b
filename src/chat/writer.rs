//! The group-commit writer: one thread that owns message writes.
//!
//! It takes every message waiting in its queue, stores them in one transaction, and only after
//! that transaction has committed publishes them. While a commit's fsync is in progress new
//! messages pile up and go into the next batch, so durability costs one fsync per batch, not
//! per message. A failed commit acknowledges nothing: each sender gets an error frame.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::thread::JoinHandle;

use redb::Durability;
use tokio::sync::mpsc;

use super::hub::Hub;
use super::outbox::{Outbox, Outgoing};
use super::protocol::{ErrorFrame, message_frame};
use crate::clock::SharedClock;
use crate::rooms::RoomError;
use crate::rooms::access::{Action, authorize};
use crate::rooms::view::MessageView;
use crate::store::{Membership, Room, Store, StoreError, StoredMessage, Tx};

/// Most messages in one transaction.
const MAX_BATCH: usize = 4096;
/// Messages waiting for the writer before senders wait too (backpressure).
const QUEUE: usize = 16 * 1024;

/// A message a socket wants stored.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: u64,
    pub user_id: u64,
    pub text: String,
    pub client_id: Option<String>,
}

/// A message waiting to be stored, with where to send errors and duplicate echoes.
pub struct Pending {
    pub message: NewMessage,
    /// The author's name, for the published frame.
    pub author: Arc<str>,
    /// How the sender names the room, for error frames.
    pub room_name: Arc<str>,
    pub sender: Arc<Outbox>,
}

enum Job {
    Append(Pending),
    Stop,
}

/// Handle for submitting messages to the writer.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

/// The writer's thread; join it after [`Writer::stop`] to know every message is on disk.
pub struct WriterThread(JoinHandle<()>);

impl WriterThread {
    pub fn join(self) {
        if self.0.join().is_err() {
            tracing::error!("message writer thread panicked");
        }
    }
}

/// The writer is gone (shutting down).
#[derive(Debug)]
pub struct WriterClosed;

impl Writer {
    pub fn start(store: Arc<Store>, hub: Arc<Hub>, clock: SharedClock) -> (Writer, WriterThread) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("confab-writer".into())
            .spawn(move || run(rx, &store, &hub, clock))
            .expect("cannot start the message writer thread");
        (Writer { tx }, WriterThread(thread))
    }

    /// Queues a message. Waits only when the writer is far behind.
    pub async fn submit(&self, pending: Pending) -> Result<(), WriterClosed> {
        self.tx
            .send(Job::Append(pending))
            .await
            .map_err(|_| WriterClosed)
    }

    /// Asks the writer to store everything queued so far and stop.
    pub async fn stop(&self) {
        let _ = self.tx.send(Job::Stop).await;
    }
}

fn run(mut rx: mpsc::Receiver<Job>, store: &Store, hub: &Hub, clock: SharedClock) {
    let mut batch: Vec<Pending> = Vec::new();
    let mut stopping = false;
    while !stopping {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        match first {
            Job::Append(pending) => batch.push(pending),
            Job::Stop => stopping = true,
        }
        while !stopping && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Job::Append(pending)) => batch.push(pending),
                Ok(Job::Stop) => stopping = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit(&mut batch, store, hub, clock.now_ms());
        }
    }
    // Whatever arrives after the stop is refused, never silently dropped.
    rx.close();
    while let Ok(job) = rx.try_recv() {
        if let Job::Append(pending) = job {
            refuse(
                &pending,
                "unavailable",
                "The server is shutting down; send again after reconnecting.",
            );
        }
    }
}

/// What became of one message of a batch.
enum Posted {
    Stored(Room, StoredMessage),
    /// Its `client_id` was already used by this user in this room: this is the earlier one.
    Duplicate(Room, StoredMessage),
    Refused(RoomError),
}

/// Rooms and memberships read once per batch.
#[derive(Default)]
struct Seen {
    rooms: HashMap<u64, Option<Room>>,
    members: HashMap<(u64, u64), Option<Membership>>,
}

/// Stores one message if its author may post in the room, inside the batch's transaction.
fn post(tx: &mut Tx, seen: &mut Seen, message: &NewMessage) -> Result<Posted, StoreError> {
    let room = match seen.rooms.entry(message.room_id) {
        Entry::Occupied(entry) => entry.get().clone(),
        Entry::Vacant(entry) => {
            let room = tx
                .room(message.room_id)?
                .map(|record| Room::from_record(message.room_id, &record));
            entry.insert(room).clone()
        }
    };
    let Some(room) = room else {
        return Ok(Posted::Refused(RoomError::NotFound));
    };
    let key = (message.room_id, message.user_id);
    let membership = match seen.members.entry(key) {
        Entry::Occupied(entry) => entry.get().clone(),
        Entry::Vacant(entry) => entry.insert(tx.membership(key.0, key.1)?).clone(),
    };
    if let Err(denied) = authorize(room.kind, membership.as_ref(), Action::Post) {
        return Ok(Posted::Refused(denied.into()));
    }
    if let Some(client_id) = message.client_id.as_deref()
        && let Some(earlier) = tx.message_by_client_id(room.id, message.user_id, client_id)?
    {
        return Ok(Posted::Duplicate(room, earlier));
    }
    let stored = tx.append_message(
        room.id,
        message.user_id,
        &message.text,
        message.client_id.as_deref(),
    )?;
    Ok(Posted::Stored(room, stored))
}

fn commit(batch: &mut Vec<Pending>, store: &Store, hub: &Hub, now_ms: u64) {
    let outcomes = store.transact(Durability::Immediate, now_ms, |tx| {
        let mut seen = Seen::default();
        batch
            .iter()
            .map(|pending| post(tx, &mut seen, &pending.message))
            .collect::<Result<Vec<_>, _>>()
    });
    match outcomes {
        Ok(outcomes) => {
            for (pending, outcome) in batch.drain(..).zip(outcomes) {
                match outcome {
                    Posted::Stored(room, stored) => {
                        let (room_id, seq) = (stored.room_id, stored.seq);
                        let frame =
                            message_frame(&MessageView::new(&room, stored, &pending.author));
                        hub.publish(room_id, seq, frame);
                    }
                    // Already stored and published once: echo it again to the sender only, as a
                    // plain frame so the socket does not skip a change it has delivered before.
                    Posted::Duplicate(room, stored) => {
                        let frame =
                            message_frame(&MessageView::new(&room, stored, &pending.author));
                        pending.sender.push(Outgoing::Frame(frame));
                    }
                    Posted::Refused(err) => {
                        let frame = ErrorFrame::for_room(&err)
                            .room(pending.room_name.to_string())
                            .client_id(pending.message.client_id.clone())
                            .encode();
                        pending.sender.push(Outgoing::Frame(frame));
                    }
                }
            }
        }
        Err(err) => {
            tracing::error!(error = %err, messages = batch.len(), "storing messages failed; nothing was acknowledged");
            for pending in batch.drain(..) {
                refuse(
                    &pending,
                    "storage_error",
                    "The message could not be saved. Try again.",
                );
            }
            if let Err(err) = store.reopen() {
                tracing::error!(error = %err, "reopening the database failed; /healthz reports unhealthy");
            }
        }
    }
}

fn refuse(pending: &Pending, code: &'static str, text: &str) {
    let frame = ErrorFrame::new(code, text)
        .room(pending.room_name.to_string())
        .client_id(pending.message.client_id.clone())
        .encode();
    pending.sender.push(Outgoing::Frame(frame));
}
