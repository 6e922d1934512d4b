//! Consistent online copies of the database: every table is copied from one read transaction
//! (a snapshot) into a fresh redb file, while the server goes on writing. Messages the journal
//! made durable are in that snapshot already (they commit to redb before anyone sees them), so
//! the copy holds them without a journal beside it.
//!
//! A copy is described by [`Census`]: the rows of every table and the stored files its uploads
//! name. The backup archive records it when writing and checks it against the copy it reads.

use std::collections::BTreeMap;
use std::path::Path;

use redb::{
    Database, Key, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition, TableHandle, Value, WriteTransaction,
};

use super::{SCHEMA_VERSION, Store, StoreError, tables};

/// What a copy of the database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Census {
    /// Rows per table, by table name.
    pub tables: BTreeMap<String, u64>,
    /// Every stored file (upload or preview) that an upload names, by SHA-256.
    pub files: Vec<[u8; 32]>,
}

impl Census {
    /// Rows of one table; 0 for a table it does not know.
    pub fn rows(&self, table: &str) -> u64 {
        self.tables.get(table).copied().unwrap_or(0)
    }
}

impl Store {
    /// Writes a consistent copy of the database into `file`, which must be empty (a fresh
    /// temporary file, readable by its owner only: the copy holds password hashes and session
    /// keys), and says what it holds, both read in one transaction.
    pub fn copy_into(&self, file: &Path) -> Result<Census, StoreError> {
        let source = self.db()?.begin_read()?;
        // redb starts a new database in an empty file.
        let target = Database::create(file)?;
        let txn = target.begin_write()?;
        let mut tables = BTreeMap::new();
        for table in TABLES {
            tables.insert(table.name().to_owned(), table.copy(&source, &txn)?);
        }
        txn.commit()?;
        Ok(Census {
            tables,
            files: referenced_files(&source)?,
        })
    }
}

/// Opens a copy made by [`Store::copy_into`] (checking every page's checksum) and counts what
/// it holds. A copy that needs it is repaired in place.
pub fn census_of_copy(path: &Path) -> Result<Census, StoreError> {
    let db = Database::builder()
        .set_check_integrity_on_open(true)
        .open(path)?;
    let txn = db.begin_read()?;
    let schema = txn
        .open_table(tables::META)?
        .get("schema_version")?
        .map(|v| v.value());
    match schema {
        Some(v) if v <= SCHEMA_VERSION => {}
        Some(v) => {
            return Err(StoreError::NewerSchema {
                found: v,
                known: SCHEMA_VERSION,
            });
        }
        None => return Err(StoreError::Corrupt("the copy has no schema version".into())),
    }
    let mut tables = BTreeMap::new();
    for table in TABLES {
        tables.insert(table.name().to_owned(), table.count(&txn)?);
    }
    Ok(Census {
        tables,
        files: referenced_files(&txn)?,
    })
}

fn referenced_files(txn: &ReadTransaction) -> Result<Vec<[u8; 32]>, StoreError> {
    let refs = txn.open_table(tables::BLOB_REFS)?;
    let mut files = Vec::new();
    for entry in refs.iter()? {
        let (digest, count) = entry?;
        if count.value() > 0 {
            files.push(digest.value());
        }
    }
    Ok(files)
}

/// One table of the schema, copied and counted without knowing its types.
trait CopiedTable {
    fn name(&self) -> &str;
    fn copy(&self, source: &ReadTransaction, target: &WriteTransaction) -> Result<u64, StoreError>;
    fn count(&self, source: &ReadTransaction) -> Result<u64, StoreError>;
}

struct Table<K: Key + 'static, V: Value + 'static>(TableDefinition<'static, K, V>);

impl<K: Key + 'static, V: Value + 'static> CopiedTable for Table<K, V> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn copy(&self, source: &ReadTransaction, target: &WriteTransaction) -> Result<u64, StoreError> {
        let from = source.open_table(self.0)?;
        let mut to = target.open_table(self.0)?;
        let mut count = 0;
        for entry in from.iter()? {
            let (key, value) = entry?;
            to.insert(key.value(), value.value())?;
            count += 1;
        }
        Ok(count)
    }

    fn count(&self, source: &ReadTransaction) -> Result<u64, StoreError> {
        match source.open_table(self.0) {
            Ok(table) => Ok(table.len()?),
            // A copy made by an older schema lacks the tables added since.
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
            Err(err) => Err(err.into()),
        }
    }
}

/// Every table of the schema; a unit test checks that none is missing.
const TABLES: &[&dyn CopiedTable] = &[
    &Table(tables::META),
    &Table(tables::USERS),
    &Table(tables::USERNAMES),
    &Table(tables::NAME_HOLDS),
    &Table(tables::SESSIONS),
    &Table(tables::USER_SESSIONS),
    &Table(tables::RECOVERY_CODES),
    &Table(tables::RESET_LINKS),
    &Table(tables::AVATARS),
    &Table(tables::ROOMS),
    &Table(tables::ROOM_NAMES),
    &Table(tables::DIRECT_ROOMS),
    &Table(tables::OPEN_ROOMS_BY_ACTIVITY),
    &Table(tables::HISTORY),
    &Table(tables::CHANGES),
    &Table(tables::CLIENT_IDS),
    &Table(tables::MEMBERS),
    &Table(tables::USER_ROOMS),
    &Table(tables::INVITES),
    &Table(tables::ROOM_INVITES),
    &Table(tables::FRIENDS),
    &Table(tables::BLOCKS),
    &Table(tables::LAST_SEEN),
    &Table(tables::READ_POSITIONS),
    &Table(tables::MENTIONS),
    &Table(tables::ROOM_MENTIONS),
    &Table(tables::SEARCH_MARKS),
    &Table(tables::SEARCH_CHANGED),
    &Table(tables::SEARCH_SEGMENTS),
    &Table(tables::SEARCH_WORDS),
    &Table(tables::SEARCH_AUTHORS),
    &Table(tables::UPLOADS),
    &Table(tables::BLOB_REFS),
    &Table(tables::LOOSE_UPLOADS),
    &Table(tables::UPLOAD_USAGE),
    &Table(tables::SERVER_KEYS),
    &Table(tables::PUSH_SUBSCRIPTIONS),
    &Table(tables::USER_PUSH),
    &Table(tables::SETTINGS),
    &Table(tables::SERVER_INVITES),
    &Table(tables::AUDIT),
    &Table(tables::ROOM_PURGES),
    &Table(tables::API_TOKENS),
    &Table(tables::USER_API_TOKENS),
    &Table(tables::WEBHOOKS),
];
