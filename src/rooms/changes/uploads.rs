//! Keeping an upload and letting it go: a new upload is kept if its uploader may post in its
//! room and stays within their quota; the sweep removes uploads that no message has held for
//! the grace period. Attaching an upload to a message is part of posting (`messages`).

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor};
use crate::rooms::RoomError;
use crate::store::{StoreError, Swept, UploadRecord, UploadState};

/// A file whose bytes are stored, to be kept as an upload of `record.room_id`; its uploader,
/// time and state are set here.
#[derive(Debug, Clone)]
pub struct KeepUpload {
    pub actor: Actor,
    pub record: UploadRecord,
    /// Bytes each person may keep; 0: no limit.
    pub quota: u64,
    /// Random ids to take the first free one of ([`KeepUpload::fresh_ids`]): drawn outside
    /// the writer, whose thread must not depend on the random source.
    pub ids: [u64; 4],
}

impl KeepUpload {
    /// Fresh upload ids: random, so one id says nothing about any other, and below 2^53 so a
    /// JSON number could carry them too; never 0.
    pub fn fresh_ids() -> [u64; 4] {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        std::array::from_fn(|i| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[8 * i..8 * i + 8]);
            (u64::from_le_bytes(word) >> 11).max(1)
        })
    }
}

impl Change for KeepUpload {
    /// The new upload's id.
    type Reply = u64;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<u64>, StoreError> {
        if let Err(denied) = batch.permitted(self.record.room_id, &self.actor, Action::Post)? {
            return refused(denied);
        }
        let used = batch.tx.upload_usage(self.actor.user_id)?;
        if self.quota > 0 && used.saturating_add(self.record.size) > self.quota {
            return refused(RoomError::OverQuota {
                quota: self.quota,
                used,
            });
        }
        let mut free = None;
        for &id in &self.ids {
            if batch.tx.upload(id)?.is_none() {
                free = Some(id);
                break;
            }
        }
        // Four 53-bit draws all taken: the random source is broken.
        let Some(id) = free else {
            return refused(RoomError::NotSaved);
        };
        let now = batch.tx.now_ms();
        let record = UploadRecord {
            uploader: self.actor.user_id,
            created: now,
            state: UploadState::Unsent { since: now },
            ..self.record.clone()
        };
        batch.tx.add_upload(id, &record)?;
        done(id, Vec::new())
    }
}

/// Removes up to `limit` uploads loose since before `before` (Unix ms).
#[derive(Debug, Clone, Copy)]
pub struct SweepUploads {
    pub before: u64,
    pub limit: usize,
}

impl Change for SweepUploads {
    type Reply = Swept;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Swept>, StoreError> {
        let swept = batch.tx.sweep_uploads(self.before, self.limit)?;
        done(swept, Vec::new())
    }
}
