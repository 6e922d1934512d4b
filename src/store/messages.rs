//! Messages, keyed by (room, id). This file is the storage half of the chat seam: the hub only
//! ever appends a batch and reads a range.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use redb::{Durability, ReadableTable};

use super::rooms::{RoomRecord, load_room};
use super::tables::MessageValue;
use super::{Store, StoreError, tables};

/// A message the writer wants stored.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: u64,
    pub user_id: u64,
    pub user: String,
    pub text: String,
    pub client_id: Option<String>,
}

/// A message as stored, with its id and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub room_id: u64,
    pub id: u64,
    pub user_id: u64,
    pub user: String,
    pub text: String,
    /// Unix milliseconds; never decreases within a room.
    pub ts: u64,
    pub client_id: Option<String>,
}

/// What became of one message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Newly stored.
    Stored(StoredMessage),
    /// Its `client_id` was already used by this user in this room: this is the earlier message.
    Duplicate(StoredMessage),
}

/// Which part of a room's history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRange {
    /// The newest messages.
    Latest,
    /// Messages with an id below this one.
    Before(u64),
    /// Messages with an id above this one.
    After(u64),
}

/// A page of history, oldest first. `more` says whether the range goes on past this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub messages: Vec<StoredMessage>,
    pub more: bool,
    /// The room's newest message id when the page was read (0 for an empty room).
    pub last_id: u64,
}

fn decode(room_id: u64, id: u64, value: MessageValue<'_>) -> StoredMessage {
    let (ts, user_id, user, text, client_id) = value;
    StoredMessage {
        room_id,
        id,
        user_id,
        user: user.to_owned(),
        text: text.to_owned(),
        ts,
        client_id: client_id.map(str::to_owned),
    }
}

impl Store {
    /// Stores a batch of messages in one transaction (group commit) and returns what became of
    /// each, in order. Nothing of the batch is visible or acknowledged unless this returns `Ok`.
    pub fn append_batch(
        &self,
        batch: &[NewMessage],
        now_ms: u64,
    ) -> Result<Vec<AppendOutcome>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut messages = txn.open_table(tables::MESSAGES)?;
            let mut client_ids = txn.open_table(tables::CLIENT_IDS)?;
            let mut rooms = txn.open_table(tables::ROOMS)?;
            // room id → (record being updated, its activity time before this batch)
            let mut touched: HashMap<u64, (RoomRecord, u64)> = HashMap::new();
            let mut outcomes = Vec::with_capacity(batch.len());

            for new in batch {
                if let Some(client_id) = new.client_id.as_deref() {
                    let earlier = client_ids
                        .get((new.room_id, new.user_id, client_id))?
                        .map(|v| v.value());
                    if let Some(id) = earlier
                        && let Some(value) = messages.get((new.room_id, id))?
                    {
                        outcomes.push(AppendOutcome::Duplicate(decode(
                            new.room_id,
                            id,
                            value.value(),
                        )));
                        continue;
                    }
                }
                let (room, _) = match touched.entry(new.room_id) {
                    Entry::Occupied(entry) => entry.into_mut(),
                    Entry::Vacant(entry) => {
                        let record = load_room(&rooms, new.room_id)?.ok_or(StoreError::NotFound)?;
                        let before = record.last_activity;
                        entry.insert((record, before))
                    }
                };
                room.last_id += 1;
                room.last_activity = room.last_activity.max(now_ms);
                let stored = StoredMessage {
                    room_id: new.room_id,
                    id: room.last_id,
                    user_id: new.user_id,
                    user: new.user.clone(),
                    text: new.text.clone(),
                    ts: room.last_activity,
                    client_id: new.client_id.clone(),
                };
                messages.insert(
                    (stored.room_id, stored.id),
                    (
                        stored.ts,
                        stored.user_id,
                        stored.user.as_str(),
                        stored.text.as_str(),
                        stored.client_id.as_deref(),
                    ),
                )?;
                if let Some(client_id) = stored.client_id.as_deref() {
                    client_ids.insert((stored.room_id, stored.user_id, client_id), stored.id)?;
                }
                outcomes.push(AppendOutcome::Stored(stored));
            }

            let mut activity = txn.open_table(tables::ROOM_ACTIVITY)?;
            for (room_id, (record, before)) in touched {
                activity.remove((before, room_id))?;
                activity.insert((record.last_activity, room_id), ())?;
                rooms.insert(room_id, serde_json::to_vec(&record)?.as_slice())?;
            }
            Ok(outcomes)
        })
    }

    /// Reads up to `limit` messages of a room, oldest first.
    pub fn read_messages(
        &self,
        room_id: u64,
        range: MessageRange,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.read(|txn| {
            let table = txn.open_table(tables::MESSAGES)?;
            let last_id = match table.range((room_id, 0)..=(room_id, u64::MAX))?.next_back() {
                Some(entry) => entry?.0.value().1,
                None => 0,
            };
            let mut messages = Vec::with_capacity(limit.min(512) + 1);
            let take = limit + 1;
            match range {
                MessageRange::Latest | MessageRange::Before(_) => {
                    let end = match range {
                        MessageRange::Before(id) => id,
                        _ => u64::MAX,
                    };
                    for entry in table.range((room_id, 0)..(room_id, end))?.rev().take(take) {
                        let (key, value) = entry?;
                        messages.push(decode(room_id, key.value().1, value.value()));
                    }
                    messages.reverse();
                    let more = messages.len() > limit;
                    if more {
                        messages.remove(0);
                    }
                    Ok(Page {
                        messages,
                        more,
                        last_id,
                    })
                }
                MessageRange::After(id) => {
                    let start = id.saturating_add(1);
                    for entry in table
                        .range((room_id, start)..=(room_id, u64::MAX))?
                        .take(take)
                    {
                        let (key, value) = entry?;
                        messages.push(decode(room_id, key.value().1, value.value()));
                    }
                    let more = messages.len() > limit;
                    messages.truncate(limit);
                    Ok(Page {
                        messages,
                        more,
                        last_id,
                    })
                }
            }
        })
    }
}
