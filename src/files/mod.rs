//! Files people attach to messages. Their bytes live on disk beside the database, stored once
//! per content and durable before any message names them ([`blobs`]); the database keeps who
//! uploaded what to which room and which message holds it (`store::uploads`).
//!
//! - [`upload`]: receiving a file into a room, with its preview when it is a picture;
//! - [`download`]: handing a file to someone who may read its room;
//! - [`sweep`]: removing uploads no message holds, and the bytes no upload names;
//! - [`names`]: what a file is called and the type it is served as.

pub mod blobs;
pub mod download;
pub mod names;
mod preview;
mod removals;
pub mod sweep;
pub mod upload;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use poem_openapi::Object;
use serde::Serialize;
use thiserror::Error;
use tokio::sync::{Mutex, Semaphore};

use crate::rooms::{RoomError, Rooms};
use crate::store::{FileRef, Store, StoreError};
use blobs::Blobs;
pub use removals::RemovalHold;
use removals::Removals;

/// Most files one message carries.
pub const MAX_FILES_PER_MESSAGE: usize = 10;

/// The limits and timing of files, from `serve`'s flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSettings {
    /// Largest file taken.
    pub max_upload_bytes: u64,
    /// Bytes of files each person may keep; 0: no limit.
    pub user_quota_bytes: u64,
    /// How long an upload no message holds is kept (time to send it; a deleted message's
    /// files outlive it by this much).
    pub grace: Duration,
    /// How often the sweep looks.
    pub sweep_every: Duration,
}

impl FileSettings {
    pub const DEFAULT: FileSettings = FileSettings {
        max_upload_bytes: 25 * 1024 * 1024,
        user_quota_bytes: 1024 * 1024 * 1024,
        grace: Duration::from_secs(24 * 3600),
        sweep_every: Duration::from_secs(600),
    };
}

/// Why a file was not taken or cannot be had. The error table (`crate::errors`) gives each
/// its code.
#[derive(Debug, Error)]
pub enum FileError {
    #[error("The file is larger than the {} this server takes.", human_size(*limit))]
    TooLarge { limit: u64 },
    #[error("The file is empty; choose a file with something in it.")]
    Empty,
    #[error("The file did not arrive in time; try again on a steadier connection.")]
    Timeout,
    /// Unknown, someone else's unsent upload, released, or in a room the asker may not read.
    #[error("There is no such file.")]
    NotFound,
    #[error("The upload was cut off before the end of the file.")]
    Interrupted,
    #[error(
        "You have {} uploads under way already; wait for one to finish.",
        upload::UPLOADS_AT_ONCE
    )]
    Busy,
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error("the files folder: {0}")]
    Io(#[from] std::io::Error),
}

impl From<StoreError> for FileError {
    fn from(err: StoreError) -> Self {
        FileError::Room(RoomError::Store(err))
    }
}

impl From<blobs::BlobError> for FileError {
    fn from(err: blobs::BlobError) -> Self {
        match err {
            blobs::BlobError::TooLarge { limit } => FileError::TooLarge { limit },
            blobs::BlobError::Io(err) => FileError::Io(err),
        }
    }
}

/// The files service every door uses.
pub struct Files {
    store: Arc<Store>,
    rooms: Arc<Rooms>,
    blobs: Arc<Blobs>,
    settings: FileSettings,
    /// Held while stored bytes gain their first reference or lose their last: an upload
    /// finishing (whose bytes may be a copy of some the sweep is about to remove) and the
    /// sweep's removal never interleave.
    naming: Mutex<()>,
    /// Pictures decoded at once for previews (each may take tens of MiB): one per core.
    decoding: Arc<Semaphore>,
    /// Uploads under way, per person.
    receiving: Receiving,
    /// Held back while a backup copies the files folder.
    removals: Removals,
}

/// How many uploads each person has under way: each holds a file in `tmp/` and up to a few
/// MiB of memory until it is kept, so one account cannot start hundreds.
#[derive(Default)]
struct Receiving(std::sync::Mutex<HashMap<u64, usize>>);

/// One upload under way, counted until it is dropped.
struct Entered<'r> {
    receiving: &'r Receiving,
    user_id: u64,
}

impl Receiving {
    fn enter(&self, user_id: u64) -> Result<Entered<'_>, FileError> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(user_id).or_default();
        if *count >= upload::UPLOADS_AT_ONCE {
            return Err(FileError::Busy);
        }
        *count += 1;
        Ok(Entered {
            receiving: self,
            user_id,
        })
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let mut counts = self.receiving.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

impl Files {
    pub fn new(
        store: Arc<Store>,
        rooms: Arc<Rooms>,
        blobs: Blobs,
        settings: FileSettings,
    ) -> Files {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Files {
            store,
            rooms,
            blobs: Arc::new(blobs),
            settings,
            naming: Mutex::new(()),
            decoding: Arc::new(Semaphore::new(cores)),
            receiving: Receiving::default(),
            removals: Removals::default(),
        }
    }

    pub fn settings(&self) -> FileSettings {
        self.settings
    }

    /// The files folder.
    pub fn blobs(&self) -> Arc<Blobs> {
        Arc::clone(&self.blobs)
    }
}

/// An upload id as the API writes it: 16 lower-case hex digits.
pub fn file_id(id: u64) -> String {
    format!("{id:016x}")
}

/// Reads an id written by [`file_id`].
pub fn parse_file_id(text: &str) -> Option<u64> {
    let digits = text.len() == 16 && text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    digits.then(|| u64::from_str_radix(text, 16).ok()).flatten()
}

/// The upload ids a message names: 16 hex digits each, each once, at most
/// [`MAX_FILES_PER_MESSAGE`]; or the sentence saying what is wrong.
pub fn parse_file_ids(ids: &[String]) -> Result<Vec<u64>, &'static str> {
    if ids.len() > MAX_FILES_PER_MESSAGE {
        return Err("A message carries at most 10 files.");
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let id = parse_file_id(id).ok_or("A file id is 16 hex digits.")?;
        if out.contains(&id) {
            return Err("Each file is attached once.");
        }
        out.push(id);
    }
    Ok(out)
}

/// What of a name is escaped in a URL path: all but letters, digits and `-._~`.
pub const NAME_IN_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where a file is downloaded from; its name is there for the browser's "save as" only.
pub fn file_url(id: u64, name: &str) -> String {
    let name = percent_encoding::utf8_percent_encode(name, NAME_IN_PATH);
    format!("/files/{}/{name}", file_id(id))
}

/// Where a picture's preview is.
pub fn preview_url(id: u64) -> String {
    format!("/previews/{}", file_id(id))
}

/// A size as a person reads it: "512 bytes", "12.4 KiB", "25 MiB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return if bytes == 1 {
            "1 byte".into()
        } else {
            format!("{bytes} bytes")
        };
    }
    let mut value = bytes as f64;
    for (i, unit) in UNITS.iter().enumerate() {
        value /= 1024.0;
        let shown = if value < 100.0 {
            (value * 10.0).round() / 10.0
        } else {
            value.round()
        };
        // 1,048,500 bytes rounds to 1024 KiB: say 1 MiB instead.
        if shown < 1024.0 || i + 1 == UNITS.len() {
            return format!("{shown} {unit}");
        }
    }
    unreachable!("the last unit returns")
}

/// A file as a message and the upload API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
#[oai(rename = "File")]
pub struct FileView {
    /// The upload's id: 16 hex digits.
    pub id: String,
    /// Where to download it (signed in, as someone who may read its room).
    pub url: String,
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// The type it is served as.
    #[serde(rename = "type")]
    #[oai(rename = "type")]
    pub mime: String,
    /// A picture's width in pixels, when the server could read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub height: Option<u32>,
    /// A picture's preview, at most 1200×800 pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub preview_url: Option<String>,
}

impl From<&FileRef> for FileView {
    fn from(file: &FileRef) -> Self {
        FileView {
            id: file_id(file.id),
            url: file_url(file.id, &file.name),
            name: file.name.clone(),
            size: file.size,
            mime: file.mime.clone(),
            width: file.pixels.map(|(w, _)| w),
            height: file.pixels.map(|(_, h)| h),
            preview_url: file.preview.then(|| preview_url(file.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_sizes_read_as_written() {
        assert_eq!(file_id(255), "00000000000000ff");
        assert_eq!(parse_file_id("00000000000000ff"), Some(255));
        for bad in [
            "ff",
            "00000000000000FF",
            "0000000000000g00",
            "",
            "+000000000000001",
        ] {
            assert_eq!(parse_file_id(bad), None, "{bad}");
        }
        assert_eq!(
            file_url(1, "a b/ü.txt"),
            "/files/0000000000000001/a%20b%2F%C3%BC.txt"
        );
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(25 * 1024 * 1024), "25 MiB");
        assert_eq!(human_size(12_700), "12.4 KiB");
        assert_eq!(human_size(1024 * 1024 * 1024), "1 GiB");
        // The same figures as the page's script writes (ui/js/lib/files.js).
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(102_350), "100 KiB");
        assert_eq!(human_size(1_048_500), "1 MiB");
        assert_eq!(human_size(1_572_864), "1.5 MiB");
    }
}
