//! The backup archive: one file that holds everything a data folder needs to start again, and
//! proves it holds it.
//!
//! `confab backup FILE` writes a tar archive of
//!
//! ```text
//! confab.redb          a copy of the database from one read transaction (see store::backup)
//! files/ab/abcd…       every stored file that copy names, under its SHA-256
//! acme/…               the certificate cache, so a restored server need not ask the CA again
//! manifest.json        the size and SHA-256 of each entry above, and the rows of every table
//! archive.sha256       the SHA-256 of every byte of the archive before this entry
//! ```
//!
//! The manifest is written after everything it describes, and the seal after the manifest,
//! so an archive cut short anywhere lacks its seal. The seal covers headers and padding as
//! well as contents, so any changed byte is noticed, not only one inside a file.
//!
//! Reading ([`check`]) re-hashes every entry, compares each with the manifest, opens the
//! database copy with every page's checksum verified, counts its tables against the manifest
//! and checks that each file it names is in the archive: `confab backup --verify` stops
//! there, `confab restore` does it all once before writing anything and again as it writes.

mod archive;
mod beside;
mod check;
mod new_folder;
mod restore;
mod seal;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use archive::{Written, write};
pub use beside::Beside;
pub use check::{Checked, verify};
pub use new_folder::NewDataFolder;
pub use restore::restore;
pub use seal::{HashingReader, HashingWriter};

use crate::files::blobs::Digest;
use crate::store::{Census, StoreError};

/// What `format` says in every manifest.
const FORMAT: &str = "confab-backup";
/// The layout this build writes and reads.
const VERSION: u32 = 1;

/// Entry names inside the archive.
const DATABASE: &str = "confab.redb";
const MANIFEST: &str = "manifest.json";
const SEAL: &str = "archive.sha256";
const FILES_DIR: &str = "files";
const ACME_DIR: &str = "acme";

/// The archive's table of contents, written after everything it lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `confab-backup`.
    pub format: String,
    pub version: u32,
    /// When the database snapshot was taken, in milliseconds since 1970.
    pub created_ms: u64,
    /// The confab version that wrote it.
    pub confab: String,
    /// Rows per table of the database copy.
    pub tables: BTreeMap<String, u64>,
    pub entries: Vec<ManifestEntry>,
}

/// One archived file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What an archive entry is, from its name. Anything else is refused, so a hostile archive
/// cannot write outside the data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EntryKind {
    Database,
    /// A stored file, named by its SHA-256.
    File(Digest),
    /// A file of the certificate cache, by its name there.
    Acme(String),
    Manifest,
    Seal,
}

impl EntryKind {
    fn of(path: &str) -> Option<EntryKind> {
        match path {
            DATABASE => return Some(EntryKind::Database),
            MANIFEST => return Some(EntryKind::Manifest),
            SEAL => return Some(EntryKind::Seal),
            _ => {}
        }
        let mut parts = path.split('/');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(FILES_DIR), Some(shard), Some(hex), None) => Digest::from_hex(hex)
                .filter(|_| hex.get(..2) == Some(shard))
                .map(EntryKind::File),
            (Some(ACME_DIR), Some(name), None, None) if is_plain_name(name) => {
                Some(EntryKind::Acme(name.to_owned()))
            }
            _ => None,
        }
    }
}

/// Where a stored file is, in the archive and in the data folder alike: `files/ab/abcd…`.
fn stored_path(digest: &Digest) -> String {
    let hex = digest.hex();
    format!("{FILES_DIR}/{}/{hex}", &hex[..2])
}

/// A file name of the ACME cache: no folders, nothing hidden.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Why a backup could not be written, checked or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path} is not a confab backup: {reason}")]
    NotABackup { path: PathBuf, reason: String },
    #[error("{path} is damaged: {reason}; it was changed or cut short after it was written")]
    Damaged { path: PathBuf, reason: String },
    #[error("{path} is not empty; name a new folder, then start confab with --data on it")]
    NotEmpty { path: PathBuf },
    #[error("the files folder lacks {digest}, which the database names")]
    MissingFile { digest: String },
    // The reasons are part of each message (not error sources), so a message reads whole
    // on its own and is not repeated when printed with its causes.
    #[error("{context}: {error}")]
    Io {
        context: String,
        error: std::io::Error,
    },
    #[error("the database copy: {0}")]
    Store(StoreError),
}

impl From<StoreError> for BackupError {
    fn from(err: StoreError) -> Self {
        BackupError::Store(err)
    }
}

impl BackupError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
        let context = context.into();
        move |error| BackupError::Io { context, error }
    }
}

/// A line for the person who ran the command: what the archive holds.
pub fn describe(census: &Census, bytes: u64) -> String {
    let count = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}, {}; {}",
        count(census.rows("users"), "account"),
        count(census.rows("rooms"), "room"),
        count(census.rows("history"), "message"),
        count(census.files.len() as u64, "stored file"),
        crate::files::human_size(bytes)
    )
}

#[cfg(test)]
mod tests;
