//! Reading a room's history: the one implementation of paging, used by the WebSocket and the
//! JSON API alike. Messages are keyed by (room, id); ids come from the room's change sequence,
//! so "everything after sequence number S" is the new messages after S plus the messages
//! changed after S (the `changes` index).

use redb::ReadTransaction;

use super::record::{Everyone, FileRef, MessageRecord, Reaction};
use super::{StoreError, tables};

/// A message as stored, with its room, id and latest sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub room_id: u64,
    pub id: u64,
    /// The room sequence number of the message's latest change (its id if it never changed).
    pub seq: u64,
    pub user_id: u64,
    pub text: String,
    /// Unix milliseconds; never decreases within a room.
    pub ts: u64,
    pub client_id: Option<String>,
    pub edited: Option<u64>,
    /// A tombstone: `text` is empty.
    pub deleted: bool,
    pub reply_to: Option<u64>,
    /// User ids named by `@name`.
    pub mentions: Vec<u64>,
    pub everyone: Option<Everyone>,
    /// With `@here`: whom it called.
    pub here: Vec<u64>,
    pub reactions: Vec<Reaction>,
    pub files: Vec<FileRef>,
}

impl StoredMessage {
    pub(super) fn from_record(room_id: u64, id: u64, record: MessageRecord) -> Self {
        StoredMessage {
            room_id,
            id,
            seq: record.seq(id),
            user_id: record.user_id,
            text: record.text,
            ts: record.ts,
            client_id: record.client_id,
            edited: record.edited,
            deleted: record.deleted,
            reply_to: record.reply_to,
            mentions: record.mentions,
            everyone: record.everyone,
            here: record.here,
            reactions: record.reactions,
            files: record.files,
        }
    }
}

/// Which part of a room's history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryQuery {
    /// The newest messages.
    Latest,
    /// Messages with an id below this one.
    Before(u64),
    /// Messages with an id above this one.
    After(u64),
    /// Messages with `after < id < before`, oldest first, from `after` on.
    Between { after: u64, before: u64 },
    /// Every change after this sequence number, in sequence order: new messages, and the
    /// current state of messages changed since. What a client resuming needs.
    Since(u64),
}

impl HistoryQuery {
    /// From the optional bounds of a request: both give the messages between them.
    pub fn from_bounds(before: Option<u64>, after: Option<u64>) -> HistoryQuery {
        match (before, after) {
            (Some(before), None) => HistoryQuery::Before(before),
            (None, Some(after)) => HistoryQuery::After(after),
            (None, None) => HistoryQuery::Latest,
            (Some(before), Some(after)) => HistoryQuery::Between { after, before },
        }
    }

    /// True when a page starts at its oldest end and is cut at its newest (an answer that is too
    /// big keeps its first messages).
    pub fn reads_forward(self) -> bool {
        matches!(
            self,
            HistoryQuery::After(_) | HistoryQuery::Between { .. } | HistoryQuery::Since(_)
        )
    }
}

/// A page of history, in the order the query reads (oldest first; sequence order for
/// [`HistoryQuery::Since`]). `more` says whether the range goes on past this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub messages: Vec<StoredMessage>,
    pub more: bool,
}

type History = redb::ReadOnlyTable<(u64, u64), &'static [u8]>;

fn decode(room_id: u64, id: u64, bytes: &[u8]) -> Result<StoredMessage, StoreError> {
    Ok(StoredMessage::from_record(
        room_id,
        id,
        MessageRecord::decode(bytes)?,
    ))
}

/// Reads up to `limit` messages of a room.
pub(super) fn read(
    txn: &ReadTransaction,
    room_id: u64,
    query: HistoryQuery,
    limit: usize,
) -> Result<Page, StoreError> {
    let history = txn.open_table(tables::HISTORY)?;
    match query {
        HistoryQuery::Latest => backward(&history, room_id, u64::MAX, limit),
        HistoryQuery::Before(id) => backward(&history, room_id, id, limit),
        HistoryQuery::After(id) => forward(&history, room_id, id, u64::MAX, limit),
        HistoryQuery::Between { after, before } => forward(&history, room_id, after, before, limit),
        HistoryQuery::Since(seq) => {
            let changes = txn.open_table(tables::CHANGES)?;
            since(&history, &changes, room_id, seq, limit)
        }
    }
}

/// The newest `limit` messages with an id below `end`, oldest first.
fn backward(history: &History, room_id: u64, end: u64, limit: usize) -> Result<Page, StoreError> {
    let mut messages = Vec::with_capacity(limit.min(512) + 1);
    for entry in history
        .range((room_id, 0)..(room_id, end))?
        .rev()
        .take(limit + 1)
    {
        let (key, value) = entry?;
        messages.push(decode(room_id, key.value().1, value.value())?);
    }
    let more = messages.len() > limit;
    messages.truncate(limit);
    messages.reverse();
    Ok(Page { messages, more })
}

/// The oldest `limit` messages with `after < id < before`.
fn forward(
    history: &History,
    room_id: u64,
    after: u64,
    before: u64,
    limit: usize,
) -> Result<Page, StoreError> {
    let mut messages = Vec::with_capacity(limit.min(512) + 1);
    let start = after.saturating_add(1);
    if start < before {
        for entry in history
            .range((room_id, start)..(room_id, before))?
            .take(limit + 1)
        {
            let (key, value) = entry?;
            messages.push(decode(room_id, key.value().1, value.value())?);
        }
    }
    let more = messages.len() > limit;
    messages.truncate(limit);
    Ok(Page { messages, more })
}

/// Every change after `seq`, in sequence order: the messages created after it that have not
/// changed since (their id is their sequence number), merged with the `changes` index of
/// messages whose latest change came later.
fn since(
    history: &History,
    changes: &redb::ReadOnlyTable<(u64, u64), u64>,
    room_id: u64,
    seq: u64,
    limit: usize,
) -> Result<Page, StoreError> {
    let start = seq.saturating_add(1);
    let mut created = history
        .range((room_id, start)..=(room_id, u64::MAX))?
        .map(|entry| -> Result<StoredMessage, StoreError> {
            let (key, value) = entry?;
            decode(room_id, key.value().1, value.value())
        })
        // A message changed later appears again, with its current state, from `changes`.
        .filter(|m| m.as_ref().map_or(true, |m| m.seq == m.id))
        .peekable();
    let mut changed = changes
        .range((room_id, start)..=(room_id, u64::MAX))?
        .map(|entry| -> Result<StoredMessage, StoreError> {
            let (key, id) = entry?;
            let (seq, id) = (key.value().1, id.value());
            let value = history.get((room_id, id))?.ok_or_else(|| {
                StoreError::Corrupt(format!("change {seq} names message {id}, which is gone"))
            })?;
            decode(room_id, id, value.value())
        })
        .peekable();
    let mut messages = Vec::with_capacity(limit.min(512) + 1);
    while messages.len() <= limit {
        let next_created = created.peek().map(|m| m.as_ref().map_or(0, |m| m.seq));
        let next_changed = changed.peek().map(|m| m.as_ref().map_or(0, |m| m.seq));
        let take_created = match (next_created, next_changed) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a <= b,
        };
        let next = if take_created {
            created.next()
        } else {
            changed.next()
        };
        if let Some(message) = next {
            messages.push(message?);
        }
    }
    let more = messages.len() > limit;
    messages.truncate(limit);
    Ok(Page { messages, more })
}
