//! The sweep: uploads that no message has held for the grace period (never sent, or their
//! message deleted) are removed, and with the last upload naming some bytes, those bytes.
//! The rows go first, in the writer's transaction; the files only once that has committed, so
//! a crash between the two leaves a file no row names, never a row naming no file. Such
//! leftovers (and bytes whose upload never committed) are found by comparing the files folder
//! with `blob_refs` once after each start.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::blobs::Digest;
use super::{FileError, Files};
use crate::clock::SharedClock;
use crate::rooms::changes::SweepUploads;

/// Uploads removed per transaction.
const PER_STEP: usize = 256;

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub uploads: usize,
    pub files: usize,
}

impl Files {
    /// Removes every upload loose for longer than the grace period, and the bytes no upload
    /// names any more.
    pub async fn sweep(&self, now_ms: u64) -> Result<SweepReport, FileError> {
        let grace = u64::try_from(self.settings.grace.as_millis()).unwrap_or(u64::MAX);
        let before = now_ms.saturating_sub(grace).saturating_add(1);
        let mut report = SweepReport::default();
        // Most passes find nothing: asked in a snapshot, that costs no write (a sweep's
        // transaction is a durable commit) and, at start, none of the writer's code.
        let store = Arc::clone(&self.store);
        let due =
            tokio::task::spawn_blocking(move || store.snapshot()?.loose_uploads_before(before))
                .await
                .map_err(|_| {
                    FileError::Io(std::io::Error::other("reading the uploads failed"))
                })??;
        if !due {
            // Removals a backup held back are still taken up.
            let _naming = self.naming.lock().await;
            self.remove_unnamed(Vec::new()).await;
            return Ok(report);
        }
        loop {
            let _naming = self.naming.lock().await;
            let change = SweepUploads {
                before,
                limit: PER_STEP,
            };
            let swept = self.rooms.apply(change).await?;
            report.uploads += swept.uploads;
            report.files += swept.unreferenced.len();
            let digests = swept.unreferenced.into_iter().map(Digest).collect();
            self.remove_unnamed(digests).await;
            if swept.uploads < PER_STEP {
                return Ok(report);
            }
        }
    }

    /// Removes stored files no upload names: what a crash left between storing bytes and
    /// the commit naming them (or unnaming them). Returns how many went.
    pub async fn remove_strays(&self) -> Result<usize, FileError> {
        let blobs = Arc::clone(&self.blobs);
        let shards = tokio::task::spawn_blocking(move || blobs.stored())
            .await
            .map_err(|_| FileError::Io(std::io::Error::other("listing files failed")))??;
        let mut removed = 0;
        for digests in shards {
            // One shard at a time: uploads wait for the lock no longer than a shard takes.
            let _naming = self.naming.lock().await;
            removed += self.remove_unnamed(digests).await;
        }
        Ok(removed)
    }
}

/// Runs the sweep every `sweep_every` until `stop`: first the strays, then the loose uploads.
pub async fn run(files: Arc<Files>, clock: SharedClock, stop: CancellationToken) {
    match files.remove_strays().await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "removed files no upload names"),
        Err(err) => tracing::warn!(error = %err, "cannot check the files folder"),
    }
    let every = files.settings.sweep_every.max(Duration::from_millis(10));
    loop {
        match files.sweep(clock.now_ms()).await {
            Ok(report) if report.uploads > 0 => {
                tracing::info!(
                    uploads = report.uploads,
                    files = report.files,
                    "swept unsent and deleted files"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "the file sweep failed; it tries again"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
