//! The group-commit writer: one thread that owns message writes.
//!
//! It takes every message waiting in its queue, stores them in one transaction, and only after
//! that transaction has committed publishes them. While a commit's fsync is in progress new
//! messages pile up and go into the next batch, so durability costs one fsync per batch, not
//! per message. A failed commit acknowledges nothing: each sender gets an error frame.

use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::MessageLog;
use super::hub::Hub;
use super::outbox::{Outbox, Outgoing};
use super::protocol::{ErrorFrame, message_frame};
use crate::clock::SharedClock;
use crate::store::{AppendOutcome, NewMessage};

/// Most messages in one transaction.
const MAX_BATCH: usize = 4096;
/// Messages waiting for the writer before senders wait too (backpressure).
const QUEUE: usize = 16 * 1024;

/// A message waiting to be stored, with where to send errors and duplicate echoes.
pub struct Pending {
    pub message: NewMessage,
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
    pub fn start(
        log: Arc<dyn MessageLog>,
        hub: Arc<Hub>,
        clock: SharedClock,
    ) -> (Writer, WriterThread) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("confab-writer".into())
            .spawn(move || run(rx, log.as_ref(), &hub, clock))
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

fn run(mut rx: mpsc::Receiver<Job>, log: &dyn MessageLog, hub: &Hub, clock: SharedClock) {
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
            commit(&mut batch, log, hub, clock.now_ms());
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

fn commit(batch: &mut Vec<Pending>, log: &dyn MessageLog, hub: &Hub, now_ms: u64) {
    let messages: Vec<NewMessage> = batch.iter().map(|p| p.message.clone()).collect();
    match log.append_batch(&messages, now_ms) {
        Ok(outcomes) => {
            for (pending, outcome) in batch.drain(..).zip(outcomes) {
                match outcome {
                    AppendOutcome::Stored(stored) => {
                        let frame = message_frame(&pending.room_name, &stored);
                        hub.publish(stored.room_id, stored.id, frame);
                    }
                    // Already stored and published once: echo it again to the sender only, as a
                    // plain frame so the socket does not skip an id it has delivered before.
                    AppendOutcome::Duplicate(stored) => {
                        let frame = message_frame(&pending.room_name, &stored);
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
            if let Err(err) = log.recover() {
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
