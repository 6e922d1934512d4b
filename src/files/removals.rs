//! Removing stored bytes, and holding removals back while a backup reads the files folder.
//!
//! A backup takes its database snapshot, then copies every file that snapshot names. Were the
//! sweep to remove one of them in between (its upload swept after the snapshot), the archive
//! would miss a file its own database names. So a backup first takes a [`RemovalHold`]; while
//! any is held, bytes to remove wait in a list, and the next removal after the last hold is
//! dropped (the sweep's next pass at the latest) takes them up, each checked again, since an
//! upload of the same bytes may have named them meanwhile.

use std::sync::Arc;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use super::blobs::Digest;
use super::{FileError, Files};

/// Removals held back by backups, and the bytes waiting for them to end.
#[derive(Default)]
pub(super) struct Removals {
    /// Backups hold it shared; a removal needs it alone, and never waits for it.
    held: Arc<RwLock<()>>,
    waiting: std::sync::Mutex<Vec<Digest>>,
}

/// While alive, no stored file is removed.
pub struct RemovalHold {
    _held: OwnedRwLockReadGuard<()>,
}

impl Files {
    /// Holds every removal of stored bytes back until the hold is dropped. Waits only for a
    /// removal under way.
    pub async fn hold_removals(&self) -> RemovalHold {
        self.removals.hold().await
    }

    /// Removes stored bytes that no upload names, or, while a backup reads the files, leaves
    /// them for a later removal. The caller holds `naming`, so nothing names them meanwhile.
    /// Returns how many went.
    pub(super) async fn remove_unnamed(&self, digests: Vec<Digest>) -> usize {
        let Some((alone, digests)) = self.removals.take(digests) else {
            return 0;
        };
        let store = Arc::clone(&self.store);
        let blobs = Arc::clone(&self.blobs);
        // The guard goes with the work: should this caller be dropped, no backup starts until
        // the removals are done.
        let removed = tokio::task::spawn_blocking(move || {
            let _alone = alone;
            let snapshot = store.snapshot()?;
            let mut removed = 0;
            for digest in digests {
                if !snapshot.blob_referenced(&digest.0)? {
                    blobs.remove(&digest)?;
                    removed += 1;
                }
            }
            Ok::<_, FileError>(removed)
        })
        .await;
        match removed {
            Ok(Ok(removed)) => removed,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "cannot remove an unused file; the next start will");
                0
            }
            Err(err) => {
                tracing::error!(error = %err, "removing unused files failed");
                0
            }
        }
    }
}

impl Removals {
    async fn hold(&self) -> RemovalHold {
        RemovalHold {
            _held: Arc::clone(&self.held).read_owned().await,
        }
    }

    /// With no backup holding removals: these digests and any left waiting, to remove while
    /// the guard is kept. Otherwise `None`, and the digests wait.
    fn take(&self, mut digests: Vec<Digest>) -> Option<(OwnedRwLockWriteGuard<()>, Vec<Digest>)> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(alone) = Arc::clone(&self.held).try_write_owned() else {
            waiting.append(&mut digests);
            return None;
        };
        digests.append(&mut waiting);
        (!digests.is_empty()).then_some((alone, digests))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn removals_wait_while_a_backup_holds_them_and_are_taken_up_after() {
        let removals = Removals::default();
        let (a, b) = (Digest([1; 32]), Digest([2; 32]));
        let hold = removals.hold().await;
        let second = removals.hold().await;
        assert!(removals.take(vec![a]).is_none());
        drop(hold);
        assert!(removals.take(vec![b]).is_none(), "one backup still reads");
        drop(second);
        let (_alone, taken) = removals.take(Vec::new()).expect("free to remove");
        assert_eq!(taken, [a, b]);
        drop(_alone);
        assert!(removals.take(Vec::new()).is_none(), "nothing left waiting");
    }

    #[tokio::test]
    async fn a_backup_waits_for_a_removal_under_way() {
        let removals = Arc::new(Removals::default());
        let (alone, _) = removals.take(vec![Digest([1; 32])]).unwrap();
        let waiting = Arc::clone(&removals);
        let hold = tokio::spawn(async move { waiting.hold().await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!hold.is_finished());
        drop(alone);
        hold.await.unwrap();
    }
}
