//! confab's integration tests, in one binary: each module starts the real server (in-process
//! on a free port, or the `confab` binary) with a temporary data folder and talks to it over
//! real HTTP and WebSocket. One binary links the crate once (the release profile links with
//! fat LTO, which takes most of a build).

#![allow(dead_code)]

mod common;

mod abuse_auth;
mod abuse_connections;
mod abuse_ws;
mod admin;
mod auth_api;
mod avatars;
mod backup;
mod binary;
mod chat_ws;
mod conversation;
mod crash;
mod cross_site;
mod deletion;
mod direct;
mod doctor;
mod export;
mod files;
mod invites;
mod membership;
mod metrics;
mod migration;
mod moderation;
mod notifications;
mod outsiders;
mod pages;
mod people;
mod profiles;
mod push;
mod recovery;
mod search;
mod storage_faults;
mod tls;
mod tokens;
mod webhooks;
