//! Receiving a file into a room. The room is checked before a byte is read (an outsider learns
//! nothing and sends nothing more), the body streams to disk under the size limit and its
//! deadlines, a picture gets its preview, and only then is the upload kept: its bytes are
//! durable under their digest before the row that names them commits (`store::uploads`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::time::{Instant, timeout_at};

use super::blobs::{Blobs, Digest, Incoming, Stored};
use super::names::{clean_name, stored_type};
use super::preview::{self, Preview};
use super::{FileError, FileView, Files};
use crate::access::{Action, Actor};
use crate::images::MAX_UPLOAD_BYTES as MAX_PICTURE_BYTES;
use crate::rooms::changes::KeepUpload;
use crate::rooms::{RoomError, RoomRef};
use crate::store::{PreviewRecord, UploadRecord, UploadState};

/// Bytes gathered before they are handed to a blocking write.
const WRITE_CHUNK: usize = 1024 * 1024;
/// Bytes enough to tell each picture format by its signature.
const SNIFFED: usize = 16;
/// Uploads one person may have under way at once.
pub const UPLOADS_AT_ONCE: usize = 4;

/// A file someone is sending into a room.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub actor: Actor,
    pub room: RoomRef,
    /// The name it came with (`?name=`).
    pub name: String,
    /// Its `Content-Type`.
    pub declared_type: Option<String>,
    /// Its `Content-Length`, if given: refused at once when it is over a limit.
    pub declared_size: Option<u64>,
}

/// How long a body may take: each chunk must come within `idle` of the one before, and the
/// whole body within `whole`.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub idle: Duration,
    pub whole: Duration,
}

impl Files {
    /// Receives a file into a room the actor may post in, and keeps it as their upload.
    ///
    /// Once the body is in, the rest (the preview, storing under the digest, keeping the row,
    /// or cleaning up after a refusal) runs as a task of its own: a client that goes away then
    /// cannot cut it between storing bytes and naming them, or free a decoding turn while its
    /// picture is still being decoded.
    pub async fn upload<S, E>(
        self: &Arc<Self>,
        upload: NewUpload,
        body: S,
        deadlines: Deadlines,
    ) -> Result<FileView, FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        let room = self
            .rooms
            .permitted_to(upload.actor, upload.room.clone(), Action::Post)
            .await?
            .room;
        let limit = self.settings.max_upload_bytes;
        if upload.declared_size.is_some_and(|size| size > limit) {
            return Err(FileError::TooLarge { limit });
        }
        self.within_quota(upload.actor.user_id, upload.declared_size.unwrap_or(1))
            .await?;
        let _receiving = self.receiving.enter(upload.actor.user_id)?;
        let received = receive(&self.blobs, body, limit, deadlines).await?;
        let files = Arc::clone(self);
        let keeping = tokio::spawn(async move { files.keep(upload, room.id, received).await });
        keeping.await.unwrap_or_else(|_| {
            Err(FileError::Io(std::io::Error::other(
                "keeping an upload failed",
            )))
        })
    }

    /// Refuses at once, before the body is read, an upload its uploader has no room left for.
    /// The writer checks again, exactly, when the upload is kept.
    async fn within_quota(&self, user_id: u64, size: u64) -> Result<(), FileError> {
        let quota = self.settings.user_quota_bytes;
        if quota == 0 {
            return Ok(());
        }
        let store = Arc::clone(&self.store);
        let used = tokio::task::spawn_blocking(move || store.snapshot()?.upload_usage(user_id))
            .await
            .unwrap_or(Err(crate::store::StoreError::Unavailable))?;
        if used.saturating_add(size) > quota {
            return Err(FileError::Room(RoomError::OverQuota { quota, used }));
        }
        Ok(())
    }

    /// Makes a received body an upload: its preview, its bytes under their digest, its row.
    async fn keep(
        &self,
        upload: NewUpload,
        room_id: u64,
        received: Received,
    ) -> Result<FileView, FileError> {
        let Received {
            mut incoming,
            head,
            whole,
        } = received;
        let picture = preview::picture_format(&head);
        let made = match (whole, picture) {
            (Some(bytes), Some(_)) => {
                let turn = Arc::clone(&self.decoding).acquire_owned().await;
                tokio::task::spawn_blocking(move || {
                    // The turn ends with the decoding, not with the request.
                    let _turn = turn;
                    preview::make(&bytes).ok()
                })
                .await
                .ok()
                .flatten()
            }
            _ => None,
        };
        let decoded = made.is_some();
        // A picture small enough to read but that would not read is kept as bytes, not as a
        // picture; one too large to read keeps its type, as an attachment.
        let read_whole = incoming.size() <= MAX_PICTURE_BYTES as u64;
        let shown_as = picture.filter(|_| decoded || !read_whole);
        let name = clean_name(&upload.name);
        let mime = stored_type(upload.declared_type.as_deref(), shown_as);
        // The slow part, the file's fsync, before the lock every upload and the sweep share.
        incoming = blocking(move || {
            incoming.sync()?;
            Ok(incoming)
        })
        .await?;
        let blobs = Arc::clone(&self.blobs);
        let _naming = self.naming.lock().await;
        let stored = blocking(move || Ok(incoming.finish(&blobs)?)).await?;
        let preview_stored = match &made {
            Some(made) => {
                let blobs = Arc::clone(&self.blobs);
                let bytes = made.encoded.bytes.clone();
                match blocking(move || Ok(blobs.put(&bytes)?)).await {
                    Ok(stored) => Some(stored),
                    Err(err) => {
                        self.remove_unnamed(vec![stored.digest]).await;
                        return Err(err);
                    }
                }
            }
            None => None,
        };
        let record = UploadRecord {
            uploader: upload.actor.user_id,
            room_id,
            digest: stored.digest.0,
            size: stored.size,
            name,
            mime,
            created: 0,
            pixels: made.as_ref().map(|p| p.pixels),
            preview: made
                .as_ref()
                .zip(preview_stored)
                .map(|(p, stored)| preview_record(p, stored)),
            state: UploadState::Unsent { since: 0 },
        };
        let kept = self
            .rooms
            .apply(KeepUpload {
                actor: upload.actor,
                record: record.clone(),
                quota: self.settings.user_quota_bytes,
                ids: KeepUpload::fresh_ids(),
            })
            .await;
        match kept {
            Ok(id) => Ok(FileView::from(&record.file_ref(id))),
            Err(err) => {
                // Refused (the quota, or the room changed meanwhile): bytes nothing else
                // names go now rather than at the next sweep.
                let mut digests = vec![stored.digest];
                digests.extend(record.preview.as_ref().map(|p| Digest(p.digest)));
                self.remove_unnamed(digests).await;
                Err(err.into())
            }
        }
    }
}

fn preview_record(preview: &Preview, stored: Stored) -> PreviewRecord {
    PreviewRecord {
        digest: stored.digest.0,
        mime: preview.encoded.encoding.mime().to_owned(),
        width: preview.width,
        height: preview.height,
    }
}

/// A body received into `tmp/`, not yet under its name.
struct Received {
    incoming: Incoming,
    /// The first bytes, to tell a picture by.
    head: Vec<u8>,
    /// The whole file, when it may be a picture small enough to read.
    whole: Option<Vec<u8>>,
}

/// Streams a body into a new file under `limit`, each chunk within the idle deadline and the
/// whole within its own. Writes run on the blocking pool, a mebibyte at a time.
async fn receive<S, E>(
    blobs: &Arc<Blobs>,
    mut body: S,
    limit: u64,
    deadlines: Deadlines,
) -> Result<Received, FileError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let blobs_for_open = Arc::clone(blobs);
    let mut incoming = blocking(move || Ok(blobs_for_open.incoming(limit)?)).await?;
    let end = Instant::now() + deadlines.whole;
    let mut pending: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut whole: Option<Vec<u8>> = Some(Vec::new());
    let mut head = Vec::new();
    loop {
        let next = (Instant::now() + deadlines.idle).min(end);
        let chunk = match timeout_at(next, body.next()).await {
            Err(_) => return Err(FileError::Timeout),
            Ok(None) => None,
            Ok(Some(Err(_))) => return Err(FileError::Interrupted),
            Ok(Some(Ok(chunk))) => Some(chunk),
        };
        if let Some(chunk) = &chunk {
            let size = incoming.size() + (pending.len() + chunk.len()) as u64;
            if size > limit {
                return Err(FileError::TooLarge { limit });
            }
            if head.len() < 4096 {
                let wanted = (4096 - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..wanted]);
                if head.len() >= SNIFFED && preview::picture_format(&head).is_none() {
                    // Not a picture: nothing to decode, nothing to keep in memory.
                    whole = None;
                }
            }
            match &mut whole {
                Some(bytes) if bytes.len() + chunk.len() <= MAX_PICTURE_BYTES => {
                    bytes.extend_from_slice(chunk);
                }
                _ => whole = None,
            }
            pending.extend_from_slice(chunk);
        }
        if pending.len() >= WRITE_CHUNK || (chunk.is_none() && !pending.is_empty()) {
            let bytes = std::mem::take(&mut pending);
            incoming = blocking(move || {
                incoming.write(&bytes)?;
                Ok(incoming)
            })
            .await?;
        }
        if chunk.is_none() {
            break;
        }
    }
    if incoming.size() == 0 {
        return Err(FileError::Empty);
    }
    Ok(Received {
        incoming,
        head,
        whole,
    })
}

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FileError> + Send + 'static,
) -> Result<T, FileError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(FileError::Io(std::io::Error::other("a file task failed"))))
}
