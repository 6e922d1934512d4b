//! What `confab doctor` asks of a data folder's files while no server has them open: whether
//! the database passes redb's integrity check, which schema it holds, and what the journal
//! still holds for the next start.

use std::path::Path;

use redb::{Database, ReadableDatabase};

use super::journal::decode;
use super::{StoreError, tables};

/// The database, as its check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The schema version it records; `None` for a database never started.
    pub schema: Option<u64>,
}

/// Opens the database with redb's full integrity check (every page's checksum, the allocator
/// rebuilt), as the server would open it, then reads its schema version. A file changed
/// behind redb's back is an error here, not a panic.
pub fn check_database(path: &Path) -> Result<Checked, StoreError> {
    let opened = std::panic::catch_unwind(|| {
        Database::builder()
            .set_check_integrity_on_open(true)
            .open(path)
    });
    let db = match opened {
        Ok(db) => db?,
        Err(_) => return Err(StoreError::Corrupt("redb could not read the file".into())),
    };
    let txn = db.begin_read()?;
    let schema = match txn.open_table(tables::META) {
        Ok(meta) => meta.get("schema_version")?.map(|v| v.value()),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(err) => return Err(err.into()),
    };
    Ok(Checked { schema })
}

/// The journal's bytes and the messages in it; a record that does not read ends it, as at
/// start.
pub fn journal_messages(path: &Path) -> Result<(u64, usize), StoreError> {
    let bytes = std::fs::read(path)?;
    let (entries, valid) = decode(&bytes);
    Ok((valid as u64, entries.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DB_FILE, SCHEMA_VERSION, Store};

    #[test]
    fn a_sound_database_passes_and_says_its_schema_and_a_damaged_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let path = dir.path().join(DB_FILE);
        assert_eq!(
            check_database(&path).unwrap(),
            Checked {
                schema: Some(SCHEMA_VERSION)
            }
        );
        let mut bytes = std::fs::read(&path).unwrap();
        let len = bytes.len();
        for byte in &mut bytes[len / 3..len / 3 + 4096] {
            *byte ^= 0x5a;
        }
        std::fs::write(&path, &bytes).unwrap();
        assert!(check_database(&path).is_err());
    }
}
