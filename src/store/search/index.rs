//! Keeping the search index, in the same write transaction as the history it indexes (a new
//! message, an edit, a deletion, a message the journal replays), so a search never disagrees
//! with what the room shows. Written to be cheap for the writer:
//!
//! - A new message's distinct terms ([`crate::search::words`]) go into `search_fresh` beside
//!   it, keyed (room, message): an append at the end of its room, like the history's own.
//! - The transaction that brings `search_fresh` to [`FOLD_AT`] messages folds them into a new
//!   segment: for each term, one packed list of the messages that hold it, newest first,
//!   keyed (segment, term) and written in term order, so a segment is written once, as
//!   appends; likewise one list per author. The fresh rows go.
//! - When [`MERGE_FANIN`] segments of one tier are there, they are merged into one of the
//!   next tier, up to [`MAX_TIER`]: a search looks up a few dozen segments, not thousands.
//! - An edit writes the message's fresh row again, with its new terms; a deletion removes its
//!   fresh row. A segment is never rewritten for one message: a search checks each candidate a
//!   segment gives against the message itself, in the same snapshot, so an entry a message no
//!   longer deserves finds nothing.

use std::collections::BTreeMap;

use redb::{ReadableTable, ReadableTableMetadata, Table, WriteTransaction};

use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use super::postings::{Fresh, decode_list, encode_list};
use crate::search::Position;
use crate::search::words::terms;

/// Fresh messages that make a segment.
pub const FOLD_AT: u64 = 2_000;
/// Segments of one tier merged into one of the next.
pub const MERGE_FANIN: usize = 8;
/// The highest tier: segments of about `FOLD_AT × MERGE_FANIN^MAX_TIER` messages (128,000)
/// are not merged further, so no merge holds the writer for long.
pub const MAX_TIER: u8 = 2;

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

    /// Folds the fresh messages into a segment once there are enough of them.
    pub(in crate::store) fn fold_if_due(
        &mut self,
        txn: &WriteTransaction,
    ) -> Result<(), StoreError> {
        if self.fresh.len()? >= FOLD_AT {
            fold(txn, &mut self.fresh)?;
        }
        Ok(())
    }

    /// The end of the transaction: a fold, if one is due.
    pub(in crate::store) fn finish(mut self, txn: &WriteTransaction) -> Result<(), StoreError> {
        self.fold_if_due(txn)
    }
}

/// A segment being built: each term's and each author's messages.
#[derive(Default)]
struct Lists {
    words: BTreeMap<String, Vec<Position>>,
    authors: BTreeMap<u64, Vec<Position>>,
    messages: u64,
}

/// Moves every fresh message into a new segment of tier 0, and merges what is due.
fn fold(
    txn: &WriteTransaction,
    fresh: &mut Table<'_, (u64, u64), &'static [u8]>,
) -> Result<(), StoreError> {
    let mut lists = Lists::default();
    for entry in fresh.iter()? {
        let (key, bytes) = entry?;
        let (room_id, id) = key.value();
        let row = Fresh::decode(bytes.value())?;
        let at = Position {
            ts: row.ts,
            room_id,
            id,
        };
        for term in row.terms {
            lists.words.entry(term).or_default().push(at);
        }
        lists.authors.entry(row.author).or_default().push(at);
        lists.messages += 1;
    }
    if lists.messages == 0 {
        return Ok(());
    }
    fresh.retain(|_, _| false)?;
    write_segment(txn, 0, lists)?;
    merge_due(txn, 0)
}

/// Writes a segment of `tier`, every list newest first, under the next segment id.
fn write_segment(txn: &WriteTransaction, tier: u8, mut lists: Lists) -> Result<(), StoreError> {
    let mut segments = txn.open_table(tables::SEARCH_SEGMENTS)?;
    let id = segments.last()?.map_or(1, |(key, _)| key.value() + 1);
    segments.insert(id, (tier, lists.messages))?;
    let mut words = txn.open_table(tables::SEARCH_WORDS)?;
    for (term, list) in &mut lists.words {
        list.sort_unstable_by(|a, b| b.cmp(a));
        list.dedup();
        words.insert((id, term.as_str()), encode_list(list).as_slice())?;
    }
    let mut authors = txn.open_table(tables::SEARCH_AUTHORS)?;
    for (author, list) in &mut lists.authors {
        list.sort_unstable_by(|a, b| b.cmp(a));
        list.dedup();
        authors.insert((id, *author), encode_list(list).as_slice())?;
    }
    Ok(())
}

/// Merges the segments of `tier` into one of the next when there are enough of them.
fn merge_due(txn: &WriteTransaction, tier: u8) -> Result<(), StoreError> {
    if tier >= MAX_TIER {
        return Ok(());
    }
    let due: Vec<u64> = {
        let segments = txn.open_table(tables::SEARCH_SEGMENTS)?;
        let mut due = Vec::new();
        for entry in segments.iter()? {
            let (id, info) = entry?;
            if info.value().0 == tier {
                due.push(id.value());
            }
        }
        due
    };
    if due.len() < MERGE_FANIN {
        return Ok(());
    }
    let mut lists = Lists::default();
    {
        let mut segments = txn.open_table(tables::SEARCH_SEGMENTS)?;
        let mut words = txn.open_table(tables::SEARCH_WORDS)?;
        let mut authors = txn.open_table(tables::SEARCH_AUTHORS)?;
        for &segment in &due {
            for entry in words.range((segment, "")..(segment + 1, ""))? {
                let (key, bytes) = entry?;
                let term = key.value().1.to_owned();
                lists
                    .words
                    .entry(term)
                    .or_default()
                    .extend(decode_list(bytes.value())?);
            }
            for entry in authors.range((segment, 0)..(segment + 1, 0))? {
                let (key, bytes) = entry?;
                lists
                    .authors
                    .entry(key.value().1)
                    .or_default()
                    .extend(decode_list(bytes.value())?);
            }
            words.retain_in((segment, "")..(segment + 1, ""), |_, _| false)?;
            authors.retain_in((segment, 0)..(segment + 1, 0), |_, _| false)?;
            if let Some(info) = segments.remove(segment)? {
                lists.messages += info.value().1;
            }
        }
    }
    write_segment(txn, tier + 1, lists)?;
    merge_due(txn, tier + 1)
}
