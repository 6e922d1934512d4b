//! A segment of the search index, built in memory from what it replaces (fresh rows, or
//! segments of the tier below) and then written as rows: for each term, one packed list of
//! the messages that hold it, newest first, keyed (segment, term) and written in term order,
//! so a segment is written as appends; likewise one list per author.
//!
//! A segment is visible to searches only once its row in `search_segments` is there
//! ([`Built::publish`]), so its lists may be written over several transactions before that:
//! rows of a segment id that `search_segments` does not hold are unfinished or replaced, and
//! [`orphan`] finds them for removal.

use std::collections::BTreeMap;

use redb::{ReadableTable, WriteTransaction};

use super::super::{StoreError, tables};
use super::postings::{Fresh, decode_list, encode_list};
use crate::search::Position;

/// Fresh messages that make a segment.
pub const FOLD_AT: u64 = 2_000;
/// The most fresh messages one segment takes (after a migration, many are waiting).
pub const FOLD_MAX: usize = 4 * FOLD_AT as usize;
/// Segments of one tier merged into one of the next.
pub const MERGE_FANIN: usize = 8;
/// The highest tier: segments of about `FOLD_AT × MERGE_FANIN^MAX_TIER` messages (128,000)
/// are not merged further, so no merge holds much in memory.
pub const MAX_TIER: u8 = 2;

/// What a new segment takes the place of once it is published.
pub(super) enum Replaces {
    /// Fresh rows, with the bytes each had when read: one that has changed since (an edit
    /// wrote new terms) stays fresh.
    Fresh(Vec<((u64, u64), Vec<u8>)>),
    /// Segments of the tier below, whose rows become orphans.
    Segments(Vec<u64>),
}

/// A segment ready to be written: its rows, in key order.
pub(super) struct Built {
    pub tier: u8,
    pub messages: u64,
    words: Vec<(String, Vec<u8>)>,
    authors: Vec<(u64, Vec<u8>)>,
    pub replaces: Replaces,
}

/// Each term's and each author's messages, gathered before they are packed.
#[derive(Default)]
struct Lists {
    words: BTreeMap<String, Vec<Position>>,
    authors: BTreeMap<u64, Vec<Position>>,
    messages: u64,
}

impl Lists {
    fn pack(self, tier: u8, replaces: Replaces) -> Built {
        let newest_first = |mut list: Vec<Position>| {
            list.sort_unstable_by(|a, b| b.cmp(a));
            list.dedup();
            encode_list(&list)
        };
        Built {
            tier,
            messages: self.messages,
            words: self
                .words
                .into_iter()
                .map(|(term, list)| (term, newest_first(list)))
                .collect(),
            authors: self
                .authors
                .into_iter()
                .map(|(author, list)| (author, newest_first(list)))
                .collect(),
            replaces,
        }
    }
}

/// A segment of tier 0 from the first [`FOLD_MAX`] fresh rows, once there are [`FOLD_AT`].
pub(super) fn fold(
    fresh: &impl ReadableTable<(u64, u64), &'static [u8]>,
) -> Result<Option<Built>, StoreError> {
    if fresh.len()? < FOLD_AT {
        return Ok(None);
    }
    let mut lists = Lists::default();
    let mut taken = Vec::new();
    for entry in fresh.iter()?.take(FOLD_MAX) {
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
        taken.push(((room_id, id), bytes.value().to_vec()));
    }
    Ok(Some(lists.pack(0, Replaces::Fresh(taken))))
}

/// A segment of the next tier from the oldest [`MERGE_FANIN`] segments of the lowest tier
/// that has that many (below [`MAX_TIER`]).
pub(super) fn merge(
    segments: &impl ReadableTable<u64, (u8, u64)>,
    words: &impl ReadableTable<(u64, &'static str), &'static [u8]>,
    authors: &impl ReadableTable<(u64, u64), &'static [u8]>,
) -> Result<Option<Built>, StoreError> {
    let mut by_tier: BTreeMap<u8, Vec<u64>> = BTreeMap::new();
    for entry in segments.iter()? {
        let (id, info) = entry?;
        by_tier.entry(info.value().0).or_default().push(id.value());
    }
    let Some((tier, due)) = by_tier
        .into_iter()
        .find(|(tier, ids)| *tier < MAX_TIER && ids.len() >= MERGE_FANIN)
    else {
        return Ok(None);
    };
    let due = &due[..MERGE_FANIN];
    let mut lists = Lists::default();
    for &segment in due {
        for entry in words.range((segment, "")..(segment + 1, ""))? {
            let (key, bytes) = entry?;
            lists
                .words
                .entry(key.value().1.to_owned())
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
        if let Some(info) = segments.get(segment)? {
            lists.messages += info.value().1;
        }
    }
    Ok(Some(lists.pack(tier + 1, Replaces::Segments(due.to_vec()))))
}

impl Built {
    /// Rows to write: the words' lists, then the authors'.
    pub fn rows(&self) -> usize {
        self.words.len() + self.authors.len()
    }

    /// Writes rows `from..to` under segment `id`.
    pub fn write_rows(
        &self,
        txn: &WriteTransaction,
        id: u64,
        from: usize,
        to: usize,
    ) -> Result<(), StoreError> {
        let split = self.words.len();
        if from < split {
            let mut words = txn.open_table(tables::SEARCH_WORDS)?;
            for (term, list) in &self.words[from..to.min(split)] {
                words.insert((id, term.as_str()), list.as_slice())?;
            }
        }
        if to > split {
            let mut authors = txn.open_table(tables::SEARCH_AUTHORS)?;
            for (author, list) in &self.authors[from.max(split) - split..to - split] {
                authors.insert((id, *author), list.as_slice())?;
            }
        }
        Ok(())
    }

    /// Whether row `index` of segment `id` is in the table: a reopen after a disk error
    /// rolls back to the last durable commit, which may have lost rows written before.
    pub fn has_row(
        &self,
        txn: &WriteTransaction,
        id: u64,
        index: usize,
    ) -> Result<bool, StoreError> {
        Ok(match self.words.get(index) {
            Some((term, _)) => txn
                .open_table(tables::SEARCH_WORDS)?
                .get((id, term.as_str()))?
                .is_some(),
            None => match self.authors.get(index - self.words.len()) {
                Some((author, _)) => txn
                    .open_table(tables::SEARCH_AUTHORS)?
                    .get((id, *author))?
                    .is_some(),
                None => false,
            },
        })
    }

    /// Makes segment `id` visible and the segments it replaces invisible, in one transaction.
    /// Fresh rows it replaces stay until [`retire_fresh`] takes them: meanwhile a search
    /// finds such a message twice and shows it once.
    pub fn publish(&self, txn: &WriteTransaction, id: u64) -> Result<(), StoreError> {
        let mut segments = txn.open_table(tables::SEARCH_SEGMENTS)?;
        segments.insert(id, (self.tier, self.messages))?;
        if let Replaces::Segments(replaced) = &self.replaces {
            for &old in replaced {
                segments.remove(old)?;
            }
        }
        Ok(())
    }
}

/// Removes the fresh rows of `rows` that are unchanged since they were read.
pub(super) fn retire_fresh(
    txn: &WriteTransaction,
    rows: &[((u64, u64), Vec<u8>)],
) -> Result<(), StoreError> {
    let mut fresh = txn.open_table(tables::SEARCH_FRESH)?;
    for (key, bytes) in rows {
        let unchanged = fresh
            .get(*key)?
            .is_some_and(|now| now.value() == bytes.as_slice());
        if unchanged {
            fresh.remove(*key)?;
        }
    }
    Ok(())
}

/// An id above every segment's, published or not.
pub(super) fn next_id(txn: &WriteTransaction) -> Result<u64, StoreError> {
    let last_segment = txn
        .open_table(tables::SEARCH_SEGMENTS)?
        .last()?
        .map_or(0, |(key, _)| key.value());
    let last_words = txn
        .open_table(tables::SEARCH_WORDS)?
        .last()?
        .map_or(0, |(key, _)| key.value().0);
    let last_authors = txn
        .open_table(tables::SEARCH_AUTHORS)?
        .last()?
        .map_or(0, |(key, _)| key.value().0);
    Ok(last_segment.max(last_words).max(last_authors) + 1)
}

/// A segment id that has rows but no entry in `search_segments`: one replaced by a merge, or
/// left unfinished by a crash.
pub(super) fn orphan(
    segments: &impl ReadableTable<u64, (u8, u64)>,
    words: &impl ReadableTable<(u64, &'static str), &'static [u8]>,
    authors: &impl ReadableTable<(u64, u64), &'static [u8]>,
) -> Result<Option<u64>, StoreError> {
    let mut from = 0;
    while let Some(entry) = words.range((from, "")..)?.next() {
        let id = entry?.0.value().0;
        if segments.get(id)?.is_none() {
            return Ok(Some(id));
        }
        from = id + 1;
    }
    let mut from = 0;
    while let Some(entry) = authors.range((from, 0)..)?.next() {
        let id = entry?.0.value().0;
        if segments.get(id)?.is_none() {
            return Ok(Some(id));
        }
        from = id + 1;
    }
    Ok(None)
}

/// Removes up to `limit` rows of orphan segment `id`; returns how many it removed.
pub(super) fn remove_rows(
    txn: &WriteTransaction,
    id: u64,
    limit: usize,
) -> Result<usize, StoreError> {
    let mut removed = 0;
    {
        let mut words = txn.open_table(tables::SEARCH_WORDS)?;
        for entry in words
            .extract_from_if((id, "")..(id + 1, ""), |_, _| true)?
            .take(limit)
        {
            entry?;
            removed += 1;
        }
    }
    let mut authors = txn.open_table(tables::SEARCH_AUTHORS)?;
    for entry in authors
        .extract_from_if((id, 0)..(id + 1, 0), |_, _| true)?
        .take(limit - removed)
    {
        entry?;
        removed += 1;
    }
    Ok(removed)
}
