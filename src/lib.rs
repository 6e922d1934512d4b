//! confab: a self-hosted chat server in one binary.
//!
//! - [`config`] parses the command line (every flag also from a `CONFAB_*` variable).
//! - [`server`] wires everything together and runs until shutdown: `server::run(listener,
//!   config, clock, shutdown)`, which tests call in-process on port 0.
//! - [`store`] is the one redb file: accounts, sessions, rooms, memberships, messages.
//! - [`people`] is friends, blocks, profiles and who may open a direct room with whom.
//! - [`rooms`] decides who may do what with a room (open, private, direct) and is the only way
//!   in to a room's data, for every door.
//! - [`auth`] signs people up and in, hashes passwords, keeps sessions and rate limits.
//! - [`chat`] is live chat. A message goes socket (`chat::socket`) → group-commit writer
//!   (`rooms::writer`, one transaction per batch) → the hub (encoded once, queued on every
//!   subscriber's outbox) → each socket's task writes it out. Nothing is sent before its
//!   transaction commits.
//! - [`web`] is HTTP: pages, the JSON API, the WebSocket upgrade, assets, security headers.
//! - [`tls`] gets certificates (ACME or files) and terminates TLS.
//! - [`bench`] is `confab bench`, the load benchmark.
//! - [`operator`] lets `confab user …` and `confab backup` act on the same data folder,
//!   directly or, while the server runs, through its control socket.

pub mod accept;
pub mod access;
pub mod auth;
pub mod bench;
pub mod chat;
pub mod clock;
pub mod config;
pub mod errors;
pub mod events;
pub mod format;
pub mod healthcheck;
pub mod images;
pub mod operator;
pub mod people;
pub mod ratelimit;
pub mod rooms;
pub mod server;
pub mod store;
pub mod tls;
pub mod web;
