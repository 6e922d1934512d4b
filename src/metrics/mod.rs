//! `GET /metrics`: the server's health in the Prometheus text format (version 0.0.4), encoded
//! by `prometheus-client`. Nothing here counts: each part counts what it does as it runs (the
//! writer its commits, the hub its deliveries and closed sockets, auth its sign-ins, push and
//! webhooks their deliveries), and a scrape reads them all, with the gauges measured then
//! (open sockets, queued bytes, the database file's size, the certificate's expiry).
//!
//! Every family is named `confab_…`; counters end in `_total`, durations are `_seconds`
//! histograms. Served on the main port only to `Authorization: Bearer <--metrics-token>`, or
//! on `--metrics-listen`'s own address ([`door`]).

pub mod door;

use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::rooms::writer::Committed;
use crate::tls::CertExpiry;
use crate::web::AppState;

/// What a scrape reads beyond the application's state.
pub struct Metrics {
    /// The writer's commits.
    committed: Committed,
    /// The served certificate's expiry; `None` without HTTPS.
    certificate: Option<CertExpiry>,
    /// Unix seconds when the server started.
    started_at: u64,
    /// `--metrics-token`: the main port serves `/metrics` only to it.
    token: Option<String>,
}

/// One label: what became of something.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Consumer {
    consumer: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Build {
    version: &'static str,
    revision: &'static str,
}

fn gauge(value: u64) -> Gauge {
    let gauge = Gauge::default();
    gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
    gauge
}

/// A family of counters with these values.
fn counted<L>(values: impl IntoIterator<Item = (L, u64)>) -> Family<L, Counter>
where
    L: Clone + std::hash::Hash + Eq + EncodeLabelSet + std::fmt::Debug + Send + Sync + 'static,
{
    let family = Family::<L, Counter>::default();
    for (labels, value) in values {
        family.get_or_create(&labels).inc_by(value);
    }
    family
}

/// `result` labels and their counts.
fn results<const N: usize>(names: [&'static str; N], values: [u64; N]) -> Family<Outcome, Counter> {
    counted(
        names
            .into_iter()
            .zip(values)
            .map(|(result, n)| (Outcome { result }, n)),
    )
}

impl Metrics {
    pub fn new(
        committed: Committed,
        certificate: Option<CertExpiry>,
        token: Option<String>,
    ) -> Metrics {
        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        Metrics {
            committed,
            certificate,
            started_at,
            token,
        }
    }

    /// `--metrics-token`, when set.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Unix seconds when the server started.
    pub fn started_at(&self) -> u64 {
        self.started_at
    }

    /// The writer's commits so far.
    pub fn committed(&self) -> &Committed {
        &self.committed
    }

    /// Every family, as a scrape reads it now.
    pub fn render(&self, state: &AppState) -> String {
        let mut registry = Registry::with_prefix("confab");
        self.register(&mut registry, state);
        let mut text = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry);
        text
    }

    fn register(&self, r: &mut Registry, state: &AppState) {
        let hub = &state.chat.hub;
        let build = Family::<Build, Gauge>::default();
        let build_labels = Build {
            version: env!("CARGO_PKG_VERSION"),
            revision: env!("CONFAB_GIT_REVISION"),
        };
        build.get_or_create(&build_labels).set(1);
        r.register(
            "build_info",
            "The running version and its git revision, as labels",
            build,
        );
        r.register_with_unit(
            "start_time",
            "When the server started, in Unix seconds",
            Unit::Seconds,
            gauge(self.started_at),
        );

        // Live chat.
        r.register(
            "sockets_open",
            "WebSockets open now",
            gauge(hub.socket_count() as u64),
        );
        r.register(
            "rooms_live",
            "Rooms some open socket follows or watches",
            gauge(hub.live_rooms() as u64),
        );
        r.register_with_unit(
            "fanout_queue",
            "Bytes of frames waiting in the sockets' queues",
            Unit::Bytes,
            gauge(hub.queued_bytes() as u64),
        );
        r.register(
            "sockets_closed",
            "WebSockets closed, by why: client (it closed or went away), idle, overflow (too far behind), signed_out, profile_changed, shutdown, policy, too_big, protocol, error",
            hub.counts.closed.clone(),
        );
        r.register(
            "messages_delivered",
            "New messages queued to the sockets following their room, one per socket",
            hub.counts.delivered.clone(),
        );

        // The writer.
        r.register(
            "messages_stored",
            "New messages committed to the database",
            self.committed.messages.clone(),
        );
        r.register_with_unit(
            "commit",
            "How long each batch of changes took to commit, fsync included",
            Unit::Seconds,
            self.committed.seconds.clone(),
        );
        if let Ok(at) = u64::try_from(self.committed.last_at.get())
            && at > 0
        {
            r.register_with_unit(
                "last_commit_timestamp",
                "When the last batch of changes committed, in Unix seconds",
                Unit::Seconds,
                gauge(at / 1000),
            );
        }
        r.register(
            "commit_batch_size",
            "Changes committed together in one batch",
            self.committed.batch_size.clone(),
        );
        r.register(
            "events_dropped",
            "Committed events a queued consumer missed because it was behind",
            counted(state.events.dropped().into_iter().map(|d| {
                (
                    Consumer {
                        consumer: d.consumer,
                    },
                    d.events,
                )
            })),
        );

        // Accounts.
        r.register(
            "signins",
            "Sign-ins with a password, by result: ok, failed, limited",
            state.auth.signins.clone(),
        );

        // Deliveries to others.
        let [_queued, sent, failed, dropped, gone] = state.push.counted();
        r.register(
            "push_deliveries",
            "Web Push notifications, by result: sent, failed (refused, or retries spent), dropped (a queue was full), gone (the browser unsubscribed)",
            results(["sent", "failed", "dropped", "gone"], [sent, failed, dropped, gone]),
        );
        let [sent, failed, retried, dropped] = state.webhooks.counted();
        r.register(
            "webhook_deliveries",
            "Webhook deliveries, by result: sent, failed (refused, or retries spent), dropped (too many waiting)",
            results(["sent", "failed", "dropped"], [sent, failed, dropped]),
        );
        r.register(
            "webhook_retries",
            "Webhook attempts that failed and were tried again",
            {
                let retries = Counter::<u64>::default();
                retries.inc_by(retried);
                retries
            },
        );

        // The machine's side.
        if let Ok(file) = std::fs::metadata(state.store.path()) {
            r.register_with_unit(
                "store_file",
                "Size of the database file",
                Unit::Bytes,
                gauge(file.len()),
            );
        }
        if let Some(expiry) = self.certificate.as_ref().and_then(CertExpiry::get) {
            r.register_with_unit(
                "certificate_expiry_timestamp",
                "When the served certificate expires, in Unix seconds",
                Unit::Seconds,
                gauge(expiry),
            );
        }
    }
}
