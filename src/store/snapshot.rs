//! `Snapshot`: one read transaction with typed reads. Everything read through one snapshot is
//! from the same moment, so a room, a membership and a page of its history always agree (an
//! access check and the read it allows cannot be split by a removal).

use std::sync::Arc;

use redb::{Database, ReadTransaction, ReadableTable};

use super::history::{self, HistoryQuery, Page, StoredMessage};
use super::names::user_id_by_name;
use super::record::MessageRecord;
use super::rooms::{
    Membership, Room, load_membership, load_room, memberships_of, room_key, rooms_of,
};
use super::unread::{Tables, Unread};
use super::users::{User, load_user};
use super::{StoreError, tables};

pub struct Snapshot {
    pub(super) txn: ReadTransaction,
    /// Keeps the database open while the snapshot lives (a reopen waits for it).
    _db: Arc<Database>,
}

impl Snapshot {
    pub(super) fn new(db: Arc<Database>) -> Result<Snapshot, StoreError> {
        use redb::ReadableDatabase;
        let txn = db.begin_read()?;
        Ok(Snapshot { txn, _db: db })
    }

    pub fn room(&self, id: u64) -> Result<Option<Room>, StoreError> {
        let rooms = self.txn.open_table(tables::ROOMS)?;
        Ok(load_room(&rooms, id)?.map(|record| Room::from_record(id, &record)))
    }

    /// The open or private room called `name`, in any case.
    pub fn room_by_name(&self, name: &str) -> Result<Option<Room>, StoreError> {
        let names = self.txn.open_table(tables::ROOM_NAMES)?;
        match names.get(room_key(name).as_str())?.map(|v| v.value()) {
            Some(id) => self.room(id),
            None => Ok(None),
        }
    }

    /// The direct room of exactly these people, by [`super::rooms::direct_key`].
    pub fn direct_room(&self, key: &str) -> Result<Option<Room>, StoreError> {
        let direct = self.txn.open_table(tables::DIRECT_ROOMS)?;
        match direct.get(key)?.map(|v| v.value()) {
            Some(id) => self.room(id),
            None => Ok(None),
        }
    }

    pub fn membership(&self, room_id: u64, user_id: u64) -> Result<Option<Membership>, StoreError> {
        let members = self.txn.open_table(tables::MEMBERS)?;
        load_membership(&members, room_id, user_id)
    }

    /// Every membership of a room, longest-standing first.
    pub fn memberships_of(&self, room_id: u64) -> Result<Vec<Membership>, StoreError> {
        let members = self.txn.open_table(tables::MEMBERS)?;
        memberships_of(&members, room_id)
    }

    /// Every room the user is a member of, with the membership.
    pub fn rooms_of(&self, user_id: u64) -> Result<Vec<(Room, Membership)>, StoreError> {
        let user_rooms = self.txn.open_table(tables::USER_ROOMS)?;
        let members = self.txn.open_table(tables::MEMBERS)?;
        let mut out = Vec::new();
        for room_id in rooms_of(&user_rooms, user_id)? {
            if let (Some(room), Some(membership)) = (
                self.room(room_id)?,
                load_membership(&members, room_id, user_id)?,
            ) {
                out.push((room, membership));
            }
        }
        Ok(out)
    }

    /// The ids of every room this user is a member of.
    pub fn room_ids_of(&self, user_id: u64) -> Result<Vec<u64>, StoreError> {
        rooms_of(&self.txn.open_table(tables::USER_ROOMS)?, user_id)
    }

    /// The ids of every open room.
    pub fn open_room_ids(&self) -> Result<Vec<u64>, StoreError> {
        let activity = self.txn.open_table(tables::OPEN_ROOMS_BY_ACTIVITY)?;
        activity
            .iter()?
            .map(|entry| Ok(entry?.0.value().1))
            .collect()
    }

    /// The open and private rooms whose name holds `holding` (in any case), by name: at most
    /// `limit`, and whether more matched.
    pub fn named_rooms(
        &self,
        holding: &str,
        limit: usize,
    ) -> Result<(Vec<Room>, bool), StoreError> {
        let holding = room_key(holding);
        let names = self.txn.open_table(tables::ROOM_NAMES)?;
        let mut out = Vec::new();
        for entry in names.iter()? {
            let (key, id) = entry?;
            if !key.value().contains(holding.as_str()) {
                continue;
            }
            if out.len() == limit {
                return Ok((out, true));
            }
            if let Some(room) = self.room(id.value())? {
                out.push(room);
            }
        }
        Ok((out, false))
    }

    /// The open rooms with the most recent activity, newest first.
    pub fn busiest_open_rooms(&self, limit: usize) -> Result<Vec<Room>, StoreError> {
        let activity = self.txn.open_table(tables::OPEN_ROOMS_BY_ACTIVITY)?;
        let mut out = Vec::with_capacity(limit);
        for entry in activity.iter()?.rev().take(limit) {
            if let Some(room) = self.room(entry?.0.value().1)? {
                out.push(room);
            }
        }
        Ok(out)
    }

    /// A page of a room's history (see [`HistoryQuery`]).
    pub fn history(
        &self,
        room_id: u64,
        query: HistoryQuery,
        limit: usize,
    ) -> Result<Page, StoreError> {
        history::read(&self.txn, room_id, query, limit)
    }

    /// One message of a room.
    pub fn message(&self, room_id: u64, id: u64) -> Result<Option<StoredMessage>, StoreError> {
        let history = self.txn.open_table(tables::HISTORY)?;
        match history.get((room_id, id))? {
            Some(bytes) => Ok(Some(StoredMessage::from_record(
                room_id,
                id,
                MessageRecord::decode(bytes.value())?,
            ))),
            None => Ok(None),
        }
    }

    /// What this user has not read in the room.
    pub fn unread(&self, user_id: u64, room_id: u64) -> Result<Unread, StoreError> {
        let reads = self.txn.open_table(tables::READ_POSITIONS)?;
        let read = reads.get((user_id, room_id))?.map_or(0, |v| v.value());
        let history = self.txn.open_table(tables::HISTORY)?;
        let mentions = self.txn.open_table(tables::MENTIONS)?;
        let room_mentions = self.txn.open_table(tables::ROOM_MENTIONS)?;
        Tables {
            history: &history,
            mentions: &mentions,
            room_mentions: &room_mentions,
        }
        .count(user_id, room_id, read)
    }

    pub fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        let users = self.txn.open_table(tables::USERS)?;
        Ok(load_user(&users, id)?.map(|u| u.user))
    }

    pub fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let names = self.txn.open_table(tables::USERNAMES)?;
        match user_id_by_name(&names, username)? {
            Some(id) => self.user(id),
            None => Ok(None),
        }
    }
}
