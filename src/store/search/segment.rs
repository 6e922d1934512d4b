//! A segment of the search index, built in memory from what it replaces (the messages of
//! some rooms past their marks and the changed rows, or segments of one tier) and then
//! written as rows: for each term, one packed list of
//! the messages that hold it, newest first, keyed (segment, term) and written in term order,
//! so a segment is written as appends; likewise one list per author.
//!
//! A segment is visible to searches only once its row in `search_segments` is there
//! ([`Built::publish`]), so its lists may be written over several transactions before that:
//! rows of a segment id that `search_segments` does not hold are unfinished or replaced, and
//! [`orphan`] finds them for removal.

use std::collections::BTreeMap;

use redb::{ReadableTable, WriteTransaction};

use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use super::index::terms_of;
use super::postings::{MessageTerms, decode_list, encode_list};
use crate::search::Position;

/// New messages that make a segment.
pub const FOLD_AT: u64 = 2_000;
/// The most messages one fold takes (after a migration, all the history is waiting): no more
/// than a fold in service takes, so every segment grows through the same merges.
pub const FOLD_MAX: usize = FOLD_AT as usize;
/// Segments of one tier merged into one.
pub const MERGE_FANIN: usize = 8;
/// The highest tier: segments of `FOLD_AT × MERGE_FANIN^(MAX_TIER-1)` messages (128,000) or
/// more are not merged further, so no merge holds more than about a million postings in
/// memory, and a million messages make a dozen segments or so.
pub const MAX_TIER: u8 = 3;

/// What a new segment takes the place of once it is published.
#[derive(Default)]
pub(super) struct Replaces {
    /// Rooms, and the last message of each the segment holds: their new marks, below which
    /// a search looks in the segments instead of the history.
    pub marks: Vec<(u64, u64)>,
    /// Changed rows, with the bytes each had when read: one that has changed again since
    /// (another edit) stays.
    pub changed: Vec<((u64, u64), Vec<u8>)>,
    /// Segments of the tier below, whose rows become orphans.
    pub segments: Vec<u64>,
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
    fn add(&mut self, at: Position, author: u64, terms: Vec<String>) {
        for term in terms {
            self.words.entry(term).or_default().push(at);
        }
        self.authors.entry(author).or_default().push(at);
        self.messages += 1;
    }

    fn pack(self, replaces: Replaces) -> Built {
        let newest_first = |mut list: Vec<Position>| {
            list.sort_unstable_by(|a, b| b.cmp(a));
            list.dedup();
            encode_list(&list)
        };
        Built {
            tier: tier_of(self.messages),
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

/// A segment's tier by its size: merges join segments of one tier, so small ones (quiet
/// hours fold few messages) keep joining until they are as big as a full fold.
fn tier_of(messages: u64) -> u8 {
    let mut tier = 0;
    let mut bound = FOLD_AT;
    while tier < MAX_TIER && messages >= bound {
        tier += 1;
        bound *= MERGE_FANIN as u64;
    }
    tier
}

/// A fold, and the rooms it had no room left for.
pub(super) struct Fold {
    pub built: Built,
    pub unfinished: Vec<u64>,
}

/// A segment of the messages of `rooms` past their marks, up to [`FOLD_MAX`] of them, with
/// every changed row.
pub(super) fn fold(
    history: &impl ReadableTable<(u64, u64), &'static [u8]>,
    marks: &impl ReadableTable<u64, u64>,
    changed: &impl ReadableTable<(u64, u64), &'static [u8]>,
    rooms: &[u64],
) -> Result<Fold, StoreError> {
    let mut lists = Lists::default();
    let mut replaces = Replaces::default();
    let mut unfinished = Vec::new();
    for (i, &room_id) in rooms.iter().enumerate() {
        if lists.messages as usize >= FOLD_MAX {
            unfinished.extend_from_slice(&rooms[i..]);
            break;
        }
        let mark = marks.get(room_id)?.map_or(0, |m| m.value());
        let mut last = None;
        for entry in history.range((room_id, mark + 1)..=(room_id, u64::MAX))? {
            if lists.messages as usize >= FOLD_MAX {
                unfinished.push(room_id);
                break;
            }
            let (key, bytes) = entry?;
            let id = key.value().1;
            let record = MessageRecord::decode(bytes.value())?;
            if !record.deleted {
                let at = Position {
                    ts: record.ts,
                    room_id,
                    id,
                };
                lists.add(at, record.user_id, terms_of(&record));
            }
            last = Some(id);
        }
        if let Some(last) = last {
            replaces.marks.push((room_id, last));
        }
    }
    for entry in changed.iter()?.take(FOLD_MAX) {
        let (key, bytes) = entry?;
        let (room_id, id) = key.value();
        let row = MessageTerms::decode(bytes.value())?;
        let at = Position {
            ts: row.ts,
            room_id,
            id,
        };
        lists.add(at, row.author, row.terms);
        replaces
            .changed
            .push(((room_id, id), bytes.value().to_vec()));
    }
    Ok(Fold {
        built: lists.pack(replaces),
        unfinished,
    })
}

/// One segment from the oldest [`MERGE_FANIN`] segments of the lowest tier that has that many
/// (below [`MAX_TIER`]).
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
    let Some((_, due)) = by_tier
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
    Ok(Some(lists.pack(Replaces {
        segments: due.to_vec(),
        ..Replaces::default()
    })))
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

    /// Whether the segment holds anything: a fold of deleted messages only moves marks.
    pub fn is_empty(&self) -> bool {
        self.messages == 0
    }

    /// Makes segment `id` visible, moves the marks of its rooms, and makes the segments it
    /// replaces invisible, in one transaction. Changed rows it replaces stay until
    /// [`retire_changed`] takes them: meanwhile a search finds such a message twice and
    /// shows it once.
    pub fn publish(&self, txn: &WriteTransaction, id: u64) -> Result<(), StoreError> {
        let mut segments = txn.open_table(tables::SEARCH_SEGMENTS)?;
        if !self.is_empty() {
            segments.insert(id, (self.tier, self.messages))?;
        }
        for &old in &self.replaces.segments {
            segments.remove(old)?;
        }
        let mut marks = txn.open_table(tables::SEARCH_MARKS)?;
        for &(room_id, last) in &self.replaces.marks {
            let mark = marks.get(room_id)?.map_or(0, |m| m.value());
            if last > mark {
                marks.insert(room_id, last)?;
            }
        }
        Ok(())
    }
}

/// Removes the changed rows of `rows` that are as they were read.
pub(super) fn retire_changed(
    txn: &WriteTransaction,
    rows: &[((u64, u64), Vec<u8>)],
) -> Result<(), StoreError> {
    let mut changed = txn.open_table(tables::SEARCH_CHANGED)?;
    for (key, bytes) in rows {
        let unchanged = changed
            .get(*key)?
            .is_some_and(|now| now.value() == bytes.as_slice());
        if unchanged {
            changed.remove(*key)?;
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
