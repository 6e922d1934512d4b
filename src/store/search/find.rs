//! Answering a search, newest first, from the rooms the asker may read only. Three parts
//! answer:
//!
//! - the messages past each room's mark, which no segment holds yet, read from the history
//!   and checked as they are;
//! - the changed rows (messages edited since a segment took them), each checked against its
//!   own terms;
//! - the segments, where the query's rarest part (a word, the words its prefix stands for, or
//!   its author) gives the candidates, and each candidate is checked against the message
//!   itself, so an entry a message no longer deserves (it was edited or deleted since its
//!   segment was written) finds nothing.
//!
//! All are merged newest first until a page is full; a message two parts hold comes once.

use std::collections::HashSet;

use redb::{ReadTransaction, ReadableTable};

use super::super::history::StoredMessage;
use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use super::index::terms_of;
use super::postings::{MessageTerms, decode_list};
use crate::search::Position;

/// The most terms a prefix stands for in a segment: its completions with the longest lists.
pub const PREFIX_TERMS: usize = 32;
/// How many completions of a prefix are looked at in a segment to choose those.
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

impl Wanted<'_> {
    /// Whether a message's distinct, sorted terms and author are what is wanted.
    fn matches(&self, terms: &[String], author: u64) -> bool {
        self.author.is_none_or(|wanted| wanted == author)
            && self
                .words
                .iter()
                .all(|word| terms.binary_search(word).is_ok())
            && self
                .prefix
                .is_none_or(|prefix| terms.iter().any(|term| term.starts_with(prefix)))
    }

    fn is_before(&self, at: Position) -> bool {
        self.before.is_none_or(|before| at < before)
    }
}

/// A page of results, newest first; `more` when older ones follow.
#[derive(Debug, Default)]
pub struct Found {
    pub messages: Vec<StoredMessage>,
    pub more: bool,
}

/// A part of a query whose lists in a segment give its candidates.
enum Part {
    /// A word, or the completions of the prefix.
    Words(Vec<String>),
    Author(u64),
}

/// A candidate, and whether it is known to match (read whole, or by its changed row) or must
/// be checked.
type Candidate = (Position, bool);

pub(in crate::store) fn find(txn: &ReadTransaction, wanted: &Wanted) -> Result<Found, StoreError> {
    let history = txn.open_table(tables::HISTORY)?;
    let mut candidates: Vec<Candidate> = Vec::new();
    if wanted.words.is_empty() && wanted.prefix.is_none() && wanted.author.is_none() {
        // `in:ROOM` alone: the rooms' history itself.
        for &room in wanted.rooms {
            for entry in history.range((room, 0)..(room, below(wanted, room)))?.rev() {
                let (key, bytes) = entry?;
                let record = MessageRecord::decode(bytes.value())?;
                let at = Position {
                    ts: record.ts,
                    room_id: room,
                    id: key.value().1,
                };
                if !record.deleted && wanted.is_before(at) {
                    candidates.push((at, true));
                }
                if candidates.len() > wanted.limit {
                    break;
                }
            }
        }
    } else {
        tails(txn, wanted, &mut candidates)?;
        changed(txn, wanted, &mut candidates)?;
        segments(txn, wanted, &mut candidates)?;
    }
    // Newest first; of a message two parts hold, one known to match first.
    candidates.sort_unstable_by(|a, b| b.cmp(a));

    let mut found = Found::default();
    let mut seen = HashSet::new();
    for (at, known) in candidates {
        if !seen.insert((at.room_id, at.id)) {
            continue;
        }
        let Some(bytes) = history.get((at.room_id, at.id))? else {
            continue;
        };
        let record = MessageRecord::decode(bytes.value())?;
        if record.deleted || !(known || wanted.matches(&terms_of(&record), record.user_id)) {
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

/// The first message id past the page in `room`: the one `before` names, in its own room.
fn below(wanted: &Wanted, room: u64) -> u64 {
    match wanted.before {
        Some(before) if before.room_id == room => before.id,
        _ => u64::MAX,
    }
}

/// The messages of the rooms past their marks that match, each known to.
fn tails(
    txn: &ReadTransaction,
    wanted: &Wanted,
    candidates: &mut Vec<Candidate>,
) -> Result<(), StoreError> {
    let history = txn.open_table(tables::HISTORY)?;
    let marks = txn.open_table(tables::SEARCH_MARKS)?;
    for &room in wanted.rooms {
        let from = marks.get(room)?.map_or(0, |mark| mark.value()) + 1;
        let to = below(wanted, room);
        if from >= to {
            continue;
        }
        for entry in history.range((room, from)..(room, to))? {
            let (key, bytes) = entry?;
            let record = MessageRecord::decode(bytes.value())?;
            let at = Position {
                ts: record.ts,
                room_id: room,
                id: key.value().1,
            };
            if !record.deleted
                && wanted.is_before(at)
                && wanted.matches(&terms_of(&record), record.user_id)
            {
                candidates.push((at, true));
            }
        }
    }
    Ok(())
}

/// The changed rows of the rooms that match, each known to.
fn changed(
    txn: &ReadTransaction,
    wanted: &Wanted,
    candidates: &mut Vec<Candidate>,
) -> Result<(), StoreError> {
    let table = txn.open_table(tables::SEARCH_CHANGED)?;
    for &room in wanted.rooms {
        for entry in table.range((room, 0)..(room, below(wanted, room)))? {
            let (key, bytes) = entry?;
            let row = MessageTerms::decode(bytes.value())?;
            let at = Position {
                ts: row.ts,
                room_id: room,
                id: key.value().1,
            };
            if wanted.is_before(at) && wanted.matches(&row.terms, row.author) {
                candidates.push((at, true));
            }
        }
    }
    Ok(())
}

/// What the segments give for the query's rarest part, in the rooms, to be checked.
fn segments(
    txn: &ReadTransaction,
    wanted: &Wanted,
    candidates: &mut Vec<Candidate>,
) -> Result<(), StoreError> {
    let segments: Vec<u64> = {
        let table = txn.open_table(tables::SEARCH_SEGMENTS)?;
        let mut ids = Vec::new();
        for entry in table.iter()? {
            ids.push(entry?.0.value());
        }
        ids
    };
    let words = txn.open_table(tables::SEARCH_WORDS)?;
    let authors = txn.open_table(tables::SEARCH_AUTHORS)?;
    let rooms: HashSet<u64> = wanted.rooms.iter().copied().collect();
    for segment in segments {
        // How long each part's list is in this segment: the shortest drives. A part the
        // segment has no message for means nothing here matches.
        let mut parts: Vec<(usize, Part)> = Vec::new();
        for word in wanted.words {
            let size = words
                .get((segment, word.as_str()))?
                .map_or(0, |list| list.value().len());
            parts.push((size, Part::Words(vec![word.clone()])));
        }
        if let Some(prefix) = wanted.prefix {
            let mut completions: Vec<(usize, String)> = Vec::new();
            for entry in words
                .range((segment, prefix)..(segment + 1, ""))?
                .take(PREFIX_SCAN)
            {
                let (key, list) = entry?;
                let term = key.value().1;
                if !term.starts_with(prefix) {
                    break;
                }
                completions.push((list.value().len(), term.to_owned()));
            }
            completions.sort_unstable_by_key(|(size, _)| std::cmp::Reverse(*size));
            completions.truncate(PREFIX_TERMS);
            let size = completions.iter().map(|(size, _)| size).sum();
            parts.push((
                size,
                Part::Words(completions.into_iter().map(|(_, t)| t).collect()),
            ));
        }
        if let Some(author) = wanted.author {
            let size = authors
                .get((segment, author))?
                .map_or(0, |list| list.value().len());
            parts.push((size, Part::Author(author)));
        }
        let Some((size, part)) = parts.into_iter().min_by_key(|(size, _)| *size) else {
            continue;
        };
        if size == 0 {
            continue;
        }
        let mut lists = Vec::new();
        match part {
            Part::Words(terms) => {
                for term in terms {
                    if let Some(list) = words.get((segment, term.as_str()))? {
                        lists.push(decode_list(list.value())?);
                    }
                }
            }
            Part::Author(author) => {
                if let Some(list) = authors.get((segment, author))? {
                    lists.push(decode_list(list.value())?);
                }
            }
        }
        for at in lists.into_iter().flatten() {
            if rooms.contains(&at.room_id) && wanted.is_before(at) {
                candidates.push((at, false));
            }
        }
    }
    Ok(())
}
