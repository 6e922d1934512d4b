//! From committed messages to webhook deliveries, none of which the chat path waits for.
//!
//! [`run`] reads each new message from the event stream; for each enabled webhook of its room
//! that wants it (every message, or those that mention its bot, never the bot's own), one
//! delivery starts: the body is the same JSON for every webhook of the message, signed with
//! each one's secret ([`super::sign`]). Up to [`SENDING`] requests are in flight at once,
//! each within the client's deadline (5 s). A 2xx answer is a success; 408, 429, 5xx or no
//! answer are tried again after 1, 4 and 16 seconds ([`retry`]) with the same body and
//! delivery id; anything else, or the retries spent, is a failure, and [`FAILURES_MAX`]
//! failures in a row disable the webhook with the reason shown to its owners.
//!
//! Deliveries of one webhook may overlap, so a receiver may see them out of order: a message's
//! `id` orders them, and `X-Confab-Delivery` tells a retry from a new delivery.
//!
//! [`FAILURES_MAX`]: super::FAILURES_MAX

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use poem::http::{HeaderMap, HeaderValue, header};
use serde::Serialize;
use tokio::sync::Semaphore;

use super::{Hook, Webhooks, sign};
use crate::events::{Event, Subscription};
use crate::outbound::{Answer, Endpoint, Tasks, retry};
use crate::rooms::view::MessageView;

/// Requests in flight at once.
pub const SENDING: usize = 8;
/// Deliveries not yet ended (waiting, in flight or between retries), at most; more are
/// dropped and counted.
const OUTSTANDING_MAX: usize = 10_000;

/// What a webhook receives.
#[derive(Serialize)]
struct Body<'a> {
    /// `message`: a new message.
    r#type: &'static str,
    /// The message as the API shows it (`Message` in `/api/openapi.json`).
    message: &'a MessageView,
}

/// One message for one webhook.
struct Delivery {
    hook: Arc<Hook>,
    body: Bytes,
    /// The same for every attempt: `<webhook id>-<room id>-<message id>`.
    id: String,
}

/// Starts the consumer, reading `events` until the returned tasks stop.
pub fn start(webhooks: Arc<Webhooks>, events: Subscription) -> Tasks {
    let tasks = Tasks::new();
    tasks.spawn(run(webhooks, events, tasks.clone()));
    tasks
}

/// Whether `hook` wants `message`.
fn wants(hook: &Hook, message: &MessageView) -> bool {
    match &hook.mentions_of {
        None => true,
        Some((bot, name)) => {
            message.user_id != *bot
                && message
                    .mentions
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(name))
        }
    }
}

async fn run(webhooks: Arc<Webhooks>, mut events: Subscription, tasks: Tasks) {
    let slots = Arc::new(Semaphore::new(SENDING));
    let outstanding = Arc::new(AtomicUsize::new(0));
    while let Some(event) = events.next().await {
        match &*event {
            Event::Message(message) => {
                let hooks: Vec<Arc<Hook>> = webhooks
                    .of_room(message.room_id)
                    .into_iter()
                    .filter(|hook| wants(hook, message))
                    .collect();
                if hooks.is_empty() {
                    continue;
                }
                let body = Body {
                    r#type: "message",
                    message,
                };
                let body = match serde_json::to_vec(&body) {
                    Ok(body) => Bytes::from(body),
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot write a webhook's body");
                        continue;
                    }
                };
                for hook in hooks {
                    if outstanding.fetch_add(1, Ordering::Relaxed) >= OUTSTANDING_MAX {
                        outstanding.fetch_sub(1, Ordering::Relaxed);
                        webhooks.counts.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let delivery = Delivery {
                        id: format!("{}-{}-{}", hook.id, message.room_id, message.id),
                        hook,
                        body: body.clone(),
                    };
                    let (webhooks, slots, outstanding) = (
                        Arc::clone(&webhooks),
                        Arc::clone(&slots),
                        Arc::clone(&outstanding),
                    );
                    tasks.spawn(async move {
                        let outcome = deliver(&webhooks, &slots, &delivery).await;
                        webhooks.settled(delivery.hook.id, outcome).await;
                        outstanding.fetch_sub(1, Ordering::Relaxed);
                    });
                }
            }
            Event::RoomDeleted { .. } | Event::ProfileChanged { .. } => {
                if let Err(err) = webhooks.reloaded().await {
                    tracing::warn!(error = %err, "cannot reload the webhooks");
                }
            }
            _ => {}
        }
    }
}

/// Sends one delivery, trying again as [`retry`] says: `Ok(status)` once accepted, or why not.
async fn deliver(
    webhooks: &Webhooks,
    slots: &Semaphore,
    delivery: &Delivery,
) -> Result<String, String> {
    let mut attempt = 0;
    loop {
        let (why, retry_after) = {
            let Ok(_slot) = slots.acquire().await else {
                return Err("the server is stopping".into());
            };
            match attempt_once(webhooks, delivery).await {
                Attempt::Accepted(status) => return Ok(status),
                Attempt::Refused(why) => return Err(why),
                Attempt::Retry(why, retry_after) => (why, retry_after),
            }
        };
        let Some(wait) = retry::backoff(attempt, retry_after) else {
            return Err(why);
        };
        webhooks.counts.retried.fetch_add(1, Ordering::Relaxed);
        attempt += 1;
        tokio::time::sleep(wait).await;
    }
}

enum Attempt {
    Accepted(String),
    /// For good: a 4xx answer, or a URL that may not be reached.
    Refused(String),
    /// Worth another try, after `Retry-After` seconds when the receiver said.
    Retry(String, Option<u64>),
}

async fn attempt_once(webhooks: &Webhooks, delivery: &Delivery) -> Attempt {
    let hook = &delivery.hook;
    let endpoint = match Endpoint::parse(&hook.url, webhooks.client.reach()) {
        Ok(endpoint) => endpoint,
        Err(err) => return Attempt::Refused(err.to_string()),
    };
    let mut headers = HeaderMap::new();
    let signature = sign::signature(&hook.secret, &delivery.body);
    let (Ok(signature), Ok(id)) = (
        HeaderValue::from_str(&signature),
        HeaderValue::from_str(&delivery.id),
    ) else {
        return Attempt::Refused("the delivery's headers cannot be written".into());
    };
    headers.insert(sign::HEADER, signature);
    headers.insert("x-confab-delivery", id);
    headers.insert("x-confab-webhook", HeaderValue::from(hook.id));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::USER_AGENT,
        HeaderValue::from_static(concat!("confab/", env!("CARGO_PKG_VERSION"))),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(delivery.body.len()),
    );
    match webhooks
        .client
        .post(&endpoint, headers, delivery.body.clone())
        .await
    {
        Ok(Answer { status, .. }) if status.is_success() => Attempt::Accepted(status.to_string()),
        Ok(Answer {
            status,
            retry_after,
        }) if retry::worth_retrying(status) => {
            Attempt::Retry(format!("the receiver answered {status}"), retry_after)
        }
        Ok(Answer { status, .. }) => Attempt::Refused(format!("the receiver answered {status}")),
        Err(err) => Attempt::Retry(err.to_string(), None),
    }
}
