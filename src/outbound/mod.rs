//! Requests the server makes to others (Web Push services, webhooks): which addresses it may
//! reach ([`endpoint`]), the one small HTTP client that reaches them ([`client`]), when a
//! failed request is tried again ([`retry`]), and the tasks that send, which stop with the
//! server ([`tasks`]). Everything here runs off the chat path, with timeouts, on addresses
//! checked again after every DNS answer.

pub mod client;
pub mod endpoint;
pub mod retry;
pub mod tasks;

pub use client::{Answer, Client, OutboundError};
pub use endpoint::{Endpoint, EndpointError, Reach};
pub use tasks::Tasks;
