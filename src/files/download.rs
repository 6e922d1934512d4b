//! Handing a file to someone who may have it. A sent file goes to whoever may read its room
//! now, as the room's history does (`authorize`, `Action::Read`, on the same snapshot as the
//! upload's row); an upload not yet sent only to its uploader; a file whose message was
//! deleted to nobody. Every refusal is the one answer "no such file", so a file's id says
//! nothing to someone who may not have it.

use std::path::PathBuf;
use std::sync::Arc;

use super::blobs::Digest;
use super::names::is_inline;
use super::{FileError, Files};
use crate::access::{Action, Actor};
use crate::rooms::{RoomRef, permitted};
use crate::store::{UploadRecord, UploadState};

/// Which bytes of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The file as uploaded.
    Original,
    /// A picture's preview.
    Preview,
}

/// A file someone may have, and how to serve it.
#[derive(Debug, Clone)]
pub struct Download {
    pub path: PathBuf,
    pub size: u64,
    /// The type to serve it as (safe by construction: `names::stored_type`).
    pub mime: String,
    /// The name to save it under.
    pub name: String,
    /// Shown in the page rather than saved: previews, and pictures the server read.
    pub inline: bool,
    /// Never changes for this URL: previews and files are immutable once uploaded.
    pub etag: String,
}

impl Files {
    pub async fn download(&self, actor: Actor, id: u64, part: Part) -> Result<Download, FileError> {
        let store = Arc::clone(&self.store);
        let blobs = Arc::clone(&self.blobs);
        let found = tokio::task::spawn_blocking(move || -> Result<_, FileError> {
            let snapshot = store.snapshot()?;
            let Some(upload) = snapshot.upload(id)? else {
                return Err(FileError::NotFound);
            };
            let mine = upload.uploader == actor.user_id;
            let may = match upload.state {
                UploadState::Sent { .. } => true,
                UploadState::Unsent { .. } => mine,
                UploadState::Released { .. } => false,
            };
            let room = RoomRef::Id(upload.room_id);
            if !may || permitted(&snapshot, &actor, &room, Action::Read)?.is_err() {
                return Err(FileError::NotFound);
            }
            served(upload, part, |digest| blobs.path(&Digest(digest)))
        })
        .await;
        found.unwrap_or(Err(FileError::NotFound))
    }
}

/// How a part of an upload is served.
fn served(
    upload: UploadRecord,
    part: Part,
    path: impl Fn([u8; 32]) -> PathBuf,
) -> Result<Download, FileError> {
    match part {
        Part::Original => Ok(Download {
            path: path(upload.digest),
            size: upload.size,
            inline: is_inline(&upload.mime) && upload.preview.is_some(),
            mime: upload.mime,
            name: upload.name,
            etag: crate::store::digest_hex(&upload.digest),
        }),
        Part::Preview => {
            let preview = upload.preview.ok_or(FileError::NotFound)?;
            let size = std::fs::metadata(path(preview.digest))?.len();
            let stem = upload
                .name
                .rsplit_once('.')
                .map_or(upload.name.as_str(), |(stem, _)| stem);
            let extension = if preview.mime == "image/png" {
                "png"
            } else {
                "jpg"
            };
            Ok(Download {
                path: path(preview.digest),
                size,
                inline: true,
                name: format!("{stem} (preview).{extension}"),
                mime: preview.mime,
                etag: crate::store::digest_hex(&preview.digest),
            })
        }
    }
}
