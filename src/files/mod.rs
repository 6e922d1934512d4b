//! Files people attach to messages. Their bytes live on disk beside the database, stored once
//! per content and durable before any message names them ([`blobs`]).

pub mod blobs;
