//! confab: a self-hosted chat server in one binary.
//!
//! - [`config`] parses the command line (every flag also from a `CONFAB_*` variable).
//! - [`server`] wires everything together and runs until shutdown: `server::run(listener,
//!   config, clock, shutdown)`, which tests call in-process on port 0.
//! - [`accept`] is what every TCP connection goes through before HTTP: `TCP_NODELAY`, and a
//!   deadline for each request head, so connections that never send one are shed.
//! - [`store`] is the one redb file: accounts, sessions, rooms, memberships, messages.
//! - [`people`] is friends, blocks, profiles and who may open a direct room with whom.
//! - [`rooms`] is open, private and direct rooms: the only way in to a room's data, for every
//!   door, and the group-commit writer that applies every change to them.
//! - [`access`] is the one place that decides who may do what (`authorize` for rooms,
//!   `may_contact` for reaching people), asked by every door; pages and scripts draw their
//!   controls from its answer.
//! - [`auth`] signs people up and in, hashes passwords, keeps sessions, and limits guessing.
//! - [`chat`] is live chat. A message goes socket (`chat::socket`) → group-commit writer
//!   (`rooms::writer`, one transaction per batch) → the event stream (`events`) → the hub, its
//!   live consumer (encoded once, queued on every subscriber's outbox) → each socket's task
//!   writes it out. Nothing is sent before its transaction commits (see `ARCHITECTURE.md`).
//! - [`search`] is how search reads words: the rules that cut and fold a message's text and a
//!   query alike, the query's syntax, and the thread that keeps the index packed. The index
//!   itself is in the store, read in the same snapshot as the history it indexes.
//! - [`events`] is the one stream of committed changes, in commit order: the hub is its live
//!   consumer, other consumers read it from bounded queues.
//! - [`errors`] is the one table of error codes and the one place where each layer's errors
//!   become them, so a refusal reads the same, with the same code, on every door.
//! - [`web`] is HTTP: pages, the JSON API, the WebSocket upgrade, assets, security headers.
//! - [`tls`] gets certificates (ACME or files) and terminates TLS.
//! - [`format`] is message formatting (links, code, bold, italic, strike, `@mentions`), by the
//!   same rules as the browser's.
//! - [`images`] makes uploaded pictures safe to show: checked before they are decoded, decoded
//!   under limits, and always encoded afresh.
//! - [`ratelimit`] is token buckets, per key and per socket, told the time rather than reading
//!   it, so tests check every boundary without sleeping.
//! - [`clock`] is wall-clock time behind a trait, so tests move time forward without sleeping.
//! - [`healthcheck`] is `confab healthcheck`, a tiny HTTP client for a Docker image that has
//!   no shell or curl.
//! - [`bench`] is `confab bench`, the load benchmark.
//! - [`files`] is uploads: stored once under their SHA-256 before a message names them,
//!   served only to people who may read the room, removed by a sweep once nothing names them.
//! - [`backup`] is the backup archive: the database from one snapshot, the files it names and
//!   the certificate cache, with a manifest and a seal; checked whole before a restore writes.
//! - [`export`] is exports and imports: a room or the whole server as JSON Lines and files in
//!   a zip, and a new data folder made from a server export.
//! - [`push`] is Web Push: browsers' subscriptions, and a queued consumer of the event stream
//!   that notifies people with no page open, encrypted for each browser and signed with the
//!   server's VAPID key.
//! - [`webhooks`] is each room's outgoing webhooks: another queued consumer of the event
//!   stream, which POSTs new messages signed with each webhook's secret.
//! - [`outbound`] is every request the server makes to others (push and webhooks): public
//!   addresses only (unless `--allow-private-endpoints`), one small HTTP client with deadlines,
//!   and the retries.
//! - [`metrics`] is `GET /metrics` in the Prometheus text format, read from the parts that
//!   count as the server runs.
//! - [`operator`] lets `confab user …` and `confab backup` act on the same data folder,
//!   directly or, while the server runs, through its control socket.

pub mod accept;
pub mod access;
pub mod auth;
pub mod backup;
pub mod bench;
pub mod chat;
pub mod clock;
pub mod config;
pub mod errors;
pub mod events;
pub mod export;
pub mod files;
pub mod format;
pub mod healthcheck;
pub mod images;
pub mod metrics;
pub mod operator;
pub mod outbound;
pub mod people;
pub mod push;
pub mod ratelimit;
pub mod rooms;
pub mod search;
pub mod server;
pub mod store;
pub mod tls;
pub mod web;
pub mod webhooks;
