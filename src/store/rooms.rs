//! Rooms: created on first join, one room regardless of case, shown as first created.

use redb::{Durability, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, next_id, tables};

#[derive(Serialize, Deserialize)]
pub(super) struct RoomRecord {
    pub name: String,
    pub created_at: u64,
    /// Id of the newest message; ids are never reused.
    pub last_id: u64,
    /// Unix milliseconds of the newest message (or of creation).
    pub last_activity: u64,
}

/// A room as the rest of confab sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: u64,
    /// The name as first created (`Lobby`, even when joined as `lobby`).
    pub name: String,
    pub created_at: u64,
    pub last_id: u64,
    pub last_activity: u64,
}

/// A room with the time a given user last joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomActivity {
    pub room: Room,
    pub visited_at: u64,
}

impl RoomRecord {
    fn into_room(self, id: u64) -> Room {
        Room {
            id,
            name: self.name,
            created_at: self.created_at,
            last_id: self.last_id,
            last_activity: self.last_activity,
        }
    }
}

/// The key that makes `Lobby`, ` lobby ` and `LOBBY` one room.
pub fn room_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub(super) fn load_room(
    rooms: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<RoomRecord>, StoreError> {
    match rooms.get(id)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
        None => Ok(None),
    }
}

impl Store {
    /// The room called `name` (in any case), if it was ever created.
    pub fn find_room(&self, name: &str) -> Result<Option<Room>, StoreError> {
        self.read(|txn| {
            let keys = txn.open_table(tables::ROOM_KEYS)?;
            let Some(id) = keys.get(room_key(name).as_str())?.map(|v| v.value()) else {
                return Ok(None);
            };
            let rooms = txn.open_table(tables::ROOMS)?;
            Ok(load_room(&rooms, id)?.map(|r| r.into_room(id)))
        })
    }

    /// The room called `name`, created now if it does not exist yet.
    pub fn find_or_create_room(&self, name: &str, now_ms: u64) -> Result<Room, StoreError> {
        if let Some(room) = self.find_room(name)? {
            return Ok(room);
        }
        self.write(Durability::Immediate, |txn| {
            let mut keys = txn.open_table(tables::ROOM_KEYS)?;
            let mut rooms = txn.open_table(tables::ROOMS)?;
            let key = room_key(name);
            // Someone may have created it between the read above and this transaction.
            if let Some(id) = keys.get(key.as_str())?.map(|v| v.value())
                && let Some(record) = load_room(&rooms, id)?
            {
                return Ok(record.into_room(id));
            }
            let id = next_id(&rooms)?;
            let record = RoomRecord {
                name: name.trim().to_owned(),
                created_at: now_ms,
                last_id: 0,
                last_activity: now_ms,
            };
            rooms.insert(id, serde_json::to_vec(&record)?.as_slice())?;
            keys.insert(key.as_str(), id)?;
            txn.open_table(tables::ROOM_ACTIVITY)?
                .insert((now_ms, id), ())?;
            Ok(record.into_room(id))
        })
    }

    /// The rooms with the most recent activity, newest first.
    pub fn active_rooms(&self, limit: usize) -> Result<Vec<Room>, StoreError> {
        self.read(|txn| {
            let activity = txn.open_table(tables::ROOM_ACTIVITY)?;
            let rooms = txn.open_table(tables::ROOMS)?;
            let mut out = Vec::with_capacity(limit);
            for entry in activity.iter()?.rev().take(limit) {
                let id = entry?.0.value().1;
                if let Some(record) = load_room(&rooms, id)? {
                    out.push(record.into_room(id));
                }
            }
            Ok(out)
        })
    }

    /// Remembers that a user joined a room. Not fsynced on its own: it is a convenience list.
    pub fn record_visit(&self, user_id: u64, room_id: u64, now_ms: u64) -> Result<(), StoreError> {
        self.write(Durability::None, |txn| {
            txn.open_table(tables::VISITS)?
                .insert((user_id, room_id), now_ms)?;
            Ok(())
        })
    }

    /// The rooms a user joined most recently, newest first.
    pub fn visited_rooms(
        &self,
        user_id: u64,
        limit: usize,
    ) -> Result<Vec<RoomActivity>, StoreError> {
        self.read(|txn| {
            let visits = txn.open_table(tables::VISITS)?;
            let rooms = txn.open_table(tables::ROOMS)?;
            let mut seen = Vec::new();
            for entry in visits.range((user_id, 0)..=(user_id, u64::MAX))? {
                let (key, at) = entry?;
                seen.push((at.value(), key.value().1));
            }
            seen.sort_unstable_by(|a, b| b.cmp(a));
            let mut out = Vec::new();
            for (visited_at, id) in seen.into_iter().take(limit) {
                if let Some(record) = load_room(&rooms, id)? {
                    out.push(RoomActivity {
                        room: record.into_room(id),
                        visited_at,
                    });
                }
            }
            Ok(out)
        })
    }
}
