//! Keeping the search index, in the same write transaction as the history it indexes (a new
//! message, an edit, a deletion, a message the journal replays), so a search never disagrees
//! with what the room shows. The writer's share is one row per message:
//!
//! - A new message's distinct terms ([`crate::search::words`]) go into `search_fresh` beside
//!   it, keyed (room, message): an append at the end of its room, like the history's own.
//! - An edit writes the message's fresh row again, with its new terms; a deletion removes its
//!   fresh row. A segment is never rewritten for one message: a search checks each candidate a
//!   segment gives against the message itself, in the same snapshot, so an entry a message no
//!   longer deserves finds nothing.
//!
//! Folding fresh rows into packed segments, and merging those, is the [`super::upkeep`]'s
//! work, in transactions of its own.

use redb::{Table, WriteTransaction};

use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use super::postings::Fresh;
use crate::search::words::terms;

pub(in crate::store) struct Index<'t> {
    fresh: Table<'t, (u64, u64), &'static [u8]>,
}

impl<'t> Index<'t> {
    pub(in crate::store) fn open(txn: &'t WriteTransaction) -> Result<Index<'t>, StoreError> {
        Ok(Index {
            fresh: txn.open_table(tables::SEARCH_FRESH)?,
        })
    }

    /// Indexes a message newly in the history.
    pub(in crate::store) fn add(
        &mut self,
        room_id: u64,
        id: u64,
        record: &MessageRecord,
    ) -> Result<(), StoreError> {
        if record.deleted {
            return Ok(());
        }
        let fresh = Fresh {
            author: record.user_id,
            ts: record.ts,
            terms: terms(&record.text),
        };
        self.fresh
            .insert((room_id, id), fresh.encode().as_slice())?;
        Ok(())
    }

    /// Brings a changed message's entries in step: an edit writes its new terms, a deletion
    /// takes its fresh row away, a reaction changes nothing.
    pub(in crate::store) fn change(
        &mut self,
        room_id: u64,
        id: u64,
        old_text: &str,
        was_deleted: bool,
        after: &MessageRecord,
    ) -> Result<(), StoreError> {
        if was_deleted == after.deleted && old_text == after.text {
            return Ok(());
        }
        if after.deleted {
            self.fresh.remove((room_id, id))?;
            return Ok(());
        }
        self.add(room_id, id, after)
    }
}
