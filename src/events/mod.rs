//! The one stream of committed changes. Whatever changes the data and concerns someone beyond
//! the caller — a new message, an edit, a membership, a password change that ends sessions, a
//! new picture, a friend request — is published here once, as an [`Event`], after the
//! transaction holding it has committed, and in commit order.
//!
//! Two kinds of consumer read the stream:
//!
//! - the **live** consumer (the chat hub) takes each event synchronously, on the publishing
//!   thread, before the next one is published. That is what makes "durable before visible" and
//!   "removal takes effect at once" hold: nothing reaches a socket before it is committed, and a
//!   removed member's sockets stop following the room before anything committed after the
//!   removal reaches them.
//! - **queued** consumers ([`Events::subscribe`]) each get a bounded queue. Publishing never
//!   waits for them: when a queue is full the event is dropped for that consumer, counted, and
//!   logged once per burst ([`Events::dropped`]), so a slow consumer can never slow the writer
//!   or the hub.
//!
//! Order: [`Events::commit`] runs a commit and publishes its events under one lock, so the
//! stream's order is the order in which the commits happened, whichever thread made them (the
//! room writer, or a service on a blocking thread). Only commits that may publish take the
//! lock (every room change, and the account and people changes that concern others); the
//! writer already serialises every room change, and redb serialises every write.

mod event;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use tokio::sync::mpsc;

pub use event::{Event, SessionEnd};

/// The consumer that takes every event as it is published, in order (the chat hub).
pub trait Live: Send + Sync + 'static {
    fn take(&self, event: &Event);
}

/// A queued consumer's end of the stream.
pub struct Subscription {
    rx: mpsc::Receiver<Arc<Event>>,
}

impl Subscription {
    /// The next event; `None` once the stream is gone (the server is stopping).
    pub async fn next(&mut self) -> Option<Arc<Event>> {
        self.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<Arc<Event>> {
        self.rx.try_recv().ok()
    }
}

/// One queued consumer, as the stream sees it.
struct Queue {
    name: &'static str,
    /// Asked of each event before it is queued: what a consumer never uses costs it no wake-up.
    wants: Box<dyn Fn(&Event) -> bool + Send + Sync>,
    tx: mpsc::Sender<Arc<Event>>,
    dropped: AtomicU64,
    /// The last event offered to it was dropped: the next drop is not logged again.
    full: AtomicBool,
}

/// How many events a queued consumer missed because its queue was full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub consumer: &'static str,
    pub events: u64,
}

/// The stream. Cheap to share behind an `Arc`.
pub struct Events {
    /// Held while a commit runs and its events are published.
    order: Mutex<()>,
    live: Option<Arc<dyn Live>>,
    queues: RwLock<Vec<Queue>>,
}

impl Events {
    /// A stream whose live consumer is `live` (none: a command run without a server, whose
    /// changes concern no open socket).
    pub fn new(live: Option<Arc<dyn Live>>) -> Events {
        Events {
            order: Mutex::new(()),
            live,
            queues: RwLock::new(Vec::new()),
        }
    }

    /// Runs `commit`, which commits a transaction and returns its events, and publishes them
    /// before any other commit's. Nothing is published if `commit` fails. The live consumer
    /// runs under the same lock, so it must never commit anything itself.
    pub fn commit<T, E>(
        &self,
        commit: impl FnOnce() -> Result<(T, Vec<Event>), E>,
    ) -> Result<T, E> {
        let _order = lock(&self.order);
        let (value, events) = commit()?;
        self.publish(events);
        Ok(value)
    }

    fn publish(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        if let Some(live) = &self.live {
            for event in &events {
                live.take(event);
            }
        }
        let queues = self.queues.read().unwrap_or_else(|e| e.into_inner());
        if queues.is_empty() {
            return;
        }
        for event in events {
            if !queues.iter().any(|queue| (queue.wants)(&event)) {
                continue;
            }
            let event = Arc::new(event);
            for queue in queues.iter().filter(|queue| (queue.wants)(&event)) {
                offer(queue, &event);
            }
        }
    }

    /// A new queued consumer of every event published from now on, with room for `capacity`
    /// events it has not taken yet.
    pub fn subscribe(&self, name: &'static str, capacity: usize) -> Subscription {
        self.subscribe_to(name, capacity, |_| true)
    }

    /// A new queued consumer of the events published from now on that `wants` says it wants
    /// (asked as each is published, under the commit's lock: it must be quick).
    pub fn subscribe_to(
        &self,
        name: &'static str,
        capacity: usize,
        wants: impl Fn(&Event) -> bool + Send + Sync + 'static,
    ) -> Subscription {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        self.queues
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Queue {
                name,
                wants: Box::new(wants),
                tx,
                dropped: AtomicU64::new(0),
                full: AtomicBool::new(false),
            });
        Subscription { rx }
    }

    /// For each queued consumer, how many events it missed because its queue was full.
    pub fn dropped(&self) -> Vec<Dropped> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|queue| Dropped {
                consumer: queue.name,
                events: queue.dropped.load(Ordering::Relaxed),
            })
            .collect()
    }
}

/// Hands an event to a queued consumer without waiting: a full queue loses it, and says so.
fn offer(queue: &Queue, event: &Arc<Event>) {
    match queue.tx.try_send(Arc::clone(event)) {
        Ok(()) => queue.full.store(false, Ordering::Relaxed),
        Err(mpsc::error::TrySendError::Full(_)) => {
            let dropped = queue.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if !queue.full.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    consumer = queue.name,
                    dropped,
                    "an event consumer is behind; events are dropped for it"
                );
            }
        }
        // A consumer that stopped reading misses nothing it would have used.
        Err(mpsc::error::TrySendError::Closed(_)) => {}
    }
}

fn lock(mutex: &Mutex<()>) -> MutexGuard<'_, ()> {
    // The guarded value is `()`: a panic while holding it leaves nothing half-changed.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
