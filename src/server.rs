//! Start-up and shutdown: opens the store, starts the writer, serves HTTP, and on shutdown
//! stops accepting, closes every socket with 1001, stores every pending message, and returns.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

use crate::accept::PlainAcceptor;
use crate::auth::Auth;
use crate::chat::{Chat, CloseReason, Hub};
use crate::clock::SharedClock;
use crate::config::{ServeArgs, TlsMode};
use crate::events::{Events, Live};
use crate::files::{self, Files, blobs::Blobs};
use crate::metrics::{self, Metrics};
use crate::operator::control::{self, ControlSocket, Operated};
use crate::outbound::{Client, Tasks};
use crate::people::People;
use crate::push::Push;
use crate::push::deliver::{self, Online, Pushing};
use crate::ratelimit::KeyedLimiter;
use crate::rooms::Rooms;
use crate::rooms::writer::{Writer, WriterThread};
use crate::search::indexer::Indexer;
use crate::store::{self, Store};
use crate::tls::{Tls, TlsAcceptor};
use crate::web::redirect::RedirectTarget;
use crate::web::{self, AppState};
use crate::webhooks::{self, Webhooks};
use tokio_util::sync::CancellationToken;

/// How long in-flight HTTP requests and sockets get to finish at shutdown.
const GRACE: Duration = Duration::from_secs(10);
/// How long one push may take, from connecting to the push service's answer.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// Committed events the push consumer may fall behind by before it misses some.
const PUSH_EVENTS: usize = 4096;
/// How long one webhook delivery may take, from connecting to the receiver's answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// Committed events the webhook consumer may fall behind by before it misses some.
const WEBHOOK_EVENTS: usize = 4096;
/// How often expired sessions are swept out of the database (and their sockets closed).
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Binds the listening socket, with an error an operator can act on.
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    bind_for(addr, "--listen").await
}

async fn bind_for(addr: &str, flag: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}; pass {flag} ADDR"))
}

/// The sockets a server listens on: the main one (HTTP, or HTTPS), and with HTTPS the plain
/// HTTP one that redirects.
pub struct Listeners {
    pub main: TcpListener,
    pub redirect: Option<TcpListener>,
    /// `--metrics-listen`: `/metrics` alone.
    pub metrics: Option<TcpListener>,
}

impl Listeners {
    /// Binds the addresses the configuration asks for.
    pub async fn bind(config: &ServeArgs) -> anyhow::Result<Listeners> {
        let main = bind(&config.listen_addr()).await?;
        let redirect = match config.http_listen_addr() {
            Some(addr) => Some(bind_for(&addr, "--http-listen").await?),
            None => None,
        };
        let metrics = Self::bind_metrics(config).await?;
        Ok(Listeners {
            main,
            redirect,
            metrics,
        })
    }

    /// Binds `--metrics-listen`, when it is set.
    pub async fn bind_metrics(config: &ServeArgs) -> anyhow::Result<Option<TcpListener>> {
        Ok(match &config.metrics_listen {
            Some(addr) => Some(bind_for(addr, "--metrics-listen").await?),
            None => None,
        })
    }
}

/// A server that has opened its data folder and is ready to serve.
pub struct Server {
    listeners: Listeners,
    tls: Option<Tls>,
    /// Certificates come from files, which SIGHUP re-reads (see `tls`).
    reloads_files: bool,
    domains: Vec<String>,
    state: Arc<AppState>,
    writer: Writer,
    writer_thread: WriterThread,
    indexer: Indexer,
    pushing: Pushing,
    /// Webhook deliveries.
    delivering: Tasks,
    control: ControlSocket,
}

impl Server {
    /// Opens the store and starts the writer and the control socket. Start-up errors (an
    /// unusable data folder) surface here, before anything is served.
    pub async fn start(
        listeners: Listeners,
        config: &ServeArgs,
        clock: SharedClock,
    ) -> anyhow::Result<Server> {
        let store = store::open_data_folder(&config.data.dir)?;
        Self::start_with_store(listeners, config, clock, store).await
    }

    /// [`Server::start`] with a store opened by the caller (tests that make the disk fail).
    pub async fn start_with_store(
        listeners: Listeners,
        config: &ServeArgs,
        clock: SharedClock,
        store: Store,
    ) -> anyhow::Result<Server> {
        config.validate()?;
        let store = Arc::new(store);
        let tls = Tls::start(&config.tls, &config.data.dir)?;
        // Every committed change reaches the open sockets through the hub, the stream's live
        // consumer.
        let hub = Arc::new(Hub::new());
        let events = Arc::new(Events::new(Some(Arc::clone(&hub) as Arc<dyn Live>)));
        let auth = Arc::new(Auth::new(
            Arc::clone(&store),
            Arc::clone(&events),
            Arc::clone(&clock),
            &config.auth_settings(),
        ));
        let (writer, writer_thread) =
            Writer::start(Arc::clone(&store), Arc::clone(&events), Arc::clone(&clock));
        let indexer = Indexer::start(Arc::clone(&store));
        let rooms = Arc::new(Rooms::new(
            Arc::clone(&store),
            writer.clone(),
            Arc::clone(&clock),
        ));
        let people = Arc::new(People::new(
            Arc::clone(&store),
            Arc::clone(&events),
            Arc::clone(&clock),
        ));
        let blobs = Blobs::open(&config.data.dir).context("cannot open the files folder")?;
        let files = Arc::new(Files::new(
            Arc::clone(&store),
            Arc::clone(&rooms),
            blobs,
            config.file_settings(),
        ));
        let push = Arc::new(
            Push::new(
                Arc::clone(&store),
                Arc::clone(&clock),
                config.push_contact(),
                Client::new(config.reach(), PUSH_TIMEOUT),
            )
            .context("cannot read the push key")?,
        );
        let online: Online = {
            let hub = Arc::clone(&hub);
            Arc::new(move |user_id| hub.is_online(user_id))
        };
        let wanted = Arc::clone(&push);
        let pushing = deliver::start(
            Arc::clone(&push),
            events.subscribe_to("push", PUSH_EVENTS, move |event| wanted.wants(event)),
            online,
        );
        let webhooks = Arc::new(
            Webhooks::new(
                Arc::clone(&store),
                Arc::clone(&rooms),
                Arc::clone(&clock),
                Client::new(config.reach(), WEBHOOK_TIMEOUT),
            )
            .context("cannot read the webhooks")?,
        );
        let wanted = Arc::clone(&webhooks);
        let delivering = webhooks::deliver::start(
            Arc::clone(&webhooks),
            events.subscribe_to("webhooks", WEBHOOK_EVENTS, move |event| wanted.wants(event)),
        );
        let chat = Chat::new(
            hub,
            Arc::clone(&store),
            Arc::clone(&rooms),
            Arc::clone(&people),
            Arc::clone(&clock),
            config.chat_settings(),
        );
        let state = Arc::new(AppState {
            store,
            events,
            auth,
            rooms,
            people,
            chat: Arc::new(chat),
            files,
            push,
            webhooks,
            metrics: Metrics::new(
                writer.committed().clone(),
                tls.as_ref().map(|tls| tls.expiry.clone()),
                config.metrics_token.clone(),
            ),
            clock,
            tls: tls.is_some(),
            sockets: TaskTracker::new(),
            shutting_down: AtomicBool::new(false),
            http_timeouts: config.http_timeouts,
            message_rate: KeyedLimiter::new(config.chat_settings().send_rate),
        });
        let operated = Arc::new(Operated {
            store: Arc::clone(&state.store),
            auth: Arc::clone(&state.auth),
            events: Arc::clone(&state.events),
            clock: Arc::clone(&state.clock),
            data_dir: config.data.dir.clone(),
            files: Some(Arc::clone(&state.files)),
            push: Some(Arc::clone(&state.push)),
            origin: public_origin(config, listeners.main.local_addr().ok()),
            server: Some(Arc::clone(&state)),
        });
        let control = control::serve(&config.data.dir, operated)
            .context("cannot start the control socket")?;
        Ok(Server {
            listeners,
            tls,
            reloads_files: matches!(config.tls.mode(), TlsMode::Files { .. }),
            domains: config.tls.domains.clone(),
            state,
            writer,
            writer_thread,
            indexer,
            pushing,
            delivering,
            control,
        })
    }

    /// The address being served.
    pub fn local_addr(&self) -> anyhow::Result<std::net::SocketAddr> {
        self.listeners
            .main
            .local_addr()
            .context("listener has no address")
    }

    /// The URL people open.
    pub fn url(&self) -> anyhow::Result<String> {
        let addr = self.local_addr()?;
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let host = match (self.domains.first(), addr.ip().is_unspecified()) {
            (Some(domain), _) => domain.clone(),
            (None, true) => "localhost".into(),
            (None, false) => addr.ip().to_string(),
        };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let default_port = if self.tls.is_some() { 443 } else { 80 };
        Ok(match addr.port() {
            port if port == default_port => format!("{scheme}://{host}/"),
            port => format!("{scheme}://{host}:{port}/"),
        })
    }

    /// Serves until `shutdown` resolves; then stops accepting, closes every socket with 1001,
    /// stores every pending message and returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let Server {
            listeners,
            tls,
            reloads_files,
            domains,
            state,
            writer,
            writer_thread,
            indexer,
            pushing,
            delivering,
            control,
        } = self;
        let sweeper = tokio::spawn(sweep_sessions(Arc::clone(&state)));
        let stop_files = CancellationToken::new();
        let file_sweep = tokio::spawn(files::sweep::run(
            Arc::clone(&state.files),
            Arc::clone(&state.clock),
            stop_files.clone(),
        ));
        if let Err(err) = state.rooms.resume_purges().await {
            tracing::warn!(error = %err, "cannot read which deleted rooms are still being erased");
        }
        let hangups = (!reloads_files).then(|| tokio::spawn(hangups_reload_nothing()));
        let https_port = listeners.main.local_addr()?.port();
        let head_timeout = state.http_timeouts.request_head;
        let stop = CancellationToken::new();

        let stopping = Arc::clone(&state);
        let signal = stop.clone();
        let app = web::app(Arc::clone(&state));
        let main = async move {
            let graceful = async move {
                signal.cancelled().await;
                stopping.shutting_down.store(true, Ordering::Release);
                stopping.chat.hub.close_all(CloseReason::Shutdown);
            };
            match &tls {
                Some(tls) => {
                    let acceptor = TlsAcceptor::new(listeners.main, tls, head_timeout)
                        .context("cannot use the listener")?;
                    poem::Server::new_with_acceptor(acceptor)
                        .run_with_graceful_shutdown(app, graceful, Some(GRACE))
                        .await
                }
                None => {
                    let acceptor = PlainAcceptor::new(listeners.main, head_timeout)
                        .context("cannot use the listener")?;
                    poem::Server::new_with_acceptor(acceptor)
                        .run_with_graceful_shutdown(app, graceful, Some(GRACE))
                        .await
                }
            }
            .context("the HTTP server failed")?;
            if let Some(tls) = tls {
                tls.background.abort();
            }
            anyhow::Ok(())
        };
        let signal = stop.clone();
        let redirect_app = web::redirect::app(
            Arc::clone(&state),
            RedirectTarget {
                https_port,
                domains,
            },
        );
        let metrics_signal = stop.clone();
        let metrics_app = metrics::door::app(Arc::clone(&state));
        let metrics = async move {
            if let Some(listener) = listeners.metrics {
                let acceptor = PlainAcceptor::new(listener, head_timeout)
                    .context("cannot use the metrics listener")?;
                poem::Server::new_with_acceptor(acceptor)
                    .run_with_graceful_shutdown(
                        metrics_app,
                        metrics_signal.cancelled_owned(),
                        Some(GRACE),
                    )
                    .await
                    .context("the metrics server failed")?;
            }
            anyhow::Ok(())
        };
        let redirect = async move {
            if let Some(listener) = listeners.redirect {
                let acceptor = PlainAcceptor::new(listener, head_timeout)
                    .context("cannot use the HTTP listener")?;
                poem::Server::new_with_acceptor(acceptor)
                    .run_with_graceful_shutdown(redirect_app, signal.cancelled_owned(), Some(GRACE))
                    .await
                    .context("the HTTP redirect server failed")?;
            }
            anyhow::Ok(())
        };
        let trigger = async move {
            shutdown.await;
            tracing::info!("shutting down");
            stop.cancel();
        };
        let (served, redirected, scraped, ()) = tokio::join!(main, redirect, metrics, trigger);

        // Sockets have been told to close; wait for them, then flush the writer.
        state.sockets.close();
        if tokio::time::timeout(GRACE, state.sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sockets did not close in time");
        }
        // The file sweep applies changes through the writer: it finishes its step first.
        stop_files.cancel();
        let _ = file_sweep.await;
        // The index's last step first, so the writer's last durable commit holds it.
        let _ = tokio::task::spawn_blocking(move || indexer.stop()).await;
        writer.stop().await;
        let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
        pushing.stop().await;
        delivering.stop().await;
        sweeper.abort();
        let _ = sweeper.await;
        if let Some(hangups) = hangups {
            hangups.abort();
        }
        control.stop().await;
        tracing::info!("stopped");
        served.and(redirected).and(scraped)
    }
}

/// Starts and serves until `shutdown` resolves: [`Server::start`] then [`Server::serve`].
pub async fn run(
    listener: TcpListener,
    config: ServeArgs,
    clock: SharedClock,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let listeners = Listeners {
        main: listener,
        redirect: None,
        metrics: Listeners::bind_metrics(&config).await?,
    };
    Server::start(listeners, &config, clock)
        .await?
        .serve(shutdown)
        .await
}

/// The server's address as people reach it: `https://` and the first domain with HTTPS, else
/// the address it listens on (`localhost` for every interface).
fn public_origin(config: &ServeArgs, bound: Option<std::net::SocketAddr>) -> String {
    let port = bound.map(|addr| addr.port());
    if let Some(domain) = config.tls.domains.first() {
        return match port {
            Some(443) | None => format!("https://{domain}"),
            Some(port) => format!("https://{domain}:{port}"),
        };
    }
    let scheme = if config.tls_enabled() {
        "https"
    } else {
        "http"
    };
    match bound {
        Some(addr) if addr.ip().is_unspecified() => format!("{scheme}://localhost:{}", addr.port()),
        Some(addr) => format!("{scheme}://{addr}"),
        None => format!("{scheme}://{}", config.listen_addr()),
    }
}

/// `systemctl reload` (the unit `install.sh` writes) sends SIGHUP. With certificate files it
/// re-reads them; otherwise there is nothing to reload, and the signal's default, ending the
/// process, would stop the chat for good (systemd does not restart a service a hangup ended).
async fn hangups_reload_nothing() {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    else {
        tracing::warn!("cannot listen for SIGHUP; a reload would stop the server");
        return;
    };
    while hangups.recv().await.is_some() {
        tracing::info!(
            "SIGHUP: nothing to reload (settings are read at start; restart to change them)"
        );
    }
}

async fn sweep_sessions(state: Arc<AppState>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        match state.auth.sweep_expired_sessions().await {
            Ok(ended) if ended.is_empty() => {}
            Ok(ended) => tracing::info!(sessions = ended.len(), "expired sessions removed"),
            Err(err) => tracing::warn!(error = %err, "sweeping expired sessions failed"),
        }
        match state.people.release_held_names().await {
            Ok(0) => {}
            Ok(freed) => tracing::info!(names = freed, "given-up usernames are free again"),
            Err(err) => tracing::warn!(error = %err, "freeing given-up usernames failed"),
        }
    }
}
