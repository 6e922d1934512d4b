//! The group-commit writer: one thread that owns every room change (messages, memberships).
//!
//! It takes every change waiting in its queue, applies them in one transaction, and only after
//! that transaction is durable (by the store's message journal or a durable commit, see
//! [`Store::transact_batch`]) publishes their events, in order, on the event stream
//! ([`Events::commit`]), then gives each caller its change's typed reply. While a commit's
//! fsync is in progress new changes pile up and go into the next batch, so durability costs one
//! fsync per batch, not per message; under a steady stream the writer also waits out a short
//! cadence window so batches do not shrink to one message each. A failed commit acknowledges
//! nothing: every change of the batch is refused with a storage error.
//!
//! One thread in commit order is also what makes a removal take effect at once: the removed
//! member's sockets are cut off before anything committed after the removal is published.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use tokio::sync::{mpsc, oneshot};

use super::RoomError;
use super::changes::{Batch, Change};
use crate::clock::SharedClock;
use crate::events::{Event, Events};
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

/// A change in the queue, with whoever waits for its reply; its own type is erased so that
/// changes of every kind share one queue and one batch.
trait Job: Send {
    /// Applies the change in the batch's transaction, keeping its reply for later; returns the
    /// events it publishes if the batch commits.
    fn apply(&mut self, batch: &mut Batch<'_, '_>) -> Result<Vec<Event>, StoreError>;
    /// The batch committed: the caller hears the change's reply (or why it was refused).
    fn answer(self: Box<Self>);
    /// The change was not stored.
    fn refuse(self: Box<Self>, error: RoomError);
}

struct Queued<C: Change, F> {
    change: C,
    reply: F,
    applied: Option<Result<C::Reply, RoomError>>,
}

impl<C, F> Job for Queued<C, F>
where
    C: Change,
    F: FnOnce(Result<C::Reply, RoomError>) + Send + 'static,
{
    fn apply(&mut self, batch: &mut Batch<'_, '_>) -> Result<Vec<Event>, StoreError> {
        let (reply, events) = match self.change.apply(batch)? {
            Ok((reply, events)) => (Ok(reply), events),
            Err(refused) => (Err(refused), Vec::new()),
        };
        self.applied = Some(reply);
        Ok(events)
    }

    fn answer(self: Box<Self>) {
        let Queued { reply, applied, .. } = *self;
        reply(applied.unwrap_or(Err(RoomError::NotSaved)));
    }

    fn refuse(self: Box<Self>, error: RoomError) {
        (self.reply)(Err(error));
    }
}

enum Message {
    Job(Box<dyn Job>),
    Stop,
}

/// Handle for submitting changes to the writer.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Message>,
    committed: Committed,
}

/// What the writer's commits have been like, for the metrics.
#[derive(Debug, Clone)]
pub struct Committed {
    /// How long each batch took, from its transaction's start to its commit's end (fsync
    /// included).
    pub seconds: Histogram,
    /// Changes per batch.
    pub batch_size: Histogram,
    /// New messages stored.
    pub messages: Counter,
    /// When the last batch committed, in Unix milliseconds (0: none yet).
    pub last_at: Gauge,
}

impl Committed {
    fn new() -> Committed {
        Committed {
            // 100 µs to about 1.6 s.
            seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 15)),
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            messages: Counter::default(),
            last_at: Gauge::default(),
        }
    }
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
        events: Arc<Events>,
        clock: SharedClock,
    ) -> (Writer, WriterThread) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let committed = Committed::new();
        let recorded = committed.clone();
        let thread = std::thread::Builder::new()
            .name("confab-writer".into())
            .spawn(move || run(rx, &store, &events, clock, &recorded))
            .expect("cannot start the room writer thread");
        (Writer { tx, committed }, WriterThread(thread))
    }

    /// What the commits have been like so far.
    pub fn committed(&self) -> &Committed {
        &self.committed
    }

    /// Queues a change; `reply` hears how it went once it is committed (or refused), on the
    /// writer's thread, so it must not wait for anything. Waits only when the writer is far
    /// behind.
    pub async fn submit<C: Change>(
        &self,
        change: C,
        reply: impl FnOnce(Result<C::Reply, RoomError>) + Send + 'static,
    ) -> Result<(), RoomError> {
        let job = Queued {
            change,
            reply,
            applied: None,
        };
        self.tx
            .send(Message::Job(Box::new(job)))
            .await
            .map_err(|_| RoomError::ShuttingDown)
    }

    /// Queues a change and waits until it is committed (or refused).
    pub async fn apply<C: Change>(&self, change: C) -> Result<C::Reply, RoomError> {
        let (tx, rx) = oneshot::channel();
        self.submit(change, move |reply| {
            let _ = tx.send(reply);
        })
        .await?;
        rx.await.unwrap_or(Err(RoomError::ShuttingDown))
    }

    /// Asks the writer to store everything queued so far and stop.
    pub async fn stop(&self) {
        let _ = self.tx.send(Message::Stop).await;
    }
}

fn run(
    mut rx: mpsc::Receiver<Message>,
    store: &Store,
    events: &Events,
    clock: SharedClock,
    committed: &Committed,
) {
    // A runtime of its own, only to wait for the queue with a deadline.
    let timer = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("cannot start the room writer's timer");
    let mut batch: Vec<Box<dyn Job>> = Vec::new();
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
            commit(&mut batch, store, events, clock.now_ms(), committed);
        }
    }
    // Whatever arrives after the stop is refused, never silently dropped.
    rx.close();
    while let Ok(message) = rx.try_recv() {
        if let Message::Job(job) = message {
            job.refuse(RoomError::ShuttingDown);
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
fn take_waiting(rx: &mut mpsc::Receiver<Message>, batch: &mut Vec<Box<dyn Job>>) -> bool {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(Message::Job(job)) => batch.push(job),
            Ok(Message::Stop) => return true,
            Err(_) => break,
        }
    }
    false
}

/// Applies the batch in one transaction, publishes its events once it is durable, then answers
/// every caller. The events of the whole batch are published before any reply, so a caller
/// that hears "done" finds the change already on every socket.
fn commit(
    batch: &mut Vec<Box<dyn Job>>,
    store: &Store,
    events: &Events,
    now_ms: u64,
    recorded: &Committed,
) {
    let started = Instant::now();
    let changes = batch.len();
    let committed = events.commit(|| {
        let stored = store.transact_batch(now_ms, |tx| {
            let mut changes = Batch::new(tx);
            let mut published = Vec::new();
            for job in batch.iter_mut() {
                published.extend(job.apply(&mut changes)?);
            }
            Ok(((), published))
        });
        // Counted before the events are published, so whoever sees a message sees it counted.
        if let Ok(((), published)) = &stored {
            recorded.seconds.observe(started.elapsed().as_secs_f64());
            recorded.batch_size.observe(changes as f64);
            let messages = published
                .iter()
                .filter(|event| matches!(event, Event::Message(_)))
                .count();
            recorded.messages.inc_by(messages as u64);
            recorded
                .last_at
                .set(i64::try_from(now_ms).unwrap_or(i64::MAX));
        }
        stored
    });
    match committed {
        Ok(()) => {
            for job in batch.drain(..) {
                job.answer();
            }
        }
        Err(err) => {
            tracing::error!(error = %err, changes = batch.len(), "storing room changes failed; nothing was acknowledged");
            for job in batch.drain(..) {
                job.refuse(RoomError::NotSaved);
            }
            if let Err(err) = store.reopen() {
                tracing::error!(error = %err, "reopening the database failed; /healthz reports unhealthy");
            }
        }
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
