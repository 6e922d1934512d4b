//! The search index: packed segments of terms that an upkeep of its own folds the history
//! into ([`upkeep`], [`segment`], [`pending`]), kept in step with edits and deletions in
//! their own write transaction ([`index`]), and read newest first within the rooms a search
//! may look in, together with the messages no segment holds yet ([`find`]).

mod find;
pub(super) mod index;
pub(super) mod pending;
pub(super) mod postings;
pub(super) mod segment;
#[cfg(test)]
mod tests;
pub(super) mod upkeep;

pub use find::{Found, PREFIX_TERMS, Wanted};
pub use upkeep::{Progress, Upkeep};

use super::{Snapshot, StoreError};

impl Snapshot {
    /// Messages in `wanted.rooms` that match, newest first. The caller has decided that the
    /// asker may read every one of those rooms.
    pub fn search(&self, wanted: &Wanted) -> Result<Found, StoreError> {
        find::find(&self.txn, wanted)
    }
}

/// What the index takes on disk, beside the history it indexes.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexSize {
    /// The search tables: entries, branch pages and the space lost to fragmentation.
    pub index_bytes: u64,
    /// The history table, measured the same way.
    pub history_bytes: u64,
    /// Messages in the history.
    pub messages: u64,
}

impl Snapshot {
    /// How much room the search index takes (`confab bench`'s search scenario reports it).
    pub fn search_index_size(&self) -> Result<IndexSize, StoreError> {
        use redb::{ReadableTableMetadata, TableStats};
        let bytes = |stats: TableStats| {
            stats.stored_bytes() + stats.metadata_bytes() + stats.fragmented_bytes()
        };
        let txn = &self.txn;
        let history = txn.open_table(super::tables::HISTORY)?;
        Ok(IndexSize {
            index_bytes: bytes(txn.open_table(super::tables::SEARCH_MARKS)?.stats()?)
                + bytes(txn.open_table(super::tables::SEARCH_CHANGED)?.stats()?)
                + bytes(txn.open_table(super::tables::SEARCH_SEGMENTS)?.stats()?)
                + bytes(txn.open_table(super::tables::SEARCH_WORDS)?.stats()?)
                + bytes(txn.open_table(super::tables::SEARCH_AUTHORS)?.stats()?),
            history_bytes: bytes(history.stats()?),
            messages: history.len()?,
        })
    }
}
