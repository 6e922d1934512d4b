//! Keeping the search index: written in the same write transaction as the history it indexes
//! (a new message, an edit, a deletion, a message the journal replays), so a search never
//! disagrees with what the room shows.
//!
//! Each message's terms ([`crate::search::words`]) go into `search_words` as (term, room,
//! message) → time, and its author into `search_authors` as (author, room, message) → time.
//! The counts a query uses to pick its rarest term are summed over the transaction and written
//! once per term at its end, so a batch of a hundred messages saying "the" updates one count.

use std::collections::HashMap;

use redb::{ReadableTable, Table, WriteTransaction};

use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use crate::search::words::terms;

pub(in crate::store) struct Index<'t> {
    words: Table<'t, (&'static str, u64, u64), u64>,
    authors: Table<'t, (u64, u64, u64), u64>,
    /// Changes to `search_terms` not written yet.
    term_counts: HashMap<String, i64>,
    /// Changes to `search_author_counts` not written yet.
    author_counts: HashMap<u64, i64>,
}

impl<'t> Index<'t> {
    pub(in crate::store) fn open(txn: &'t WriteTransaction) -> Result<Index<'t>, StoreError> {
        Ok(Index {
            words: txn.open_table(tables::SEARCH_WORDS)?,
            authors: txn.open_table(tables::SEARCH_AUTHORS)?,
            term_counts: HashMap::new(),
            author_counts: HashMap::new(),
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
        for term in terms(&record.text) {
            self.words.insert((term.as_str(), room_id, id), record.ts)?;
            *self.term_counts.entry(term).or_default() += 1;
        }
        self.authors
            .insert((record.user_id, room_id, id), record.ts)?;
        *self.author_counts.entry(record.user_id).or_default() += 1;
        Ok(())
    }

    /// Brings a changed message's entries in step: an edit swaps the terms that changed, a
    /// deletion removes them all, a reaction changes nothing.
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
        let kept = |text: &str, deleted: bool| match deleted {
            true => Vec::new(),
            false => terms(text),
        };
        let (old, new) = (
            kept(old_text, was_deleted),
            kept(&after.text, after.deleted),
        );
        for term in old.iter().filter(|term| new.binary_search(term).is_err()) {
            self.words.remove((term.as_str(), room_id, id))?;
            *self.term_counts.entry(term.clone()).or_default() -= 1;
        }
        for term in new.iter().filter(|term| old.binary_search(term).is_err()) {
            self.words.insert((term.as_str(), room_id, id), after.ts)?;
            *self.term_counts.entry(term.clone()).or_default() += 1;
        }
        if was_deleted != after.deleted {
            let key = (after.user_id, room_id, id);
            let delta = if after.deleted {
                self.authors.remove(key)?;
                -1
            } else {
                self.authors.insert(key, after.ts)?;
                1
            };
            *self.author_counts.entry(after.user_id).or_default() += delta;
        }
        Ok(())
    }

    /// Writes the counts this transaction changed.
    pub(in crate::store) fn finish(self, txn: &WriteTransaction) -> Result<(), StoreError> {
        if !self.term_counts.is_empty() {
            let mut counts = txn.open_table(tables::SEARCH_TERMS)?;
            for (term, delta) in self.term_counts.into_iter().filter(|(_, d)| *d != 0) {
                add_term_count(&mut counts, &term, delta)?;
            }
        }
        if !self.author_counts.is_empty() {
            let mut counts = txn.open_table(tables::SEARCH_AUTHOR_COUNTS)?;
            for (author, delta) in self.author_counts.into_iter().filter(|(_, d)| *d != 0) {
                add_author_count(&mut counts, author, delta)?;
            }
        }
        Ok(())
    }
}

/// A count moved by `delta`; `None` when it reaches zero and is removed, so a term nobody
/// writes any more leaves nothing behind (and prefix expansion never meets it).
fn moved(count: u64, delta: i64) -> Option<u64> {
    Some(count.saturating_add_signed(delta)).filter(|&count| count > 0)
}

fn add_term_count(
    counts: &mut Table<'_, &'static str, u64>,
    term: &str,
    delta: i64,
) -> Result<(), StoreError> {
    let count = counts.get(term)?.map_or(0, |count| count.value());
    match moved(count, delta) {
        Some(count) => counts.insert(term, count)?,
        None => counts.remove(term)?,
    };
    Ok(())
}

fn add_author_count(
    counts: &mut Table<'_, u64, u64>,
    author: u64,
    delta: i64,
) -> Result<(), StoreError> {
    let count = counts.get(author)?.map_or(0, |count| count.value());
    match moved(count, delta) {
        Some(count) => counts.insert(author, count)?,
        None => counts.remove(author)?,
    };
    Ok(())
}
