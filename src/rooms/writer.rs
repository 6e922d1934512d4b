//! The group-commit writer: one thread that owns every room change (messages, memberships).
//!
//! It takes every change waiting in its queue, applies them in one transaction, and only after
//! that transaction has committed publishes them, in order, through the [`Fanout`]. While a
//! commit's fsync is in progress new changes pile up and go into the next batch, so durability
//! costs one fsync per batch, not per message. A failed commit acknowledges nothing: every
//! change of the batch is refused with a storage error.
//!
//! One thread in commit order is also what makes a removal take effect at once: the removed
//! member's sockets are cut off before anything committed after the removal is published.

use std::sync::Arc;
use std::thread::JoinHandle;

use redb::Durability;
use tokio::sync::{mpsc, oneshot};

use super::RoomError;
use super::changes::{Applied, Batch, Change, Effect, Outcome};
use super::fanout::Fanout;
use super::view::MessageView;
use crate::clock::SharedClock;
use crate::store::{Store, StoreError};

/// Most changes in one transaction.
const MAX_BATCH: usize = 4096;
/// Changes waiting for the writer before submitters wait too (backpressure).
const QUEUE: usize = 16 * 1024;

/// Where a socket's `send` hears back. Success needs no answer: the published message is the
/// acknowledgement.
pub trait SendReply: Send + Sync + 'static {
    /// The message was sent before with the same client id; this is the stored one.
    fn duplicate(&self, message: &MessageView);
    /// It was not stored.
    fn refused(&self, error: &RoomError, client_id: Option<&str>);
}

/// Who waits for a change's outcome.
pub enum Reply {
    Send(Arc<dyn SendReply>),
    Wait(oneshot::Sender<Result<Outcome, RoomError>>),
}

struct Job {
    change: Change,
    reply: Reply,
}

enum Message {
    Job(Job),
    Stop,
}

/// Handle for submitting changes to the writer.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Message>,
}

/// The writer's thread; join it after [`Writer::stop`] to know every change is on disk.
pub struct WriterThread(JoinHandle<()>);

impl WriterThread {
    pub fn join(self) {
        if self.0.join().is_err() {
            tracing::error!("room writer thread panicked");
        }
    }
}

impl Writer {
    pub fn start(
        store: Arc<Store>,
        fanout: Arc<dyn Fanout>,
        clock: SharedClock,
    ) -> (Writer, WriterThread) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("confab-writer".into())
            .spawn(move || run(rx, &store, fanout.as_ref(), clock))
            .expect("cannot start the room writer thread");
        (Writer { tx }, WriterThread(thread))
    }

    /// Queues a change. Waits only when the writer is far behind.
    pub async fn submit(&self, change: Change, reply: Reply) -> Result<(), RoomError> {
        self.tx
            .send(Message::Job(Job { change, reply }))
            .await
            .map_err(|_| RoomError::ShuttingDown)
    }

    /// Queues a change and waits until it is committed (or refused).
    pub async fn apply(&self, change: Change) -> Result<Outcome, RoomError> {
        let (tx, rx) = oneshot::channel();
        self.submit(change, Reply::Wait(tx)).await?;
        rx.await.unwrap_or(Err(RoomError::ShuttingDown))
    }

    /// Asks the writer to store everything queued so far and stop.
    pub async fn stop(&self) {
        let _ = self.tx.send(Message::Stop).await;
    }
}

fn run(mut rx: mpsc::Receiver<Message>, store: &Store, fanout: &dyn Fanout, clock: SharedClock) {
    let mut batch: Vec<Job> = Vec::new();
    let mut stopping = false;
    while !stopping {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        match first {
            Message::Job(job) => batch.push(job),
            Message::Stop => stopping = true,
        }
        while !stopping && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Message::Job(job)) => batch.push(job),
                Ok(Message::Stop) => stopping = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit(&mut batch, store, fanout, clock.now_ms());
        }
    }
    // Whatever arrives after the stop is refused, never silently dropped.
    rx.close();
    while let Ok(message) = rx.try_recv() {
        if let Message::Job(job) = message {
            answer(job, Err(RoomError::ShuttingDown), fanout);
        }
    }
}

fn commit(batch: &mut Vec<Job>, store: &Store, fanout: &dyn Fanout, now_ms: u64) {
    let applied = store.transact(Durability::Immediate, now_ms, |tx| {
        let mut changes = Batch::new(tx);
        batch
            .iter()
            .map(|job| changes.apply(&job.change))
            .collect::<Result<Vec<Applied>, StoreError>>()
    });
    match applied {
        Ok(applied) => {
            for (job, applied) in batch.drain(..).zip(applied) {
                answer(job, applied, fanout);
            }
        }
        Err(err) => {
            tracing::error!(error = %err, changes = batch.len(), "storing room changes failed; nothing was acknowledged");
            for job in batch.drain(..) {
                answer(job, Err(RoomError::NotSaved), fanout);
            }
            if let Err(err) = store.reopen() {
                tracing::error!(error = %err, "reopening the database failed; /healthz reports unhealthy");
            }
        }
    }
}

/// Publishes a committed change's effects, then tells whoever waits.
fn answer(job: Job, applied: Applied, fanout: &dyn Fanout) {
    let client_id = match &job.change {
        Change::Post(post) => post.client_id.as_deref(),
        _ => None,
    };
    let outcome = applied.map(|(outcome, effects)| {
        for effect in &effects {
            match effect {
                Effect::Message(message) => fanout.message(message),
                Effect::Sidebar(user_id, event) => fanout.sidebar(*user_id, event),
                Effect::CutOff { room_id, user_id } => fanout.cut_off(*room_id, *user_id),
            }
        }
        outcome
    });
    match job.reply {
        Reply::Wait(waiter) => {
            let _ = waiter.send(outcome);
        }
        Reply::Send(sender) => match &outcome {
            Ok(Outcome::Duplicate(message)) => sender.duplicate(message),
            Ok(_) => {}
            Err(error) => sender.refused(error, client_id),
        },
    }
}
