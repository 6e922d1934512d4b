//! Outgoing webhooks: a room's owners (or the server's admins) name an `https` URL, and each
//! new message of the room — or only those that mention a bot's account — is POSTed there as
//! JSON, signed with the webhook's secret.
//!
//! - This file: making, listing, enabling and removing a room's webhooks, decided by
//!   `access` (`Action::Webhooks`), and the index of the enabled ones that the consumer reads.
//! - [`deliver`]: a queued consumer of the committed-event stream that signs ([`sign`]) and
//!   sends, with retries and backoff, and disables a webhook that keeps failing, saying why.
//!   Nothing on the chat path waits for any of it.

pub mod deliver;
pub mod sign;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::access::{Action, Actor};
use crate::clock::SharedClock;
use crate::events::Event;
use crate::outbound::{Client, Endpoint, EndpointError};
use crate::rooms::{RoomError, RoomRef, Rooms};
use crate::store::{Snapshot, Store, StoreError, WebhookRecord};

/// The most webhooks one room may have.
pub const PER_ROOM: usize = 10;
/// Deliveries that may fail in a row (each after its retries) before a webhook is disabled.
pub const FAILURES_MAX: u32 = 5;

/// Why a webhook could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error("{0}")]
    Endpoint(#[from] EndpointError),
    #[error("there is nobody called {0}")]
    NoSuchUser(String),
    #[error("a room has at most {PER_ROOM} webhooks; remove one first")]
    TooMany,
    #[error("this room has no webhook with that id")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A webhook as its room's owners see it listed; never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookInfo {
    pub id: u64,
    pub url: String,
    /// Only messages that mention this username; none: every message.
    pub mentions_of: Option<String>,
    pub created_by: String,
    pub created_at: u64,
    /// Why it stopped sending, when it did.
    pub disabled: Option<String>,
    /// Deliveries that failed in a row.
    pub failures: u32,
    /// When the last delivery ended, and how.
    pub last_delivery: Option<(u64, String)>,
}

/// A new webhook, and its secret: shown to its maker once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub webhook: WebhookInfo,
    /// Hex; the receiver checks `X-Confab-Signature` with it.
    pub secret: String,
}

/// An enabled webhook, as the consumer needs it.
#[derive(Debug)]
pub struct Hook {
    pub id: u64,
    pub room_id: u64,
    pub url: String,
    pub secret: Vec<u8>,
    /// Only messages that mention this person, by id and their username now.
    pub mentions_of: Option<(u64, String)>,
}

/// Counts since the server started, for the metrics.
#[derive(Debug, Default)]
pub struct Counts {
    /// Deliveries the receiver accepted (a 2xx answer).
    pub sent: AtomicU64,
    /// Deliveries given up on (after retries, or refused).
    pub failed: AtomicU64,
    /// Attempts that will be tried again.
    pub retried: AtomicU64,
    /// Deliveries not queued because the queue was full.
    pub dropped: AtomicU64,
}

/// The webhooks of this server.
pub struct Webhooks {
    store: Arc<Store>,
    rooms: Arc<Rooms>,
    clock: SharedClock,
    client: Client,
    /// The enabled webhooks by room: a message in a room not here costs nothing.
    enabled: Mutex<HashMap<u64, Vec<Arc<Hook>>>>,
    pub counts: Counts,
}

impl Webhooks {
    /// Loads the enabled webhooks.
    pub fn new(
        store: Arc<Store>,
        rooms: Arc<Rooms>,
        clock: SharedClock,
        client: Client,
    ) -> Result<Webhooks, StoreError> {
        let webhooks = Webhooks {
            store,
            rooms,
            clock,
            client,
            enabled: Mutex::new(HashMap::new()),
            counts: Counts::default(),
        };
        webhooks.reload()?;
        Ok(webhooks)
    }

    /// Reads the enabled webhooks again, after a change.
    fn reload(&self) -> Result<(), StoreError> {
        let snapshot = self.store.snapshot()?;
        let mut enabled: HashMap<u64, Vec<Arc<Hook>>> = HashMap::new();
        for (id, record) in self.store.webhooks()? {
            if record.disabled.is_some() {
                continue;
            }
            let mentions_of = match record.mentions_of {
                Some(user_id) => match snapshot.user(user_id)? {
                    Some(user) => Some((user_id, user.username)),
                    // Its bot is gone: nothing can mention it.
                    None => continue,
                },
                None => None,
            };
            enabled
                .entry(record.room_id)
                .or_default()
                .push(Arc::new(Hook {
                    id,
                    room_id: record.room_id,
                    url: record.url,
                    secret: record.secret,
                    mentions_of,
                }));
        }
        *self.lock() = enabled;
        Ok(())
    }

    async fn reloaded(self: &Arc<Self>) -> Result<(), StoreError> {
        let this = Arc::clone(self);
        blocking(move || this.reload()).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Vec<Arc<Hook>>>> {
        // A map of ids: a panic while holding it leaves nothing half-changed.
        self.enabled.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The enabled webhooks of a room.
    pub fn of_room(&self, room_id: u64) -> Vec<Arc<Hook>> {
        self.lock().get(&room_id).cloned().unwrap_or_default()
    }

    /// Whether the consumer has any use for `event`: a new message in a room with a webhook;
    /// a deleted room, or a renamed person, while any webhook is enabled. Asked as each event
    /// is published, so a server without webhooks spends nothing per message.
    pub fn wants(&self, event: &Event) -> bool {
        let enabled = self.lock();
        match event {
            Event::Message(message) => enabled.contains_key(&message.room_id),
            Event::RoomDeleted { .. } | Event::ProfileChanged { .. } => !enabled.is_empty(),
            _ => false,
        }
    }

    /// The room's id, if `actor` may set up its webhooks.
    async fn room_id(&self, actor: Actor, room: RoomRef) -> Result<u64, WebhookError> {
        Ok(self
            .rooms
            .permitted_to(actor, room, Action::Webhooks)
            .await?
            .room
            .id)
    }

    /// Makes a webhook for the room; `mentions_of`: only messages that mention this username.
    pub async fn create(
        self: &Arc<Self>,
        actor: Actor,
        room: RoomRef,
        url: String,
        mentions_of: Option<String>,
    ) -> Result<NewWebhook, WebhookError> {
        let room_id = self.room_id(actor, room).await?;
        let url = url.trim().to_owned();
        Endpoint::parse(&url, self.client.reach())?;
        let store = Arc::clone(&self.store);
        let bot = match mentions_of.map(|name| name.trim().trim_start_matches('@').to_owned()) {
            Some(name) if !name.is_empty() => {
                let lookup = name.clone();
                let found = blocking(move || store.snapshot()?.user_by_name(&lookup)).await?;
                Some(found.ok_or(WebhookError::NoSuchUser(name))?.id)
            }
            _ => None,
        };
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source failed");
        let record = WebhookRecord {
            room_id,
            url,
            secret: secret.to_vec(),
            mentions_of: bot,
            created_by: actor.user_id,
            created_at: self.clock.now_ms(),
            failures: 0,
            disabled: None,
            last_delivery: None,
        };
        let store = Arc::clone(&self.store);
        let kept = record.clone();
        let id = blocking(move || store.add_webhook(&kept, PER_ROOM))
            .await?
            .ok_or(WebhookError::TooMany)?;
        self.reloaded().await?;
        let store = Arc::clone(&self.store);
        let webhook = blocking(move || describe(&store.snapshot()?, id, record)).await?;
        Ok(NewWebhook {
            webhook,
            secret: crate::store::digest_hex(&secret),
        })
    }

    /// The room's webhooks, oldest first.
    pub async fn list(
        &self,
        actor: Actor,
        room: RoomRef,
    ) -> Result<Vec<WebhookInfo>, WebhookError> {
        let room_id = self.room_id(actor, room).await?;
        let store = Arc::clone(&self.store);
        Ok(blocking(move || {
            let snapshot = store.snapshot()?;
            store
                .room_webhooks(room_id)?
                .into_iter()
                .map(|(id, record)| describe(&snapshot, id, record))
                .collect()
        })
        .await?)
    }

    /// Removes one of the room's webhooks: nothing more is sent to it.
    pub async fn remove(
        self: &Arc<Self>,
        actor: Actor,
        room: RoomRef,
        id: u64,
    ) -> Result<(), WebhookError> {
        let room_id = self.room_id(actor, room).await?;
        let store = Arc::clone(&self.store);
        if !blocking(move || store.remove_webhook(room_id, id)).await? {
            return Err(WebhookError::NotFound);
        }
        self.reloaded().await?;
        Ok(())
    }

    /// Enables a webhook that was disabled, its count of failures starting again at 0.
    pub async fn enable(
        self: &Arc<Self>,
        actor: Actor,
        room: RoomRef,
        id: u64,
    ) -> Result<WebhookInfo, WebhookError> {
        let room_id = self.room_id(actor, room).await?;
        let store = Arc::clone(&self.store);
        let record = blocking(move || {
            store.update_webhook(id, Some(room_id), true, |record| {
                record.disabled = None;
                record.failures = 0;
            })
        })
        .await?
        .ok_or(WebhookError::NotFound)?;
        self.reloaded().await?;
        let store = Arc::clone(&self.store);
        Ok(blocking(move || describe(&store.snapshot()?, id, record)).await?)
    }

    /// Records how a delivery ended; a webhook that failed [`FAILURES_MAX`] times in a row is
    /// disabled, with `why` as the reason shown.
    async fn settled(self: &Arc<Self>, id: u64, outcome: Result<String, String>) {
        let store = Arc::clone(&self.store);
        let now = self.clock.now_ms();
        let failed = outcome.is_err();
        let recorded = blocking(move || {
            let mut disabled_now = false;
            // A failure is fsynced, so that a webhook that stops stays stopped; a crash may
            // forget a success, which the next one records again.
            let updated = store.update_webhook(id, None, failed, |record| match &outcome {
                Ok(status) => {
                    record.failures = 0;
                    record.last_delivery = Some((now, status.clone()));
                }
                Err(why) => {
                    record.failures = record.failures.saturating_add(1);
                    record.last_delivery = Some((now, why.clone()));
                    if record.failures >= FAILURES_MAX && record.disabled.is_none() {
                        record.disabled = Some(format!(
                            "{} deliveries in a row failed; the last: {why}",
                            record.failures
                        ));
                        disabled_now = true;
                    }
                }
            })?;
            Ok(updated.is_some() && disabled_now)
        })
        .await;
        if failed {
            self.counts.failed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counts.sent.fetch_add(1, Ordering::Relaxed);
        }
        match recorded {
            Ok(true) => {
                tracing::warn!(webhook = id, "a webhook failed too often and is disabled");
                if let Err(err) = self.reloaded().await {
                    tracing::warn!(error = %err, "cannot reload the webhooks");
                }
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(error = %err, "cannot record a webhook's delivery"),
        }
    }

    /// Counts, as numbers: sent, failed, retried, dropped.
    pub fn counted(&self) -> [u64; 4] {
        let c = &self.counts;
        [&c.sent, &c.failed, &c.retried, &c.dropped].map(|n| n.load(Ordering::Relaxed))
    }
}

/// A stored webhook as its owners see it, with names for ids.
fn describe(
    snapshot: &Snapshot,
    id: u64,
    record: WebhookRecord,
) -> Result<WebhookInfo, StoreError> {
    let name = |user_id| -> Result<String, StoreError> {
        Ok(snapshot
            .user(user_id)?
            .map(|u| u.username)
            .unwrap_or_default())
    };
    Ok(WebhookInfo {
        id,
        url: record.url,
        mentions_of: record.mentions_of.map(name).transpose()?,
        created_by: name(record.created_by)?,
        created_at: record.created_at,
        disabled: record.disabled,
        failures: record.failures,
        last_delivery: record.last_delivery,
    })
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or(Err(StoreError::Unavailable))
}
