//! Consistent online backup: every table is copied from one read transaction (a snapshot) into
//! a fresh redb file, while the server goes on writing.

use std::path::Path;

use redb::{
    Database, Key, ReadTransaction, ReadableDatabase, TableDefinition, Value, WriteTransaction,
};

use super::{Store, StoreError, tables};

impl Store {
    /// Writes a consistent copy of the database to `dest` (replaced atomically if it exists).
    /// Returns the number of records copied.
    pub fn backup_to(&self, dest: &Path) -> Result<u64, StoreError> {
        let tmp = dest.with_extension("redb.partial");
        let _ = std::fs::remove_file(&tmp);
        let copied = {
            let source = self.db()?.begin_read()?;
            let target = Database::create(&tmp)?;
            let txn = target.begin_write()?;
            let mut copied = 0;
            copied += copy(&source, &txn, tables::META)?;
            copied += copy(&source, &txn, tables::USERS)?;
            copied += copy(&source, &txn, tables::USERNAMES)?;
            copied += copy(&source, &txn, tables::SESSIONS)?;
            copied += copy(&source, &txn, tables::USER_SESSIONS)?;
            copied += copy(&source, &txn, tables::ROOMS)?;
            copied += copy(&source, &txn, tables::ROOM_KEYS)?;
            copied += copy(&source, &txn, tables::ROOM_ACTIVITY)?;
            copied += copy(&source, &txn, tables::MESSAGES)?;
            copied += copy(&source, &txn, tables::CLIENT_IDS)?;
            copied += copy(&source, &txn, tables::VISITS)?;
            txn.commit()?;
            copied
        };
        std::fs::rename(&tmp, dest)?;
        Ok(copied)
    }
}

fn copy<K: Key + 'static, V: Value + 'static>(
    source: &ReadTransaction,
    target: &WriteTransaction,
    definition: TableDefinition<K, V>,
) -> Result<u64, StoreError> {
    let from = source.open_table(definition)?;
    let mut to = target.open_table(definition)?;
    let mut count = 0;
    for entry in redb::ReadableTable::iter(&from)? {
        let (key, value) = entry?;
        to.insert(key.value(), value.value())?;
        count += 1;
    }
    Ok(count)
}
