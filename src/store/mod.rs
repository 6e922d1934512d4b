//! Storage: one redb file, `confab.redb`, holding accounts, sessions, rooms, memberships and
//! messages, and beside it the message journal, `confab.journal`, which makes batches of new
//! messages durable more cheaply than a durable redb commit (see [`journal`]). `DATA_MODEL.md`
//! beside this file describes every table and record.
//!
//! Account and session functions each open one transaction, do their work and commit. Room
//! changes run in a [`Tx`] (one write transaction for a whole batch of them) and reads that
//! must agree with each other in a [`Snapshot`]. Writes that must survive a crash commit with
//! `Durability::Immediate`; bookkeeping that may be lost (a session's last-seen time) commits
//! with `Durability::None` and becomes durable with the next immediate commit.

mod administer;
mod api_tokens;
mod audit;
mod avatars;
mod backup;
mod check;
mod codec;
mod deletion;
mod error;
mod export;
pub mod faults;
mod folder;
mod history;
mod import;
mod invites;
mod journal;
mod migrate;
mod names;
mod people;
mod purge;
mod push;
mod record;
mod recovery;
mod rooms;
mod search;
mod sessions;
mod settings;
mod snapshot;
mod tables;
mod tx;
mod unread;
mod uploads;
mod users;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use redb::{Database, Durability, ReadTransaction, ReadableDatabase, WriteTransaction};

pub use administer::{AccountChange, Administered};
pub use api_tokens::ApiTokenRecord;
pub use audit::{AuditEntry, Audited};
pub use backup::{Census, census_of_copy};
pub use check::{Checked, check_database, journal_messages};
pub use deletion::{DELETED_DISPLAY_NAME, deleted_username};
pub use error::StoreError;
pub use export::Account;
pub use faults::{Fault, FaultSwitch};
pub use folder::{create_data_dir, open_data_folder};

use faults::FaultyBackend;
pub use history::{HistoryQuery, Page, StoredMessage};
pub use import::Importer;
pub use invites::{InviteKey, InviteRecord};
pub use journal::JOURNAL_FILE;
use journal::{Journal, JournalEntry};
pub use migrate::SCHEMA_VERSION;
pub use names::ProfileChange;
pub use people::Friendship;
pub use purge::DeletedRoom;
pub use push::PushRecord;
pub use record::{Everyone, FileRef, MessageRecord, Reaction};
pub use recovery::{CodeHash, LinkKey, LinkState, Recovered, ResetLink};
pub use rooms::{Kind, Level, Membership, Role, Room, RoomRecord, direct_key, room_key};
use search::pending::Pending;
pub use search::{Found, IndexSize, PREFIX_TERMS, Progress, Upkeep, Wanted};
pub use sessions::{SessionKey, SessionRecord};
pub use settings::{RoomCreation, ServerInvite, ServerSettings, Signup};
pub use snapshot::Snapshot;
pub use tx::Tx;
pub use unread::{UNREAD_CAP, Unread};
pub use uploads::{
    PreviewRecord, Sha256, Swept, UploadRecord, UploadState, digest_hex, parse_digest,
};
pub use users::{DmFrom, User, UserWithHash};
pub use webhooks::WebhookRecord;

/// The database file's name inside the data folder.
pub const DB_FILE: &str = "confab.redb";

/// How often an unhealthy store tries to reopen its file.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

/// Page cache size. redb grows the cache up to this as pages are read, so an idle server stays
/// small while a busy one keeps its hot rooms in memory.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Handle to the database. Cheap to share behind an `Arc`.
///
/// The `Database` sits behind a lock so that it can be swapped for a freshly opened one: after a
/// failed commit redb refuses further writes until the file is reopened.
pub struct Store {
    path: PathBuf,
    db: RwLock<Option<Arc<Database>>>,
    healthy: AtomicBool,
    /// Set only by tests that make the disk fail.
    faults: Option<FaultSwitch>,
    /// When the last reopen was tried, so an unhealthy store is not reopened in a tight loop.
    last_reopen: Mutex<Option<Instant>>,
    /// Batches made durable since the store opened, by a durable commit or by the journal:
    /// with the messages stored, what `confab bench` divides to tell how full commits are.
    durable_commits: AtomicU64,
    /// Only the room writer appends; a reopen replays it.
    journal: Mutex<Journal>,
    /// Rooms with messages the search index's segments do not hold yet.
    search_pending: Pending,
}

impl Store {
    /// Opens (or creates) `confab.redb` inside `data_dir` and migrates it to [`SCHEMA_VERSION`].
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Self::open_inner(data_dir, None)
    }

    /// Opens the store through a backend that fails when `faults` says so (tests only).
    pub fn open_with_faults(data_dir: &Path, faults: FaultSwitch) -> Result<Store, StoreError> {
        Self::open_inner(data_dir, Some(faults))
    }

    fn open_inner(data_dir: &Path, faults: Option<FaultSwitch>) -> Result<Store, StoreError> {
        let path = data_dir.join(DB_FILE);
        let db = open_database(&path, faults.as_ref())?;
        migrate::migrate(&db)?;
        let (mut journal, entries) = Journal::open(&data_dir.join(JOURNAL_FILE), faults.clone())?;
        replay(&db, &entries)?;
        journal.clear()?;
        Ok(Store {
            path,
            db: RwLock::new(Some(Arc::new(db))),
            healthy: AtomicBool::new(true),
            durable_commits: AtomicU64::new(0),
            faults,
            last_reopen: Mutex::new(None),
            journal: Mutex::new(journal),
            search_pending: Pending::every_room(),
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the last write committed and a read transaction can be opened. An unhealthy
    /// store is reopened here (at most once a second), so it heals once the disk does, even if
    /// nobody writes meanwhile.
    pub fn is_healthy(&self) -> bool {
        if !self.healthy.load(Ordering::Acquire) {
            let due = {
                let mut last = self.last_reopen.lock().unwrap_or_else(|e| e.into_inner());
                let due = last.is_none_or(|at| at.elapsed() >= REOPEN_EVERY);
                if due {
                    *last = Some(Instant::now());
                }
                due
            };
            if !due || self.reopen().is_err() {
                return false;
            }
        }
        self.read(|txn| {
            Ok(txn
                .open_table(tables::META)?
                .get("schema_version")?
                .is_some())
        })
        .inspect_err(|err| self.mark_failed_by(err))
        .unwrap_or(false)
    }

    /// Drops the current handle and opens the file again; redb requires this after a failed
    /// commit. Waits briefly for in-flight transactions to release the old handle; if one
    /// still holds it (a commit stuck on a failing disk), the old handle stays, since the file
    /// cannot be opened twice and reads through it may still work.
    pub fn reopen(&self) -> Result<(), StoreError> {
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        if let Some(mut old) = slot.take() {
            // New transactions wait on the lock; those in flight finish and drop their handle.
            let mut tries = 0;
            let still_held = loop {
                match Arc::try_unwrap(old) {
                    Ok(db) => {
                        drop(db);
                        break None;
                    }
                    Err(shared) if tries < 400 => {
                        old = shared;
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(shared) => break Some(shared),
                }
            };
            if let Some(old) = still_held {
                *slot = Some(old);
                return Err(StoreError::Unavailable);
            }
        }
        let db = open_database(&self.path, self.faults.as_ref())?;
        migrate::migrate(&db)?;
        // The reopened file has only what was durably committed: the batches that were held
        // by the journal alone come back from it.
        {
            let mut journal = self.lock_journal();
            replay(&db, &journal.entries()?)?;
            journal.clear()?;
        }
        *slot = Some(Arc::new(db));
        // Marks moved since the last durable commit are lost with it.
        self.search_pending.forget();
        self.healthy.store(true, Ordering::Release);
        tracing::warn!(path = %self.path.display(), "database reopened after a failed write");
        Ok(())
    }

    fn db(&self) -> Result<Arc<Database>, StoreError> {
        self.db
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(StoreError::Unavailable)
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let txn = self.db()?.begin_read()?;
        f(&txn)
    }

    /// A consistent view of the whole database at this moment.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Snapshot::new(self.db()?)
    }

    /// Runs `f` in one write transaction of room changes (see [`Tx`]) and commits it. Nothing
    /// of it is visible unless this returns `Ok`.
    pub fn transact<T>(
        &self,
        durability: Durability,
        now_ms: u64,
        f: impl FnOnce(&mut Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (value, appended_to) = self.write(durability, |txn| {
            let mut tx = Tx::open(txn, now_ms)?;
            let value = f(&mut tx)?;
            Ok((value, tx.finish()?.appended_to))
        })?;
        self.search_pending.note(&appended_to);
        Ok(value)
    }

    /// Runs a batch of room changes in one write transaction, as [`Store::transact`] does, and
    /// makes it durable the cheaper of two ways. A batch that only appended messages is written
    /// to the journal and fsynced there, then committed to redb without an fsync of its own;
    /// any other batch, and one whenever [`Journal::checkpoint_due`] (once a second, or when
    /// the journal is full), is a durable commit,
    /// after which the journal starts over. Either way nothing of it is visible before it is on
    /// disk, and nothing of it is visible if this returns an error.
    pub fn transact_batch<T>(
        &self,
        now_ms: u64,
        f: impl FnOnce(&mut Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let db = self.db()?;
        // Journal first, then redb's write lock, as in `checkpoint`.
        let mut journal = self.lock_journal();
        let mut txn = db.begin_write().inspect_err(|_| self.mark_failed())?;
        txn.set_quick_repair(true);
        let (value, finished) = (|| {
            let mut tx = Tx::open(&txn, now_ms)?;
            let value = f(&mut tx)?;
            Ok((value, tx.finish()?))
        })()
        .inspect_err(|err| self.mark_failed_by(err))?;
        match finished.journal {
            Some(entries) if !journal.checkpoint_due(&entries) => {
                if !entries.is_empty() {
                    journal
                        .append(&entries)
                        .inspect_err(|_| self.mark_failed())?;
                }
                txn.set_durability(Durability::None)?;
                if let Err(err) = txn.commit() {
                    if !entries.is_empty() {
                        journal.forget(&entries);
                    }
                    self.mark_failed();
                    return Err(err.into());
                }
                if !entries.is_empty() {
                    self.durable_commits.fetch_add(1, Ordering::Relaxed);
                }
                journal.owe_checkpoint();
            }
            _ => {
                txn.set_durability(Durability::Immediate)?;
                txn.commit().inspect_err(|_| self.mark_failed())?;
                self.durable_commits.fetch_add(1, Ordering::Relaxed);
                self.start_journal_over(&mut journal);
            }
        }
        self.search_pending.note(&finished.appended_to);
        Ok(value)
    }

    /// Makes everything committed so far durable in the database itself, so the journal is
    /// empty (on a clean shutdown, for one).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let mut journal = self.lock_journal();
        self.write(Durability::Immediate, |_| Ok(()))?;
        self.start_journal_over(&mut journal);
        Ok(())
    }

    /// How long until the writer owes a durable commit (see [`Store::checkpoint`]): some
    /// commit since the last durable one relies on the journal, or is bookkeeping that may be
    /// lost, and that should last at most a second.
    pub fn checkpoint_owed_in(&self) -> Option<Duration> {
        self.lock_journal().checkpoint_owed_in()
    }

    fn start_journal_over(&self, journal: &mut Journal) {
        // Not fatal: records left behind are replayed as no-ops.
        if let Err(err) = journal.clear() {
            tracing::warn!(error = %err, "cannot empty the message journal");
        }
    }

    fn lock_journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        // Nothing panics while holding it; a poisoned lock still holds a usable journal.
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one write transaction and commits it with the given durability. A failed
    /// commit marks the store unhealthy so `/healthz` reports it until a reopen succeeds.
    fn write<T>(
        &self,
        durability: Durability,
        f: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let db = self.db()?;
        let mut txn = db.begin_write().inspect_err(|_| self.mark_failed())?;
        txn.set_durability(durability)?;
        // Each commit also saves the allocator state, so after a crash the file opens in
        // milliseconds instead of after a repair walk of the whole file (seconds per GiB).
        txn.set_quick_repair(true);
        let value = f(&txn).inspect_err(|err| self.mark_failed_by(err))?;
        txn.commit().inspect_err(|_| self.mark_failed())?;
        if matches!(durability, Durability::Immediate) {
            self.durable_commits.fetch_add(1, Ordering::Relaxed);
        }
        Ok(value)
    }

    /// Durable commits since the store opened.
    pub fn durable_commits(&self) -> u64 {
        self.durable_commits.load(Ordering::Relaxed)
    }

    /// Marks the store unhealthy when `err` came from the disk: redb answers every later call
    /// with `PreviousIo` until the file is opened again, whichever read or write met the fault.
    fn mark_failed_by(&self, err: &StoreError) {
        if matches!(
            err,
            StoreError::Io(_) | StoreError::Db(redb::Error::Io(_) | redb::Error::PreviousIo)
        ) {
            self.mark_failed();
        }
    }

    fn mark_failed(&self) {
        self.healthy.store(false, Ordering::Release);
    }
}

fn open_database(path: &Path, faults: Option<&FaultSwitch>) -> Result<Database, StoreError> {
    let mut builder = Database::builder();
    builder.set_cache_size(CACHE_BYTES);
    let db = match faults {
        None => builder.create(path)?,
        Some(faults) => {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
            builder.create_with_backend(FaultyBackend::new(file, faults.clone())?)?
        }
    };
    // Password hashes and session keys live here: owner only.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(db)
}

/// Applies the journal's messages that the database does not hold, in one durable commit.
fn replay(db: &Database, entries: &[JournalEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::Immediate)?;
    txn.set_quick_repair(true);
    let mut replayed = 0;
    {
        let mut tx = Tx::open(&txn, 0)?;
        for entry in entries {
            replayed += usize::from(tx.replay_message(entry)?);
        }
        tx.finish()?;
    }
    txn.commit()?;
    tracing::info!(
        replayed,
        journaled = entries.len(),
        "messages restored from the journal"
    );
    Ok(())
}

/// Next free id in a table keyed by `u64`: one past the largest key.
fn next_id(table: &impl redb::ReadableTable<u64, &'static [u8]>) -> Result<u64, StoreError> {
    Ok(table.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1))
}

#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod tests;
