//! Uploaded files as the database knows them: who uploaded what to which room, the message
//! that holds it, how many uploads name each stored content (`blob_refs`), how much each
//! person keeps (`upload_usage`), and which uploads no message holds (`loose_uploads`, the
//! sweep's work list). The bytes themselves are files under `<data>/files/`, named by their
//! SHA-256 (`crate::files::blobs`); they are written and made durable before the row that
//! names them commits, and removed only after the commit that stops naming them.
//!
//! An upload goes `Unsent` → `Sent` (a message holds it) → `Released` (that message was
//! deleted). `Unsent` and `Released` uploads are loose: the sweep removes them once they have
//! been loose for the grace period, and with the last upload naming some bytes, those bytes.

use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::codec::corrupt;
use super::record::FileRef;
use super::snapshot::Snapshot;
use super::tx::Tx;
use super::{StoreError, tables};

/// A SHA-256 digest, the name of some stored bytes.
pub type Sha256 = [u8; 32];

/// Where an upload is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum UploadState {
    /// Uploaded, not attached to a message yet.
    Unsent { since: u64 },
    /// Attached to this message of its room.
    Sent { message: u64 },
    /// Its message was deleted; it can never be attached again.
    Released { since: u64 },
}

impl UploadState {
    /// The `loose_uploads` key time, when no message holds it.
    fn loose_since(self) -> Option<u64> {
        match self {
            UploadState::Unsent { since } | UploadState::Released { since } => Some(since),
            UploadState::Sent { .. } => None,
        }
    }
}

/// The preview the server made of a picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRecord {
    #[serde(with = "hex_digest")]
    pub digest: Sha256,
    /// `image/jpeg` or `image/png`.
    pub mime: String,
    pub width: u32,
    pub height: u32,
}

/// An uploaded file (the `uploads` table, as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub uploader: u64,
    /// The room it was uploaded to: the only room it can be sent in, and whose readers may
    /// download it.
    pub room_id: u64,
    #[serde(with = "hex_digest")]
    pub digest: Sha256,
    pub size: u64,
    /// The name it is shown and saved under.
    pub name: String,
    /// The type it is served with.
    pub mime: String,
    /// Unix ms.
    pub created: u64,
    /// A picture's size in pixels, when the server could read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixels: Option<(u32, u32)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewRecord>,
    #[serde(flatten)]
    pub state: UploadState,
}

impl UploadRecord {
    /// The file as a message holding it shows it.
    pub fn file_ref(&self, id: u64) -> FileRef {
        FileRef {
            id,
            name: self.name.clone(),
            size: self.size,
            mime: self.mime.clone(),
            pixels: self.pixels,
            preview: self.preview.is_some(),
        }
    }

    /// Every stored content this upload names: its bytes, and its preview's.
    fn digests(&self) -> impl Iterator<Item = &Sha256> {
        std::iter::once(&self.digest).chain(self.preview.as_ref().map(|p| &p.digest))
    }
}

mod hex_digest {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::Sha256;

    pub fn serialize<S: Serializer>(digest: &Sha256, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(&hex(digest))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Sha256, D::Error> {
        let text = <&str>::deserialize(input)?;
        parse(text).ok_or_else(|| D::Error::custom("not a SHA-256 in hex"))
    }

    pub fn hex(digest: &Sha256) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads 64 lower-case hex digits.
    pub fn parse(text: &str) -> Option<Sha256> {
        let digits = text.as_bytes();
        if digits.len() != 64
            || !digits
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(digits.chunks(2)) {
            let value = |c: u8| if c <= b'9' { c - b'0' } else { c - b'a' + 10 };
            *byte = value(pair[0]) << 4 | value(pair[1]);
        }
        Some(out)
    }
}

fn decode(bytes: &[u8]) -> Result<UploadRecord, StoreError> {
    serde_json::from_slice(bytes).map_err(|err| corrupt(format!("an upload: {err}")))
}

/// What one sweep step removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub uploads: usize,
    /// Stored contents no upload names any more: their files can go once this commits.
    pub unreferenced: Vec<Sha256>,
}

impl Tx<'_> {
    pub fn upload(&self, id: u64) -> Result<Option<UploadRecord>, StoreError> {
        load_upload(&self.txn.open_table(tables::UPLOADS)?, id)
    }

    /// Bytes of uploads this person keeps.
    pub fn upload_usage(&self, user_id: u64) -> Result<u64, StoreError> {
        load_usage(&self.txn.open_table(tables::UPLOAD_USAGE)?, user_id)
    }

    /// Stores a new upload, loose until a message holds it. Its bytes (and its preview's) are
    /// on disk already.
    pub fn add_upload(&mut self, id: u64, record: &UploadRecord) -> Result<(), StoreError> {
        self.wrote_more();
        let mut refs = self.txn.open_table(tables::BLOB_REFS)?;
        for digest in record.digests() {
            let count = refs.get(digest)?.map_or(0, |v| v.value());
            refs.insert(digest, count + 1)?;
        }
        let used = self.upload_usage(record.uploader)?;
        self.txn
            .open_table(tables::UPLOAD_USAGE)?
            .insert(record.uploader, used.saturating_add(record.size))?;
        self.put_upload(id, None, record)
    }

    /// Writes an upload row, keeping `loose_uploads` in step with its state.
    fn put_upload(
        &mut self,
        id: u64,
        before: Option<UploadState>,
        record: &UploadRecord,
    ) -> Result<(), StoreError> {
        let mut loose = self.txn.open_table(tables::LOOSE_UPLOADS)?;
        if let Some(since) = before.and_then(UploadState::loose_since) {
            loose.remove((since, id))?;
        }
        if let Some(since) = record.state.loose_since() {
            loose.insert((since, id), ())?;
        }
        self.txn
            .open_table(tables::UPLOADS)?
            .insert(id, serde_json::to_vec(record)?.as_slice())?;
        Ok(())
    }

    /// Moves an upload to a new state.
    fn set_upload_state(&mut self, id: u64, state: UploadState) -> Result<(), StoreError> {
        self.wrote_more();
        let Some(mut record) = self.upload(id)? else {
            return Err(StoreError::NotFound);
        };
        let before = record.state;
        record.state = state;
        self.put_upload(id, Some(before), &record)
    }

    /// A message of the upload's room now holds it.
    pub fn attach_upload(&mut self, id: u64, message: u64) -> Result<(), StoreError> {
        self.set_upload_state(id, UploadState::Sent { message })
    }

    /// The message that held it was deleted: loose from now on, for good.
    pub(super) fn release_upload(&mut self, id: u64) -> Result<(), StoreError> {
        let since = self.now_ms();
        self.set_upload_state(id, UploadState::Released { since })
    }

    /// Removes up to `limit` uploads that have been loose since before `before`, and says
    /// which stored contents no upload names any more.
    pub fn sweep_uploads(&mut self, before: u64, limit: usize) -> Result<Swept, StoreError> {
        self.wrote_more();
        let due: Vec<(u64, u64)> = {
            let loose = self.txn.open_table(tables::LOOSE_UPLOADS)?;
            loose
                .range((0, 0)..(before, 0))?
                .take(limit)
                .map(|entry| entry.map(|(key, _)| key.value()))
                .collect::<Result<_, _>>()?
        };
        let mut swept = Swept::default();
        for (since, id) in due {
            self.txn
                .open_table(tables::LOOSE_UPLOADS)?
                .remove((since, id))?;
            let Some(record) = self.upload(id)? else {
                continue;
            };
            self.txn.open_table(tables::UPLOADS)?.remove(id)?;
            let used = self.upload_usage(record.uploader)?;
            let mut usage = self.txn.open_table(tables::UPLOAD_USAGE)?;
            match used.saturating_sub(record.size) {
                0 => usage.remove(record.uploader)?,
                left => usage.insert(record.uploader, left)?,
            };
            let mut refs = self.txn.open_table(tables::BLOB_REFS)?;
            for digest in record.digests() {
                let count = refs.get(digest)?.map_or(0, |v| v.value());
                match count {
                    0 | 1 => {
                        refs.remove(digest)?;
                        swept.unreferenced.push(*digest);
                    }
                    count => {
                        refs.insert(digest, count - 1)?;
                    }
                }
            }
            swept.uploads += 1;
        }
        Ok(swept)
    }
}

impl Snapshot {
    pub fn upload(&self, id: u64) -> Result<Option<UploadRecord>, StoreError> {
        load_upload(&self.txn.open_table(tables::UPLOADS)?, id)
    }

    /// Bytes of uploads this person keeps.
    pub fn upload_usage(&self, user_id: u64) -> Result<u64, StoreError> {
        load_usage(&self.txn.open_table(tables::UPLOAD_USAGE)?, user_id)
    }

    /// Whether any upload has been loose since before `before` (Unix ms): whether a sweep has
    /// anything to do, asked without a write.
    pub fn loose_uploads_before(&self, before: u64) -> Result<bool, StoreError> {
        let loose = self.txn.open_table(tables::LOOSE_UPLOADS)?;
        Ok(loose.range((0, 0)..(before, 0))?.next().is_some())
    }

    /// Whether any upload names these bytes.
    pub fn blob_referenced(&self, digest: &Sha256) -> Result<bool, StoreError> {
        let refs = self.txn.open_table(tables::BLOB_REFS)?;
        Ok(refs.get(digest)?.is_some())
    }

    /// How many uploads are kept, and how many stored contents they name.
    pub fn upload_counts(&self) -> Result<(u64, u64), StoreError> {
        let uploads = self.txn.open_table(tables::UPLOADS)?;
        let refs = self.txn.open_table(tables::BLOB_REFS)?;
        Ok((uploads.len()?, refs.len()?))
    }
}

fn load_upload(
    uploads: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<UploadRecord>, StoreError> {
    uploads.get(id)?.map(|v| decode(v.value())).transpose()
}

fn load_usage(usage: &impl ReadableTable<u64, u64>, user_id: u64) -> Result<u64, StoreError> {
    Ok(usage.get(user_id)?.map_or(0, |v| v.value()))
}

pub use hex_digest::{hex as digest_hex, parse as parse_digest};
