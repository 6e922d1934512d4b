//! Exports and imports: a room, or the whole server, as JSON Lines and the files themselves in
//! one zip, in a documented format that any tool can read (USING.md and OPERATIONS.md say
//! what people and operators do with it).
//!
//! ```text
//! users.jsonl          the accounts (a server export: with password hashes, recovery codes,
//!                      friendships and blocks)
//! rooms.jsonl          the rooms, with their members
//! messages.jsonl       every message of those rooms, room by room, in order
//! files/SHA256         every attached file and preview, named by its SHA-256
//! avatars/SIDE/NAME    a server export: each avatar picture at each size
//! export.json          written last: what it is, how much of each, and every entry's size
//!                      and SHA-256
//! ```
//!
//! A room's owner downloads the first kind from the room's settings (or the operator runs
//! `confab export --room NAME`): it names the people who wrote, not how they sign in. A server
//! export (`confab export --all`) is a migration file: `confab import` makes a new data folder
//! from it, checking every entry against `export.json`, and every line against the rules
//! people's own input meets, before it commits anything.
//!
//! It differs from a backup (`crate::backup`), which is the database file itself, for the same
//! version of confab: an export is readable, and outlives the database's layout.

mod check;
mod import;
mod lines;
mod write;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use check::{Verified, verify};
pub use import::{Imported, import};
pub use write::{Exported, write, write_room};

use crate::backup::BackupError;
use crate::people::avatar::file_encoding;
use crate::store::StoreError;

/// What `format` says in every `export.json`.
const FORMAT: &str = "confab-export";
/// The layout this build writes and reads.
const VERSION: u32 = 1;

const USERS: &str = "users.jsonl";
const ROOMS: &str = "rooms.jsonl";
const MESSAGES: &str = "messages.jsonl";
const FILES_DIR: &str = "files";
const AVATARS_DIR: &str = "avatars";
const INFO: &str = "export.json";

/// What an export holds: one room, or the whole server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "room")]
pub enum Scope {
    /// Every account, room, message and file: what `confab import` takes.
    Server,
    /// One open or private room, by name.
    Room(String),
}

/// `export.json`: written after everything it lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportInfo {
    /// Always `confab-export`.
    pub format: String,
    pub version: u32,
    #[serde(flatten)]
    pub scope: Scope,
    /// The confab version that wrote it.
    pub confab: String,
    /// When its snapshot of the database was taken, in milliseconds since 1970.
    pub created_ms: u64,
    /// Lines of each JSON Lines file, and the stored files and avatar pictures.
    pub counts: Counts,
    pub entries: Vec<Entry>,
}

/// How much of each an export holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub users: u64,
    pub rooms: u64,
    pub messages: u64,
    pub files: u64,
    #[serde(default)]
    pub avatars: u64,
}

/// One entry of the zip, as `export.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Why an export could not be written, checked or imported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path} is not a confab export: {reason}")]
    NotAnExport { path: PathBuf, reason: String },
    #[error("{path} is damaged: {reason}; it was changed or cut short after it was written")]
    Damaged { path: PathBuf, reason: String },
    /// A whole, undamaged export whose contents cannot be imported.
    #[error("{path} cannot be imported: {reason}")]
    Refused { path: PathBuf, reason: String },
    #[error("there is no room called {0}")]
    NoSuchRoom(String),
    #[error("the files folder lacks {digest}, which a message names")]
    MissingFile { digest: String },
    // The reasons are part of each message, so a message reads whole on its own.
    #[error("{context}: {error}")]
    Io {
        context: String,
        error: std::io::Error,
    },
    #[error(transparent)]
    Folder(#[from] BackupError),
    #[error("the database: {0}")]
    Store(#[from] StoreError),
}

impl ExportError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ExportError {
        let context = context.into();
        move |error| ExportError::Io { context, error }
    }
}

/// A line for the person who ran the command: what the export holds.
pub fn describe(counts: &Counts, bytes: u64) -> String {
    let count = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}, {}; {}",
        count(counts.users, "account"),
        count(counts.rooms, "room"),
        count(counts.messages, "message"),
        count(counts.files, "stored file"),
        crate::files::human_size(bytes)
    )
}

/// Entry names: which kinds exist is fixed, so a hostile zip cannot name anything else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum EntryKind {
    Users,
    Rooms,
    Messages,
    /// A stored file, by its SHA-256 (hex).
    File(String),
    /// An avatar picture: its side in pixels and its name.
    Avatar(u16, String),
    Info,
}

impl EntryKind {
    fn of(path: &str) -> Option<EntryKind> {
        match path {
            USERS => return Some(EntryKind::Users),
            ROOMS => return Some(EntryKind::Rooms),
            MESSAGES => return Some(EntryKind::Messages),
            INFO => return Some(EntryKind::Info),
            _ => {}
        }
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            [FILES_DIR, hex] => crate::files::blobs::Digest::from_hex(hex)
                .map(|_| EntryKind::File((*hex).to_owned())),
            [AVATARS_DIR, side, name] if file_encoding(name).is_some() => side
                .parse::<u16>()
                .ok()
                .filter(|number| number.to_string() == *side)
                .map(|number| EntryKind::Avatar(number, (*name).to_owned())),
            _ => None,
        }
    }
}

fn file_entry(hex: &str) -> String {
    format!("{FILES_DIR}/{hex}")
}

fn avatar_entry(side: u16, name: &str) -> String {
    format!("{AVATARS_DIR}/{side}/{name}")
}

#[cfg(test)]
mod tests;
