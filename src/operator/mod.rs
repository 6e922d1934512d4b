//! What the person running confab does from the command line: account commands, backups, and
//! checking on the server.
//!
//! - [`actions`] carries out one request; it needs only the store, auth and, inside a running
//!   server, the hub (to close the sockets of sessions it ends).
//! - [`control`] is the running server's Unix socket that takes those requests.
//! - [`cli`] turns a command line into a request and runs it here or sends it to the server.
//! - [`status`] is what a running server says of itself (`confab status`).
//! - [`doctor`] checks a data folder and the machine it runs on (`confab doctor`), each finding
//!   with its fix.

pub mod actions;
pub mod cli;
pub mod control;
pub mod doctor;
pub mod status;
