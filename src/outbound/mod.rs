//! Requests the server makes to others (Web Push services today): which addresses it may reach
//! ([`endpoint`]) and the one small HTTP client that reaches them ([`client`]). Everything here
//! runs off the chat path, with timeouts, on addresses checked again after every DNS answer.

pub mod client;
pub mod endpoint;

pub use client::{Answer, Client, OutboundError};
pub use endpoint::{Endpoint, EndpointError, Reach};
