//! The group-commit writer: one thread that owns every room change (messages, memberships).
//!
//! It takes every change waiting in its queue, applies them in one transaction, and only after
//! that transaction is durable (by the store's message journal or a durable commit, see
//! [`Store::transact_batch`]) publishes them, in order, through the [`Fanout`]. While a
//! commit's fsync is in progress new changes pile up and go into the next batch, so durability
//! costs one fsync per batch, not per message; under a steady stream the writer also waits out
//! a short cadence window so batches do not shrink to one message each. A failed commit
//! acknowledges nothing: every change of the batch is refused with a storage error.
//!
//! One thread in commit order is also what makes a removal take effect at once: the removed
//! member's sockets are cut off before anything committed after the removal is published.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::RoomError;
use super::changes::{Applied, Batch, Change, Effect, Outcome};
use super::fanout::Fanout;
use super::view::MessageView;
use crate::clock::SharedClock;
use crate::store::{Store, StoreError};

/// Most changes in one transaction.
const MAX_BATCH: usize = 4096;
/// Under a steady stream of changes, a commit starts no sooner than this after the one before
/// it started. Making a batch durable (one fsync) costs about the same for one message as for
/// fifty, so at an everyday rate (a message every half millisecond) the writer collects for the
/// rest of this window instead of committing each message alone; a change after a quiet spell,
/// or behind a commit that took longer than this, is committed at once.
const CADENCE: Duration = Duration::from_millis(2);
/// How long a failed checkpoint waits before the next try.
const CHECKPOINT_RETRY: Duration = Duration::from_secs(1);
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
    // A runtime of its own, only to wait for the queue with a deadline.
    let timer = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("cannot start the room writer's timer");
    let mut batch: Vec<Job> = Vec::new();
    let mut stopping = false;
    let mut last_start: Option<Instant> = None;
    // After a failed checkpoint, the next try waits this long.
    let mut retry = Duration::ZERO;
    while !stopping {
        // After a commit that is not durable by itself (read positions, journalled messages),
        // a quiet second ends with a durable one, so a crash loses at most that second of
        // read positions and the journal stays short.
        let first = match store.checkpoint_owed_in() {
            None => rx.blocking_recv(),
            Some(wait) => {
                let wait = wait.max(retry);
                match timer.block_on(async { tokio::time::timeout(wait, rx.recv()).await }) {
                    Ok(message) => message,
                    Err(_) => {
                        retry = match store.checkpoint() {
                            Ok(()) => Duration::ZERO,
                            Err(err) => {
                                tracing::warn!(error = %err, "cannot make the latest changes durable");
                                CHECKPOINT_RETRY
                            }
                        };
                        continue;
                    }
                }
            }
        };
        let Some(first) = first else {
            break;
        };
        match first {
            Message::Job(job) => batch.push(job),
            Message::Stop => stopping = true,
        }
        if !stopping {
            stopping = take_waiting(&mut rx, &mut batch);
        }
        if !stopping
            && let Some(pause) = pause_before_commit(last_start, batch.len(), Instant::now())
        {
            std::thread::sleep(pause);
            stopping = take_waiting(&mut rx, &mut batch);
        }
        if !batch.is_empty() {
            last_start = Some(Instant::now());
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
    // Leave the database holding everything, so the next start has no journal to replay.
    if let Err(err) = store.checkpoint() {
        tracing::warn!(error = %err, "cannot fold the message journal into the database at shutdown");
    }
}

/// How much longer to collect before committing: the rest of the [`CADENCE`] window when the
/// last commit started within it and the batch has room, else nothing.
fn pause_before_commit(
    last_start: Option<Instant>,
    batched: usize,
    now: Instant,
) -> Option<Duration> {
    let due = last_start? + CADENCE;
    (batched < MAX_BATCH && now < due).then(|| due - now)
}

/// Moves whatever waits in the queue into the batch, up to [`MAX_BATCH`]; true if it met the
/// stop.
fn take_waiting(rx: &mut mpsc::Receiver<Message>, batch: &mut Vec<Job>) -> bool {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(Message::Job(job)) => batch.push(job),
            Ok(Message::Stop) => return true,
            Err(_) => break,
        }
    }
    false
}

fn commit(batch: &mut Vec<Job>, store: &Store, fanout: &dyn Fanout, now_ms: u64) {
    let applied = store.transact_batch(now_ms, |tx| {
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
                Effect::Update(message) => fanout.update(message),
                Effect::Read {
                    user_id,
                    room_id,
                    unread,
                } => fanout.read(*user_id, *room_id, unread),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_after_a_quiet_spell_is_committed_at_once() {
        let now = Instant::now();
        assert_eq!(pause_before_commit(None, 1, now), None);
        assert_eq!(pause_before_commit(Some(now - CADENCE * 2), 1, now), None);
    }

    #[test]
    fn a_change_right_behind_a_commit_waits_out_the_window() {
        let started = Instant::now();
        let pause = pause_before_commit(Some(started), 1, started + CADENCE / 4);
        assert_eq!(pause, Some(CADENCE - CADENCE / 4));
    }

    #[test]
    fn a_full_batch_is_committed_at_once() {
        let started = Instant::now();
        assert_eq!(pause_before_commit(Some(started), MAX_BATCH, started), None);
    }
}
