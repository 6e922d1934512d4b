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
            for copy_table in COPIES {
                copied += copy_table(&source, &txn)?;
            }
            txn.commit()?;
            copied
        };
        std::fs::rename(&tmp, dest)?;
        Ok(copied)
    }
}

type CopyTable = fn(&ReadTransaction, &WriteTransaction) -> Result<u64, StoreError>;

/// One copy per table of the schema; a unit test checks that none is missing.
const COPIES: &[CopyTable] = &[
    |s, t| copy(s, t, tables::META),
    |s, t| copy(s, t, tables::USERS),
    |s, t| copy(s, t, tables::USERNAMES),
    |s, t| copy(s, t, tables::NAME_HOLDS),
    |s, t| copy(s, t, tables::SESSIONS),
    |s, t| copy(s, t, tables::USER_SESSIONS),
    |s, t| copy(s, t, tables::RECOVERY_CODES),
    |s, t| copy(s, t, tables::RESET_LINKS),
    |s, t| copy(s, t, tables::AVATARS),
    |s, t| copy(s, t, tables::ROOMS),
    |s, t| copy(s, t, tables::ROOM_NAMES),
    |s, t| copy(s, t, tables::DIRECT_ROOMS),
    |s, t| copy(s, t, tables::OPEN_ROOMS_BY_ACTIVITY),
    |s, t| copy(s, t, tables::HISTORY),
    |s, t| copy(s, t, tables::CHANGES),
    |s, t| copy(s, t, tables::CLIENT_IDS),
    |s, t| copy(s, t, tables::MEMBERS),
    |s, t| copy(s, t, tables::USER_ROOMS),
    |s, t| copy(s, t, tables::INVITES),
    |s, t| copy(s, t, tables::ROOM_INVITES),
    |s, t| copy(s, t, tables::FRIENDS),
    |s, t| copy(s, t, tables::BLOCKS),
    |s, t| copy(s, t, tables::LAST_SEEN),
    |s, t| copy(s, t, tables::READ_POSITIONS),
    |s, t| copy(s, t, tables::MENTIONS),
    |s, t| copy(s, t, tables::ROOM_MENTIONS),
    |s, t| copy(s, t, tables::SEARCH_MARKS),
    |s, t| copy(s, t, tables::SEARCH_CHANGED),
    |s, t| copy(s, t, tables::SEARCH_SEGMENTS),
    |s, t| copy(s, t, tables::SEARCH_WORDS),
    |s, t| copy(s, t, tables::SEARCH_AUTHORS),
    |s, t| copy(s, t, tables::UPLOADS),
    |s, t| copy(s, t, tables::BLOB_REFS),
    |s, t| copy(s, t, tables::LOOSE_UPLOADS),
    |s, t| copy(s, t, tables::UPLOAD_USAGE),
];

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
