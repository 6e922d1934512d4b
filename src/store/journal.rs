//! The message journal, `confab.journal` beside the database: a cheaper way to make a batch
//! of new messages durable than a durable redb commit.
//!
//! A durable redb commit costs two fsyncs (quick repair's two-phase commit) and a score of
//! page writes, whether it holds one message or fifty. A batch that only appends messages is
//! instead written here as one record and fsynced, and then committed to redb without an
//! fsync of its own. It becomes visible only after that commit, so a message is still never
//! seen before it is on disk. Now and then (see [`Journal::checkpoint_due`]), and for any batch
//! that changes more than history, the writer makes a durable redb commit instead, which holds
//! everything before it; the journal then starts over.
//!
//! After a crash, or when the store reopens its database, the records are applied again
//! ([`super::Tx::replay_message`]). Replaying is idempotent: a message already in the
//! history is skipped, so records that a later durable commit already holds cost nothing.
//!
//! ```text
//! record:  u32 LE payload length, 8 bytes of the payload's SHA-256, payload
//! payload: 1 (format version), varint count, then per message:
//!          varint room id, varint sequence number, varint length + message record bytes
//! ```
//!
//! A record whose length or checksum does not match (a write torn by the crash) ends the
//! journal: it and anything after it were never acknowledged.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::StoreError;
use super::codec::{Reader, put_bytes, put_varint};
use super::faults::{Fault, FaultSwitch};

/// The journal's file name inside the data folder.
pub const JOURNAL_FILE: &str = "confab.journal";

/// The payload layout this build writes.
const VERSION: u8 = 1;
/// Length and checksum in front of every payload.
const HEADER: usize = 4 + 8;
/// No batch is anywhere near this; a bigger length is a torn or foreign record.
const MAX_PAYLOAD: usize = 256 * 1024 * 1024;

/// A durable redb commit at least this often, so that redb can reuse the pages of superseded
/// versions (it frees them only at a durable commit) and a replay stays short.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// …or before the journal would hold more than this.
const CHECKPOINT_BYTES: u64 = 4 * 1024 * 1024;
/// The file is kept at least this long, written with zeros once, so that an append overwrites
/// blocks that exist: its `fdatasync` then flushes only those, not also the inode of a file
/// that grew (which doubled its cost). Starting over moves back to the start and leaves the
/// old bytes behind the new records: any of them still readable there is one a durable commit
/// holds, so replaying it is a no-op.
const PREALLOCATED: u64 = CHECKPOINT_BYTES;

/// One appended message: its key in `history` and its stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub room_id: u64,
    pub seq: u64,
    /// [`super::record::MessageRecord`] bytes, exactly as stored in `history`.
    pub record: Vec<u8>,
}

pub struct Journal {
    file: File,
    /// Bytes of whole, acknowledged records; a failed append is cut back to this.
    len: u64,
    since_checkpoint: Instant,
    /// A commit since the last durable one was not durable by itself (a read position, or
    /// messages held only here): a durable commit is owed within [`CHECKPOINT_EVERY`].
    owed: bool,
    /// Set only by tests that make the disk fail; the journal fails with the database.
    faults: Option<FaultSwitch>,
}

impl Journal {
    /// Opens (or creates) the journal and reads its records.
    pub fn open(
        path: &Path,
        faults: Option<FaultSwitch>,
    ) -> Result<(Journal, Vec<JournalEntry>), StoreError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (entries, valid) = decode(&bytes);
        preallocate(&file, bytes.len() as u64)?;
        let journal = Journal {
            file,
            len: valid as u64,
            since_checkpoint: Instant::now(),
            owed: false,
            faults,
        };
        Ok((journal, entries))
    }

    /// The records appended since the journal last started over.
    pub fn entries(&self) -> Result<Vec<JournalEntry>, StoreError> {
        let mut bytes = vec![0; usize::try_from(self.len).unwrap_or(usize::MAX)];
        self.fault(Fault::Unreadable)?;
        self.file.read_exact_at(&mut bytes, 0)?;
        Ok(decode(&bytes).0)
    }

    /// True when a batch of these entries should be a durable redb commit instead: a second
    /// has passed since the last one, or their record would take the journal past
    /// [`CHECKPOINT_BYTES`] (so the file never grows, and no record is ever too big to read).
    pub fn checkpoint_due(&self, entries: &[JournalEntry]) -> bool {
        self.since_checkpoint.elapsed() >= CHECKPOINT_EVERY
            || self.len + record_len(entries) > CHECKPOINT_BYTES
    }

    /// Notes a commit made without durability of its own.
    pub fn owe_checkpoint(&mut self) {
        self.owed = true;
    }

    /// How long until a durable commit is owed, when one is.
    pub fn checkpoint_owed_in(&self) -> Option<std::time::Duration> {
        self.owed
            .then(|| CHECKPOINT_EVERY.saturating_sub(self.since_checkpoint.elapsed()))
    }

    /// Writes one record and fsyncs it. On failure the journal is as it was.
    pub fn append(&mut self, entries: &[JournalEntry]) -> io::Result<()> {
        let record = encode(entries);
        let written = self
            .fault(Fault::WriteError)
            .and_then(|()| self.file.write_all_at(&record, self.len))
            .and_then(|()| self.fault(Fault::SyncError))
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += record.len() as u64;
                Ok(())
            }
            Err(err) => {
                self.cut_back(record.len());
                Err(err)
            }
        }
    }

    /// Takes back the last record: its batch was not committed after all.
    pub fn forget(&mut self, entries: &[JournalEntry]) {
        let len = record_len(entries);
        self.len = self.len.saturating_sub(len);
        self.cut_back(usize::try_from(len).unwrap_or(0));
    }

    /// Starts over: a durable commit holds everything so far. A zeroed first header makes the
    /// file read as empty; it needs no fsync, since records that outlive it in a crash are
    /// replayed as no-ops. The next record goes at the start.
    pub fn clear(&mut self) -> io::Result<()> {
        self.since_checkpoint = Instant::now();
        self.owed = false;
        self.len = 0;
        self.fault(Fault::WriteError)?;
        self.file.write_all_at(&[0; HEADER], 0)
    }

    /// Zeroes the `len` bytes after the acknowledged records, durably, so a failed batch is
    /// never replayed.
    fn cut_back(&self, len: usize) {
        let cut = self
            .file
            .write_all_at(&vec![0; len], self.len)
            .and_then(|()| self.file.sync_data());
        if let Err(err) = cut {
            tracing::error!(error = %err, "cannot cut a failed batch from the message journal");
        }
    }

    fn fault(&self, which: Fault) -> io::Result<()> {
        let Some(faults) = &self.faults else {
            return Ok(());
        };
        match (faults.get(), which) {
            (Fault::DiskFull, Fault::WriteError) => Err(io::Error::from_raw_os_error(28)),
            (Fault::WriteError | Fault::Unreadable, Fault::WriteError) => {
                Err(io::Error::other("injected write error"))
            }
            (Fault::SyncError, Fault::SyncError) => Err(io::Error::other("injected fsync error")),
            (Fault::Unreadable, Fault::Unreadable) => Err(io::Error::other("injected read error")),
            _ => Ok(()),
        }
    }
}

/// Extends the file with written zeros to [`PREALLOCATED`] bytes.
fn preallocate(file: &File, len: u64) -> io::Result<()> {
    if len >= PREALLOCATED {
        return Ok(());
    }
    let zeros = vec![0; usize::try_from(PREALLOCATED - len).unwrap_or(0)];
    file.write_all_at(&zeros, len)?;
    file.sync_data()
}

fn checksum(payload: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(payload);
    let mut sum = [0; 8];
    sum.copy_from_slice(&digest[..8]);
    sum
}

/// Bytes of a LEB128 varint.
fn varint_len(value: u64) -> u64 {
    u64::from((64 - value.leading_zeros()).max(1).div_ceil(7))
}

/// Bytes [`encode`] makes of these entries.
fn record_len(entries: &[JournalEntry]) -> u64 {
    let messages: u64 = entries
        .iter()
        .map(|e| {
            let len = e.record.len() as u64;
            varint_len(e.room_id) + varint_len(e.seq) + varint_len(len) + len
        })
        .sum();
    HEADER as u64 + 1 + varint_len(entries.len() as u64) + messages
}

/// One record: the header is filled in once the payload behind it is written.
fn encode(entries: &[JournalEntry]) -> Vec<u8> {
    let mut record = Vec::with_capacity(usize::try_from(record_len(entries)).unwrap_or(0));
    record.resize(HEADER, 0);
    record.push(VERSION);
    put_varint(&mut record, entries.len() as u64);
    for entry in entries {
        put_varint(&mut record, entry.room_id);
        put_varint(&mut record, entry.seq);
        put_bytes(&mut record, &entry.record);
    }
    let payload_len = (record.len() - HEADER) as u32;
    let sum = checksum(&record[HEADER..]);
    record[..4].copy_from_slice(&payload_len.to_le_bytes());
    record[4..HEADER].copy_from_slice(&sum);
    record
}

/// The entries of every whole record, and how many bytes those records take.
pub(super) fn decode(bytes: &[u8]) -> (Vec<JournalEntry>, usize) {
    let mut entries = Vec::new();
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + HEADER) {
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let end = at + HEADER + len;
        let Some(payload) = bytes.get(at + HEADER..end).filter(|_| len <= MAX_PAYLOAD) else {
            break;
        };
        if header[4..] != checksum(payload) {
            break;
        }
        match decode_payload(payload) {
            Ok(mut batch) => entries.append(&mut batch),
            Err(err) => {
                tracing::error!(error = %err, "an unreadable record ends the message journal");
                break;
            }
        }
        at = end;
    }
    (entries, at)
}

fn decode_payload(payload: &[u8]) -> Result<Vec<JournalEntry>, StoreError> {
    let mut reader = Reader::new(payload);
    let version = reader.byte()?;
    if version != VERSION {
        return Err(StoreError::Corrupt(format!(
            "message journal: unknown format {version}"
        )));
    }
    let count = reader.varint()?;
    let mut entries = Vec::new();
    for _ in 0..count {
        entries.push(JournalEntry {
            room_id: reader.varint()?,
            seq: reader.varint()?,
            record: reader.bytes()?.to_vec(),
        });
    }
    if !reader.done() {
        return Err(StoreError::Corrupt(
            "message journal: trailing bytes in a record".into(),
        ));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64) -> JournalEntry {
        JournalEntry {
            room_id: 7,
            seq,
            record: vec![1, 2, 3, seq as u8],
        }
    }

    #[test]
    fn records_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let (mut journal, found) = Journal::open(&path, None).unwrap();
        assert!(found.is_empty());
        journal.append(&[entry(1), entry(2)]).unwrap();
        journal.append(&[entry(3)]).unwrap();
        assert_eq!(journal.entries().unwrap(), [entry(1), entry(2), entry(3)]);
        drop(journal);
        let (_, found) = Journal::open(&path, None).unwrap();
        assert_eq!(found, [entry(1), entry(2), entry(3)]);
    }

    #[test]
    fn the_length_of_a_record_is_known_before_it_is_made() {
        for entries in [vec![], vec![entry(1)], (0..300).map(entry).collect()] {
            assert_eq!(record_len(&entries), encode(&entries).len() as u64);
        }
        let big = JournalEntry {
            room_id: u64::MAX,
            seq: 1 << 40,
            record: vec![7; 70_000],
        };
        let big = [big];
        assert_eq!(record_len(&big), encode(&big).len() as u64);
    }

    #[test]
    fn a_batch_too_big_for_the_journal_calls_for_a_durable_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(&dir.path().join(JOURNAL_FILE), None).unwrap();
        let big = JournalEntry {
            room_id: 1,
            seq: 1,
            record: vec![0; CHECKPOINT_BYTES as usize],
        };
        assert!(journal.checkpoint_due(&[big]));
        assert!(!journal.checkpoint_due(&[entry(1)]));
    }

    #[test]
    fn a_torn_or_damaged_record_ends_the_journal() {
        let mut bytes = encode(&[entry(1)]);
        let second = encode(&[entry(2)]);
        bytes.extend_from_slice(&second[..second.len() - 1]);
        assert_eq!(decode(&bytes).0, [entry(1)], "a torn tail is dropped");

        let mut damaged = encode(&[entry(1)]);
        let last = damaged.len() - 1;
        damaged[last] ^= 0xff;
        damaged.extend_from_slice(&encode(&[entry(2)]));
        assert!(
            decode(&damaged).0.is_empty(),
            "nothing after a bad checksum"
        );

        let mut huge = encode(&[entry(1)]);
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).0.is_empty());
    }

    #[test]
    fn a_failed_append_leaves_the_journal_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let faults = FaultSwitch::new();
        let path = dir.path().join(JOURNAL_FILE);
        let (mut journal, _) = Journal::open(&path, Some(faults.clone())).unwrap();
        journal.append(&[entry(1)]).unwrap();
        for fault in [Fault::WriteError, Fault::DiskFull, Fault::SyncError] {
            faults.set(fault);
            assert!(journal.append(&[entry(2)]).is_err(), "{fault:?}");
        }
        faults.set(Fault::None);
        journal.append(&[entry(3)]).unwrap();
        let (_, found) = Journal::open(&path, None).unwrap();
        assert_eq!(found, [entry(1), entry(3)]);
    }

    #[test]
    fn forgetting_and_clearing_drop_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let (mut journal, _) = Journal::open(&path, None).unwrap();
        journal.append(&[entry(1)]).unwrap();
        journal.append(&[entry(2)]).unwrap();
        journal.forget(&[entry(2)]);
        assert_eq!(journal.entries().unwrap(), [entry(1)]);
        journal.clear().unwrap();
        assert!(journal.entries().unwrap().is_empty());
        assert!(!journal.checkpoint_due(&[entry(5)]));
        journal.append(&[entry(4)]).unwrap();
        let (_, found) = Journal::open(&path, None).unwrap();
        assert_eq!(found, [entry(4)]);
    }
}
