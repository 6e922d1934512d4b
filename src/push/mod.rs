//! Web Push: notifications that reach a person's browsers while no page of theirs is open.
//!
//! - [`vapid`]: the server's key, made on the first start and kept with the data, and the
//!   signed `Authorization` every push carries.
//! - This file: the subscriptions people make (`POST /api/v1/push/subscriptions`), checked and
//!   kept, each bound to the session that made it.
//! - [`deliver`]: a queued consumer of the committed-event stream that decides who is pushed
//!   for each new message ([`who`]: by level, mentions and blocks), waits a moment for them to
//!   read it elsewhere, then encrypts (RFC 8291, by `web-push-native`) and sends from a bounded
//!   queue with timeouts and retries. [`payload`]: what a push says.
//!   Nothing on the chat path waits for any of it.

pub mod deliver;
mod payload;
pub mod vapid;
mod who;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

use crate::auth::Session;
use crate::clock::SharedClock;
use crate::events::Event;
use crate::outbound::{Client, Endpoint, EndpointError};
use crate::store::{PushRecord, Store, StoreError};
use vapid::Vapid;

/// The most browsers one person may have subscribed at once.
pub const PER_PERSON: usize = 20;

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{0}")]
    Endpoint(#[from] EndpointError),
    #[error("the subscription's keys are not a P-256 public key and a 16-byte secret")]
    Keys,
    #[error("at most {PER_PERSON} browsers can be subscribed; remove one first")]
    TooMany,
    #[error("no such subscription")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a browser's `PushSubscription` gives: where, and its keys (base64url).
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// A subscribed browser, as the person's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: u64,
    /// "Firefox on Android", from the browser's `User-Agent`.
    pub name: String,
    /// The push service's host.
    pub service: String,
    pub created_at: u64,
    /// Made by the session asking.
    pub this_session: bool,
}

/// Counts since the server started, for `confab bench` and the logs.
#[derive(Debug, Default)]
pub struct Counts {
    /// Pushes handed to the send queue.
    pub queued: AtomicU64,
    /// Pushes a push service accepted.
    pub sent: AtomicU64,
    /// Pushes given up on (after retries, or refused).
    pub failed: AtomicU64,
    /// Pushes not queued because a queue was full.
    pub dropped: AtomicU64,
    /// Subscriptions removed because their push service said they are gone.
    pub gone: AtomicU64,
}

/// The push service of this server.
pub struct Push {
    store: Arc<Store>,
    clock: SharedClock,
    vapid: Vapid,
    client: Client,
    /// Everyone with a subscription: only they are considered for each message.
    subscribed: Mutex<HashSet<u64>>,
    pub counts: Counts,
}

fn decode_key(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(text))
        .ok()
}

impl Push {
    /// `contact`: who runs the server, for push services (`mailto:` or `https:`).
    pub fn new(
        store: Arc<Store>,
        clock: SharedClock,
        contact: String,
        client: Client,
    ) -> Result<Push, StoreError> {
        let vapid = Vapid::load(&store, contact)?;
        let subscribed = store.users_with_pushes()?.into_iter().collect();
        Ok(Push {
            store,
            clock,
            vapid,
            client,
            subscribed: Mutex::new(subscribed),
            counts: Counts::default(),
        })
    }

    /// base64url of the server's public VAPID key.
    pub fn public_key(&self) -> &str {
        self.vapid.public_key()
    }

    /// Keeps a browser's subscription for the session's person; the same browser again
    /// replaces its keys. Returns the subscription's id.
    pub async fn subscribe(
        &self,
        session: &Session,
        new: NewSubscription,
        user_agent: Option<String>,
    ) -> Result<u64, PushError> {
        Endpoint::parse(&new.endpoint, self.client.reach())?;
        let p256dh = decode_key(&new.p256dh).ok_or(PushError::Keys)?;
        let auth = decode_key(&new.auth).ok_or(PushError::Keys)?;
        if p256dh.len() != 65
            || p256::PublicKey::from_sec1_bytes(&p256dh).is_err()
            || auth.len() != 16
        {
            return Err(PushError::Keys);
        }
        let record = PushRecord {
            user_id: session.user.id,
            endpoint: new.endpoint,
            p256dh,
            auth,
            session: session.key,
            created_at: self.clock.now_ms(),
            user_agent,
        };
        let store = Arc::clone(&self.store);
        let id = blocking(move || store.add_push(&record, PER_PERSON))
            .await?
            .ok_or(PushError::TooMany)?;
        self.lock().insert(session.user.id);
        Ok(id)
    }

    /// Removes one of the person's subscriptions.
    pub async fn unsubscribe(&self, user_id: u64, id: u64) -> Result<(), PushError> {
        let store = Arc::clone(&self.store);
        if !blocking(move || store.remove_push(id, Some(user_id))).await? {
            return Err(PushError::NotFound);
        }
        self.forget_if_none(user_id).await;
        Ok(())
    }

    /// The person's subscribed browsers, oldest first.
    pub async fn devices(&self, session: &Session) -> Result<Vec<Device>, PushError> {
        let store = Arc::clone(&self.store);
        let user_id = session.user.id;
        let records = blocking(move || store.user_pushes(user_id)).await?;
        Ok(records
            .into_iter()
            .map(|(id, record)| Device {
                id,
                name: crate::auth::describe(record.user_agent.as_deref()),
                service: Endpoint::parse(&record.endpoint, crate::outbound::Reach::Private)
                    .map(|endpoint| endpoint.host)
                    .unwrap_or_default(),
                created_at: record.created_at,
                this_session: record.session == session.key,
            })
            .collect())
    }

    /// After a removal: whether the person still has a subscription.
    async fn forget_if_none(&self, user_id: u64) {
        let store = Arc::clone(&self.store);
        if let Ok(left) = blocking(move || store.user_pushes(user_id)).await
            && left.is_empty()
        {
            self.lock().remove(&user_id);
        }
    }

    /// Whether the push consumer has any use for `event`: a new message while anyone has a
    /// subscription, and the sessions that end (their subscriptions go with them). Asked as
    /// each event is published, so a server where nobody subscribed spends nothing per message.
    pub fn wants(&self, event: &Event) -> bool {
        match event {
            Event::Message(_) => !self.lock().is_empty(),
            Event::SessionsEnded { .. } => true,
            _ => false,
        }
    }

    fn is_subscribed(&self, user_id: u64) -> bool {
        self.lock().contains(&user_id)
    }

    fn subscribers(&self) -> Vec<u64> {
        self.lock().iter().copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<u64>> {
        // A set of ids: a panic while holding it leaves nothing half-changed.
        self.subscribed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts, as numbers.
    pub fn counted(&self) -> [u64; 5] {
        let c = &self.counts;
        [&c.queued, &c.sent, &c.failed, &c.dropped, &c.gone].map(|n| n.load(Ordering::Relaxed))
    }
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or(Err(StoreError::Unavailable))
}
