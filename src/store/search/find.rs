//! Answering a search from the index, newest first, walking only the rooms the asker may
//! read. The query's rarest part (a word, the words its prefix stands for, or its author)
//! drives: its entries in each room are merged newest first, and each candidate is checked
//! against the rest (the other words by one lookup each, the prefix and the author on the
//! message itself) until a page is full.

use std::collections::BinaryHeap;

use redb::{ReadTransaction, ReadableTable};

use super::super::history::StoredMessage;
use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use crate::search::query::Position;
use crate::search::words::each_term;

/// The most terms a prefix stands for: its most frequent completions.
pub const PREFIX_TERMS: usize = 32;
/// How many completions of a prefix are looked at to choose those.
const PREFIX_SCAN: usize = 2_000;

/// A search with names resolved to ids, and the rooms it may look in.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// Terms every result holds.
    pub words: &'a [String],
    /// Every result holds a term starting with it.
    pub prefix: Option<&'a str>,
    /// Only messages by this person.
    pub author: Option<u64>,
    /// The rooms to look in: the ones the asker may read, decided before.
    pub rooms: &'a [u64],
    /// Only results older than this position.
    pub before: Option<Position>,
    pub limit: usize,
}

/// A page of results, newest first; `more` when older ones follow.
#[derive(Debug, Default)]
pub struct Found {
    pub messages: Vec<StoredMessage>,
    pub more: bool,
}

/// What the candidates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    Word,
    Prefix,
    Author,
    /// No word and no author (`in:ROOM` alone): the room's history itself.
    History,
}

type Candidates<'t> = Box<dyn Iterator<Item = Result<Position, StoreError>> + 't>;

pub(in crate::store) fn find(txn: &ReadTransaction, wanted: &Wanted) -> Result<Found, StoreError> {
    let words = txn.open_table(tables::SEARCH_WORDS)?;
    let terms = txn.open_table(tables::SEARCH_TERMS)?;
    let authors = txn.open_table(tables::SEARCH_AUTHORS)?;
    let author_counts = txn.open_table(tables::SEARCH_AUTHOR_COUNTS)?;
    let history = txn.open_table(tables::HISTORY)?;

    // How many messages hold each part; a part nothing holds ends the search at once.
    let mut exact = Vec::with_capacity(wanted.words.len());
    for word in wanted.words {
        match terms.get(word.as_str())? {
            Some(count) => exact.push((count.value(), word.as_str())),
            None => return Ok(Found::default()),
        }
    }
    exact.sort_unstable();
    let completions = match wanted.prefix {
        Some(prefix) => {
            let completions = complete(&terms, prefix)?;
            if completions.is_empty() {
                return Ok(Found::default());
            }
            completions
        }
        None => Vec::new(),
    };
    let author_count = match wanted.author {
        Some(author) => match author_counts.get(author)? {
            Some(count) => Some(count.value()),
            None => return Ok(Found::default()),
        },
        None => None,
    };
    let driver = [
        exact.first().map(|&(count, _)| (count, Driver::Word)),
        (!completions.is_empty())
            .then(|| (completions.iter().map(|(c, _)| c).sum(), Driver::Prefix)),
        author_count.map(|count| (count, Driver::Author)),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|&(count, _)| count)
    .map_or(Driver::History, |(_, driver)| driver);

    // One source of candidates per room (and per completion), each newest first.
    let mut merge = Merge::default();
    for &room in wanted.rooms {
        let below = match wanted.before {
            Some(before) if before.room_id == room => before.id,
            _ => u64::MAX,
        };
        match driver {
            Driver::Word => merge.add(postings(&words, exact[0].1, room, below)?)?,
            Driver::Prefix => {
                for (_, term) in &completions {
                    merge.add(postings(&words, term, room, below)?)?;
                }
            }
            Driver::Author => {
                let author = wanted.author.unwrap_or_default();
                let range = authors.range((author, room, 0)..(author, room, below))?;
                merge.add(Box::new(range.rev().map(|entry| {
                    let (key, ts) = entry?;
                    let (_, room_id, id) = key.value();
                    Ok(Position {
                        ts: ts.value(),
                        room_id,
                        id,
                    })
                })))?;
            }
            Driver::History => {
                let range = history.range((room, 0)..(room, below))?;
                merge.add(Box::new(range.rev().filter_map(|entry| {
                    let read = || -> Result<Option<Position>, StoreError> {
                        let (key, bytes) = entry?;
                        let (room_id, id) = key.value();
                        let record = MessageRecord::decode(bytes.value())?;
                        Ok((!record.deleted).then_some(Position {
                            ts: record.ts,
                            room_id,
                            id,
                        }))
                    };
                    read().transpose()
                })))?;
            }
        }
    }

    let mut found = Found::default();
    let mut last = None;
    while let Some(at) = merge.next()? {
        // The same message comes from each completion it holds.
        if last == Some(at) || wanted.before.is_some_and(|before| at >= before) {
            continue;
        }
        last = Some(at);
        let mut holds_words = true;
        for &(_, word) in exact.iter().skip(usize::from(driver == Driver::Word)) {
            if words.get((word, at.room_id, at.id))?.is_none() {
                holds_words = false;
                break;
            }
        }
        if !holds_words {
            continue;
        }
        let Some(bytes) = history.get((at.room_id, at.id))? else {
            continue;
        };
        let record = MessageRecord::decode(bytes.value())?;
        if wanted.author.is_some_and(|author| author != record.user_id) {
            continue;
        }
        if driver != Driver::Prefix
            && let Some(prefix) = wanted.prefix
            && !holds_prefix(&record.text, prefix)
        {
            continue;
        }
        if found.messages.len() == wanted.limit {
            found.more = true;
            break;
        }
        found
            .messages
            .push(StoredMessage::from_record(at.room_id, at.id, record));
    }
    Ok(found)
}

type Words = redb::ReadOnlyTable<(&'static str, u64, u64), u64>;

/// The messages of `room` below `below` that hold `term`, newest first.
fn postings<'t>(
    words: &'t Words,
    term: &str,
    room: u64,
    below: u64,
) -> Result<Candidates<'t>, StoreError> {
    let range = words.range((term, room, 0)..(term, room, below))?;
    Ok(Box::new(range.rev().map(|entry| {
        let (key, ts) = entry?;
        let (_, room_id, id) = key.value();
        Ok(Position {
            ts: ts.value(),
            room_id,
            id,
        })
    })))
}

/// The terms `prefix` stands for, most frequent first, with their counts.
fn complete(
    terms: &impl ReadableTable<&'static str, u64>,
    prefix: &str,
) -> Result<Vec<(u64, String)>, StoreError> {
    let mut found = Vec::new();
    for entry in terms.range(prefix..)?.take(PREFIX_SCAN) {
        let (term, count) = entry?;
        if !term.value().starts_with(prefix) {
            break;
        }
        found.push((count.value(), term.value().to_owned()));
    }
    found.sort_unstable_by_key(|&(count, _)| std::cmp::Reverse(count));
    found.truncate(PREFIX_TERMS);
    Ok(found)
}

/// Whether some word of `text` starts with `prefix`.
fn holds_prefix(text: &str, prefix: &str) -> bool {
    let mut holds = false;
    each_term(text, |_, term| holds |= term.starts_with(prefix));
    holds
}

/// Sources merged newest first.
#[derive(Default)]
struct Merge<'t> {
    heads: BinaryHeap<(Position, usize)>,
    sources: Vec<Candidates<'t>>,
}

impl<'t> Merge<'t> {
    fn add(&mut self, mut source: Candidates<'t>) -> Result<(), StoreError> {
        if let Some(head) = source.next().transpose()? {
            self.heads.push((head, self.sources.len()));
        }
        self.sources.push(source);
        Ok(())
    }

    fn next(&mut self) -> Result<Option<Position>, StoreError> {
        let Some((at, source)) = self.heads.pop() else {
            return Ok(None);
        };
        if let Some(head) = self.sources[source].next().transpose()? {
            self.heads.push((head, source));
        }
        Ok(Some(at))
    }
}
