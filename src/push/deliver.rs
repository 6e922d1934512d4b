//! From committed messages to pushes, in three stages joined by bounded queues, none of which
//! the chat path ever waits for:
//!
//! 1. **Who** ([`run`]): each new message, from the event stream, is weighed for everyone with
//!    a subscription and no open socket: a member of the room whose level calls them for it
//!    (`all`; `mentions` and named or `@room`), never its author nor someone who blocked them.
//! 2. **Held** ([`hold`]): each push waits [`HOLD`] so a person reading on another device
//!    (their socket opens, or their read position passes the message) is not pushed; then, per
//!    subscription whose session still stands, it is queued to send.
//! 3. **Sent** ([`send`]): up to [`SENDING`] at once, each encrypted for its browser and
//!    POSTed with VAPID, within [`Client`]'s deadline. 201 and the like: sent. 404 or 410: the
//!    browser unsubscribed, and the subscription goes. 408, 429, 5xx or no answer: tried again after
//!    1, 4 and 16 seconds (or the service's `Retry-After`, at most a minute: [`retry`]), then
//!    given up.
//!
//! A full queue drops what does not fit, and counts it (`Push::counts`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use super::payload::Payload;
use super::who::called;
use super::{Push, blocking};
use crate::events::{Event, Subscription};
use crate::outbound::{Answer, Endpoint, Tasks, retry};
use crate::store::PushRecord;

/// How long a push waits for its person to read the message elsewhere.
pub const HOLD: Duration = Duration::from_secs(2);
/// Pushes waiting out [`HOLD`], at most.
const HELD_MAX: usize = 10_000;
/// Pushes waiting to be sent, at most.
const QUEUED_MAX: usize = 10_000;
/// Pushes in flight at once.
pub const SENDING: usize = 16;
/// How long a push service keeps a push for a browser that is offline (the `TTL` header).
const TTL_SECS: u64 = 24 * 60 * 60;

/// Tells whether a person has a socket open (from its `hello` on).
pub type Online = Arc<dyn Fn(u64) -> bool + Send + Sync>;

/// A message that calls a person, waiting out [`HOLD`].
struct Held {
    due: Instant,
    user_id: u64,
    payload: Arc<Payload>,
}

/// One push to one browser.
struct Job {
    id: u64,
    record: PushRecord,
    payload: Arc<Payload>,
    attempt: usize,
}

/// The running stages, and every push in flight.
pub type Pushing = Tasks;

/// Starts the three stages, reading `events` until [`Pushing::stop`].
pub fn start(push: Arc<Push>, events: Subscription, online: Online) -> Pushing {
    let tasks = Tasks::new();
    let (held_tx, held_rx) = mpsc::channel(HELD_MAX);
    let (jobs_tx, jobs_rx) = mpsc::channel(QUEUED_MAX);
    let sending = send(Arc::clone(&push), jobs_rx, jobs_tx.clone(), tasks.clone());
    tasks.spawn(run(Arc::clone(&push), events, Arc::clone(&online), held_tx));
    tasks.spawn(hold(push, held_rx, online, jobs_tx));
    tasks.spawn(sending);
    tasks
}

/// Stage 1: who is called by each new message.
async fn run(push: Arc<Push>, mut events: Subscription, online: Online, held: mpsc::Sender<Held>) {
    while let Some(event) = events.next().await {
        match &*event {
            Event::Message(message) => {
                let candidates: Vec<u64> = push
                    .subscribers()
                    .into_iter()
                    .filter(|&user_id| user_id != message.user_id && !online(user_id))
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let store = Arc::clone(&push.store);
                let message = message.clone();
                let called =
                    blocking(move || called(&store.snapshot()?, &message, &candidates)).await;
                match called {
                    Ok(called) => {
                        let due = Instant::now() + HOLD;
                        for (user_id, payload) in called {
                            let item = Held {
                                due,
                                user_id,
                                payload: Arc::new(payload),
                            };
                            if held.try_send(item).is_err() {
                                push.counts.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(err) => tracing::warn!(error = %err, "cannot weigh a message for pushes"),
                }
            }
            Event::SessionsEnded { keys, .. } => {
                let store = Arc::clone(&push.store);
                let keys = keys.clone();
                let removed = blocking(move || store.remove_pushes_of_sessions(&keys)).await;
                if let Ok(users) = removed {
                    for user_id in users {
                        push.forget_if_none(user_id).await;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Stage 2: each push waits out [`HOLD`]; then, unless its person came online or read the
/// message meanwhile, it goes to each of their browsers.
async fn hold(
    push: Arc<Push>,
    mut held: mpsc::Receiver<Held>,
    online: Online,
    jobs: mpsc::Sender<Job>,
) {
    // Every push waits as long, so they come due in the order they arrive.
    while let Some(item) = held.recv().await {
        tokio::time::sleep_until(item.due).await;
        if online(item.user_id) || !push.is_subscribed(item.user_id) {
            continue;
        }
        let store = Arc::clone(&push.store);
        let (user_id, room_id) = (item.user_id, item.payload.room_id);
        let found = blocking(move || {
            let snapshot = store.snapshot()?;
            let read = snapshot.read_position(user_id, room_id)?;
            let mut browsers = Vec::new();
            for (id, record) in snapshot.user_pushes(user_id)? {
                // A session that ended (signed out) gets nothing more, even before its
                // subscription is swept.
                if snapshot.session_exists(record.session)? {
                    browsers.push((id, record));
                }
            }
            Ok((read, browsers))
        })
        .await;
        let (read, browsers) = match found {
            Ok(found) => found,
            Err(err) => {
                tracing::warn!(error = %err, "cannot look up a push's browsers");
                continue;
            }
        };
        if read >= item.payload.id {
            continue;
        }
        for (id, record) in browsers {
            let job = Job {
                id,
                record,
                payload: Arc::clone(&item.payload),
                attempt: 0,
            };
            if jobs.try_send(job).is_ok() {
                push.counts.queued.fetch_add(1, Ordering::Relaxed);
            } else {
                push.counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Stage 3: sends, [`SENDING`] at a time; a push to try again goes back to the queue later.
async fn send(
    push: Arc<Push>,
    mut jobs: mpsc::Receiver<Job>,
    again: mpsc::Sender<Job>,
    tasks: Tasks,
) {
    let slots = Arc::new(Semaphore::new(SENDING));
    while let Some(job) = jobs.recv().await {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let push = Arc::clone(&push);
        let again = again.clone();
        tasks.spawn(async move {
            let outcome = deliver(&push, &job).await;
            drop(slot);
            settle(&push, job, outcome, again).await;
        });
    }
}

/// What became of one attempt.
enum Outcome {
    Sent,
    /// The browser is gone: its subscription goes.
    Gone,
    /// Worth another try, after this many seconds at the least (`Retry-After`).
    Retry(Option<u64>),
    /// Refused for good (a 400, 403, 413…), or cannot be built.
    Failed(String),
}

async fn deliver(push: &Push, job: &Job) -> Outcome {
    let endpoint = match Endpoint::parse(&job.record.endpoint, push.client.reach()) {
        Ok(endpoint) => endpoint,
        Err(err) => return Outcome::Failed(err.to_string()),
    };
    let Some(body) = encrypt(&job.record, &job.payload.to_bytes()) else {
        return Outcome::Failed("the browser's keys do not encrypt".into());
    };
    let now_secs = push.clock.now_ms() / 1000;
    let mut headers = HeaderMap::new();
    let authorization = push.vapid.authorization(&endpoint.origin, now_secs);
    let Ok(authorization) = HeaderValue::from_str(&authorization) else {
        return Outcome::Failed("the signature is not a header".into());
    };
    headers.insert(header::AUTHORIZATION, authorization);
    headers.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static("aes128gcm"),
    );
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("ttl", HeaderValue::from(TTL_SECS));
    headers.insert("urgency", HeaderValue::from_static("high"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    match push
        .client
        .post(&endpoint, headers, Bytes::from(body))
        .await
    {
        Ok(Answer { status, .. }) if status.is_success() => Outcome::Sent,
        Ok(Answer { status, .. })
            if status == StatusCode::NOT_FOUND || status == StatusCode::GONE =>
        {
            Outcome::Gone
        }
        Ok(Answer {
            status,
            retry_after,
        }) if retry::worth_retrying(status) => Outcome::Retry(retry_after),
        Ok(Answer { status, .. }) => Outcome::Failed(format!("the push service answered {status}")),
        Err(err) => {
            tracing::debug!(error = %err, "a push got no answer");
            Outcome::Retry(None)
        }
    }
}

/// RFC 8291: the payload encrypted for the browser's key and secret.
fn encrypt(record: &PushRecord, plain: &[u8]) -> Option<Vec<u8>> {
    let key = web_push_native::p256::PublicKey::from_sec1_bytes(&record.p256dh).ok()?;
    let auth = web_push_native::Auth::clone_from_slice(record.auth.get(..16)?);
    web_push_native::encrypt(plain.to_vec(), &key, &auth).ok()
}

async fn settle(push: &Push, mut job: Job, outcome: Outcome, again: mpsc::Sender<Job>) {
    let counts = &push.counts;
    match outcome {
        Outcome::Sent => {
            counts.sent.fetch_add(1, Ordering::Relaxed);
        }
        Outcome::Gone => {
            counts.gone.fetch_add(1, Ordering::Relaxed);
            let store = Arc::clone(&push.store);
            let (id, user_id) = (job.id, job.record.user_id);
            if blocking(move || store.remove_push(id, None)).await.is_ok() {
                push.forget_if_none(user_id).await;
            }
        }
        Outcome::Retry(after) if retry::backoff(job.attempt, after).is_some() => {
            let wait = retry::backoff(job.attempt, after).unwrap_or_default();
            job.attempt += 1;
            tokio::time::sleep(wait).await;
            if again.try_send(job).is_err() {
                counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        Outcome::Retry(_) => {
            counts.failed.fetch_add(1, Ordering::Relaxed);
        }
        Outcome::Failed(why) => {
            counts.failed.fetch_add(1, Ordering::Relaxed);
            tracing::info!(subscription = job.id, why, "a push was refused");
        }
    }
}
