//! Storage: one redb file, `confab.redb`, holding accounts, sessions, rooms and messages.
//!
//! Each public function opens one transaction, does its work and commits. Writes that must
//! survive a crash commit with `Durability::Immediate`; bookkeeping that may be lost (a
//! session's last-seen time, a room visit) commits with `Durability::None` and becomes durable
//! with the next immediate commit.

mod backup;
mod error;
mod messages;
mod rooms;
mod sessions;
mod tables;
mod users;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, WriteTransaction,
};

pub use error::StoreError;
pub use messages::{AppendOutcome, MessageRange, NewMessage, Page, StoredMessage};
pub use rooms::{Room, RoomActivity, room_key};
pub use sessions::{SessionKey, SessionRecord};
pub use users::{User, UserWithHash};

/// The schema this build writes. Older files are migrated forward on open.
pub const SCHEMA_VERSION: u64 = 1;

/// The database file's name inside the data folder.
pub const DB_FILE: &str = "confab.redb";

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
}

impl Store {
    /// Opens (or creates) `confab.redb` inside `data_dir` and migrates it to [`SCHEMA_VERSION`].
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(DB_FILE);
        let db = open_database(&path)?;
        migrate(&db)?;
        Ok(Store {
            path,
            db: RwLock::new(Some(Arc::new(db))),
            healthy: AtomicBool::new(true),
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the last write committed and a read transaction can be opened.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
            && self
                .read(|txn| {
                    Ok(txn
                        .open_table(tables::META)?
                        .get("schema_version")?
                        .is_some())
                })
                .unwrap_or(false)
    }

    /// Drops the current handle and opens the file again; redb requires this after a failed
    /// commit. Waits briefly for in-flight transactions to release the old handle.
    pub fn reopen(&self) -> Result<(), StoreError> {
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = slot.take() {
            // New transactions wait on the lock; those in flight finish and drop their handle.
            let mut old = old;
            for _ in 0..400 {
                match Arc::try_unwrap(old) {
                    Ok(db) => {
                        drop(db);
                        break;
                    }
                    Err(still_shared) => {
                        old = still_shared;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            }
        }
        let db = open_database(&self.path)?;
        migrate(&db)?;
        *slot = Some(Arc::new(db));
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
        let value = f(&txn)?;
        txn.commit().inspect_err(|_| self.mark_failed())?;
        Ok(value)
    }

    fn mark_failed(&self) {
        self.healthy.store(false, Ordering::Release);
    }
}

fn open_database(path: &Path) -> Result<Database, StoreError> {
    let db = Database::builder()
        .set_cache_size(CACHE_BYTES)
        .create(path)?;
    // Password hashes and session keys live here: owner only.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(db)
}

/// Brings a database file to [`SCHEMA_VERSION`]: a new file gets every table; an older one runs
/// each migration step in order, all in one transaction.
fn migrate(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(tables::META)?;
        let found = meta.get("schema_version")?.map(|v| v.value());
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::NewerSchema {
                    found: v,
                    known: SCHEMA_VERSION,
                });
            }
            Some(v) if v == SCHEMA_VERSION => {}
            // Version 1 is the first schema: creating the tables is the whole migration.
            _ => {}
        }
        meta.insert("schema_version", SCHEMA_VERSION)?;
    }
    // Opening a table in a write transaction creates it, so readers never meet a missing table.
    txn.open_table(tables::USERS)?;
    txn.open_table(tables::USERNAMES)?;
    txn.open_table(tables::SESSIONS)?;
    txn.open_table(tables::USER_SESSIONS)?;
    txn.open_table(tables::ROOMS)?;
    txn.open_table(tables::ROOM_KEYS)?;
    txn.open_table(tables::ROOM_ACTIVITY)?;
    txn.open_table(tables::MESSAGES)?;
    txn.open_table(tables::CLIENT_IDS)?;
    txn.open_table(tables::VISITS)?;
    txn.commit()?;
    Ok(())
}

/// Next free id in a table keyed by `u64`: one past the largest key.
fn next_id(table: &impl redb::ReadableTable<u64, &'static [u8]>) -> Result<u64, StoreError> {
    Ok(table.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1))
}

#[cfg(test)]
mod tests;
