//! Keeping the search index in step with the history, in the same write transaction. A new
//! message costs the writer nothing here: a search reads the messages past its room's mark
//! (those no segment holds yet) from the history itself, and the [`super::upkeep`] folds them
//! into segments later, in transactions of its own.
//!
//! An edit writes the message's new terms into `search_changed`, whether a segment holds it
//! yet or not (a fold planned before the edit may take it in with its old words); a deletion
//! removes that row. A segment is never rewritten for one message: a search checks each
//! candidate a segment gives against the message itself, in the same snapshot, so an entry a
//! message no longer deserves finds nothing.

use redb::WriteTransaction;

use super::super::record::MessageRecord;
use super::super::{StoreError, tables};
use super::postings::MessageTerms;
use crate::search::words::terms;

/// The terms a message is found by: the one place that says what of a message is searched.
/// Its text and the names of its files: distinct terms, sorted, as `terms` gives them.
pub(super) fn terms_of(record: &MessageRecord) -> Vec<String> {
    let mut found = terms(&record.text);
    if !record.files.is_empty() {
        for file in &record.files {
            found.extend(terms(&file.name));
        }
        found.sort_unstable();
        found.dedup();
    }
    found
}

/// Brings a changed message's entries in step: an edit writes its new terms, a deletion
/// takes them away, a reaction changes nothing.
pub(in crate::store) fn note_change(
    txn: &WriteTransaction,
    room_id: u64,
    id: u64,
    old_text: &str,
    was_deleted: bool,
    after: &MessageRecord,
) -> Result<(), StoreError> {
    if was_deleted == after.deleted && old_text == after.text {
        return Ok(());
    }
    let mut changed = txn.open_table(tables::SEARCH_CHANGED)?;
    if after.deleted {
        changed.remove((room_id, id))?;
        return Ok(());
    }
    let row = MessageTerms {
        author: after.user_id,
        ts: after.ts,
        terms: terms_of(after),
    };
    changed.insert((room_id, id), row.encode().as_slice())?;
    Ok(())
}
