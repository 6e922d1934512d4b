//! `Tx`: one write transaction with typed access to rooms, memberships and history. The
//! group-commit writer runs a whole batch of room changes in one `Tx`; the rules of what a
//! change may do live above the store (`rooms::changes`), which only asks and writes here.
//!
//! Room records are read once per transaction and written back once at the end
//! ([`Tx::finish`]), with the open-room activity index, so a batch of a hundred messages in one
//! room rewrites its record once.
//!
//! A `Tx` also knows whether all it wrote was new messages: then the message journal can make
//! it durable ([`super::journal`]), and [`Tx::finish`] hands back the journal's entries.

use std::cell::Cell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use redb::{ReadableTable, Table, WriteTransaction};

use super::history::StoredMessage;
use super::journal::JournalEntry;
use super::names::user_id_by_name;
use super::record::{Everyone, MessageRecord};
use super::rooms::{
    Kind, Membership, RoomRecord, load_membership, load_room, memberships_of, room_key,
};
use super::search::index::note_change;
use super::unread::{Tables, Unread};
use super::users::{User, load_user};
use super::{StoreError, tables};

/// A room record read in this transaction, and whether it must be written back.
pub(super) struct Touched {
    pub(super) record: RoomRecord,
    /// The activity time under which the open-room index lists it now (none: not listed).
    pub(super) indexed_at: Option<u64>,
    pub(super) dirty: bool,
}

pub struct Tx<'t> {
    pub(super) txn: &'t WriteTransaction,
    now_ms: u64,
    pub(super) rooms: Table<'t, u64, &'static [u8]>,
    pub(super) history: Table<'t, (u64, u64), &'static [u8]>,
    pub(super) client_ids: Table<'t, (u64, u64, &'static str), u64>,
    pub(super) members: Table<'t, (u64, u64), &'static [u8]>,
    user_rooms: Table<'t, (u64, u64), ()>,
    pub(super) room_names: Table<'t, &'static str, u64>,
    pub(super) touched: HashMap<u64, Touched>,
    /// The messages appended, as the journal would keep them.
    appended: Vec<JournalEntry>,
    /// Something other than appending messages was written: only a durable commit will do.
    wrote_more: Cell<bool>,
}

/// What a finished transaction appended.
pub(super) struct Finished {
    /// The journal entries of the messages it appended when that is all it wrote, or `None`
    /// when it wrote more.
    pub journal: Option<Vec<JournalEntry>>,
    /// The room of each message it appended: the search index's upkeep looks there.
    pub appended_to: Vec<u64>,
}

impl<'t> Tx<'t> {
    pub(super) fn open(txn: &'t WriteTransaction, now_ms: u64) -> Result<Tx<'t>, StoreError> {
        Ok(Tx {
            txn,
            now_ms,
            rooms: txn.open_table(tables::ROOMS)?,
            history: txn.open_table(tables::HISTORY)?,
            client_ids: txn.open_table(tables::CLIENT_IDS)?,
            members: txn.open_table(tables::MEMBERS)?,
            user_rooms: txn.open_table(tables::USER_ROOMS)?,
            room_names: txn.open_table(tables::ROOM_NAMES)?,
            touched: HashMap::new(),
            appended: Vec::new(),
            wrote_more: Cell::new(false),
        })
    }

    /// Notes a write that the journal cannot replay.
    pub(super) fn wrote_more(&self) {
        self.wrote_more.set(true);
    }

    /// Writes back every room record this transaction changed, and says what it appended.
    pub(super) fn finish(mut self) -> Result<Finished, StoreError> {
        let mut activity = self.txn.open_table(tables::OPEN_ROOMS_BY_ACTIVITY)?;
        for (id, touched) in self.touched.drain() {
            if !touched.dirty {
                continue;
            }
            let listed =
                (touched.record.kind == Kind::Open).then_some(touched.record.last_activity);
            if listed != touched.indexed_at {
                if let Some(at) = touched.indexed_at {
                    activity.remove((at, id))?;
                }
                if let Some(at) = listed {
                    activity.insert((at, id), ())?;
                }
            }
            self.rooms
                .insert(id, serde_json::to_vec(&touched.record)?.as_slice())?;
        }
        let appended_to = self.appended.iter().map(|entry| entry.room_id).collect();
        Ok(Finished {
            journal: (!self.wrote_more.get()).then_some(self.appended),
            appended_to,
        })
    }

    /// The time this transaction works at (Unix milliseconds).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub(super) fn touched(&mut self, id: u64) -> Result<Option<&mut Touched>, StoreError> {
        match self.touched.entry(id) {
            Entry::Occupied(entry) => Ok(Some(entry.into_mut())),
            Entry::Vacant(entry) => match load_room(&self.rooms, id)? {
                Some(record) => {
                    let indexed_at = (record.kind == Kind::Open).then_some(record.last_activity);
                    Ok(Some(entry.insert(Touched {
                        record,
                        indexed_at,
                        dirty: false,
                    })))
                }
                None => Ok(None),
            },
        }
    }

    /// A room as this transaction sees it (with its changes so far).
    pub fn room(&mut self, id: u64) -> Result<Option<RoomRecord>, StoreError> {
        Ok(self.touched(id)?.map(|t| t.record.clone()))
    }

    /// Changes a room's record; it is written back at the end of the transaction.
    pub fn update_room(
        &mut self,
        id: u64,
        change: impl FnOnce(&mut RoomRecord),
    ) -> Result<(), StoreError> {
        self.wrote_more();
        let touched = self.touched(id)?.ok_or(StoreError::NotFound)?;
        change(&mut touched.record);
        touched.dirty = true;
        Ok(())
    }

    /// The id of the open or private room called `name`, in any case.
    pub fn room_id_by_name(&self, name: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .room_names
            .get(room_key(name).as_str())?
            .map(|v| v.value()))
    }

    /// Creates a room; a named room's name must be free (the caller checked).
    pub fn create_room(&mut self, record: RoomRecord) -> Result<u64, StoreError> {
        self.wrote_more();
        let id = self.rooms.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
        if let Some(name) = &record.name {
            self.room_names.insert(room_key(name).as_str(), id)?;
        }
        self.rooms
            .insert(id, serde_json::to_vec(&record)?.as_slice())?;
        self.touched.insert(
            id,
            Touched {
                record,
                indexed_at: None,
                dirty: true,
            },
        );
        Ok(id)
    }

    /// Puts a room under the id it had elsewhere (an import), with its name; the caller
    /// checked that both are free.
    pub(super) fn put_room(&mut self, id: u64, record: RoomRecord) -> Result<(), StoreError> {
        self.wrote_more();
        if let Some(name) = &record.name {
            self.room_names.insert(room_key(name).as_str(), id)?;
        }
        self.touched.insert(
            id,
            Touched {
                record,
                indexed_at: None,
                dirty: true,
            },
        );
        Ok(())
    }

    /// Moves a named room to a new name (in the one name space of open and private rooms).
    pub fn rename_room(&mut self, id: u64, old: &str, new: &str) -> Result<(), StoreError> {
        self.wrote_more();
        self.room_names.remove(room_key(old).as_str())?;
        self.room_names.insert(room_key(new).as_str(), id)?;
        Ok(())
    }

    /// The direct room of exactly these people, by [`super::rooms::direct_key`].
    pub fn direct_room(&self, key: &str) -> Result<Option<u64>, StoreError> {
        let direct = self.txn.open_table(tables::DIRECT_ROOMS)?;
        Ok(direct.get(key)?.map(|v| v.value()))
    }

    /// Records the direct room of exactly these people.
    pub fn set_direct_room(&self, key: &str, id: u64) -> Result<(), StoreError> {
        self.wrote_more();
        self.txn.open_table(tables::DIRECT_ROOMS)?.insert(key, id)?;
        Ok(())
    }

    pub fn membership(&self, room_id: u64, user_id: u64) -> Result<Option<Membership>, StoreError> {
        load_membership(&self.members, room_id, user_id)
    }

    /// Every membership of a room, longest-standing first.
    pub fn memberships_of(&self, room_id: u64) -> Result<Vec<Membership>, StoreError> {
        memberships_of(&self.members, room_id)
    }

    /// Adds or replaces a membership. The room's member count is the caller's to keep.
    pub fn put_membership(&mut self, membership: &Membership) -> Result<(), StoreError> {
        self.wrote_more();
        let key = (membership.room_id, membership.user_id);
        self.members
            .insert(key, serde_json::to_vec(&membership.record())?.as_slice())?;
        self.user_rooms
            .insert((membership.user_id, membership.room_id), ())?;
        Ok(())
    }

    /// Ends a membership; returns it if there was one.
    pub fn remove_membership(
        &mut self,
        room_id: u64,
        user_id: u64,
    ) -> Result<Option<Membership>, StoreError> {
        let removed = load_membership(&self.members, room_id, user_id)?;
        if removed.is_some() {
            self.wrote_more();
            self.members.remove((room_id, user_id))?;
            self.user_rooms.remove((user_id, room_id))?;
        }
        Ok(removed)
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

    /// The message this user already sent to this room under `client_id`, if any.
    pub fn message_by_client_id(
        &self,
        room_id: u64,
        user_id: u64,
        client_id: &str,
    ) -> Result<Option<StoredMessage>, StoreError> {
        match self.client_ids.get((room_id, user_id, client_id))? {
            Some(id) => self.message(room_id, id.value()),
            None => Ok(None),
        }
    }

    /// Stores a new message under the room's next sequence number, which becomes its id, at
    /// this transaction's time (never before the room's newest message). The record's `ts` and
    /// `changed_seq` are set here.
    pub fn append_message(
        &mut self,
        room_id: u64,
        mut record: MessageRecord,
    ) -> Result<StoredMessage, StoreError> {
        let now = self.now_ms;
        let touched = self.touched(room_id)?.ok_or(StoreError::NotFound)?;
        let room = &mut touched.record;
        room.seq += 1;
        room.last_id = room.seq;
        room.last_activity = room.last_activity.max(now);
        touched.dirty = true;
        let (id, ts) = (room.seq, room.last_activity);
        record.ts = ts;
        record.changed_seq = None;
        let bytes = record.encode();
        self.history.insert((room_id, id), bytes.as_slice())?;
        if let Some(client_id) = record.client_id.as_deref() {
            self.client_ids
                .insert((room_id, record.user_id, client_id), id)?;
        }
        self.index_mentions(room_id, id, &record, true)?;
        // A message with files also moves its uploads, which the journal does not replay:
        // attach_upload makes this a durable commit.
        for file in &record.files {
            self.attach_upload(file.id, id)?;
        }
        self.appended.push(JournalEntry {
            room_id,
            seq: id,
            record: bytes,
        });
        Ok(StoredMessage::from_record(room_id, id, record))
    }

    /// A message as this transaction sees it.
    pub fn message(&self, room_id: u64, id: u64) -> Result<Option<StoredMessage>, StoreError> {
        match self.history.get((room_id, id))? {
            Some(bytes) => Ok(Some(StoredMessage::from_record(
                room_id,
                id,
                MessageRecord::decode(bytes.value())?,
            ))),
            None => Ok(None),
        }
    }

    /// Adds (or removes) the mention index entries of a message: each user it calls other than
    /// its author, and the room's `@room` list.
    pub(super) fn index_mentions(
        &self,
        room_id: u64,
        id: u64,
        record: &MessageRecord,
        add: bool,
    ) -> Result<(), StoreError> {
        let called = record
            .mentions
            .iter()
            .chain(&record.here)
            .filter(|&&user| user != record.user_id);
        if record.mentions.is_empty() && record.here.is_empty() && record.everyone.is_none() {
            return Ok(());
        }
        let mut mentions = self.txn.open_table(tables::MENTIONS)?;
        for &user in called {
            if add {
                mentions.insert((user, room_id, id), ())?;
            } else {
                mentions.remove((user, room_id, id))?;
            }
        }
        if record.everyone == Some(Everyone::Room) {
            let mut room_mentions = self.txn.open_table(tables::ROOM_MENTIONS)?;
            if add {
                room_mentions.insert((room_id, id), record.user_id)?;
            } else {
                room_mentions.remove((room_id, id))?;
            }
        }
        Ok(())
    }

    /// Changes an existing message (an edit, a deletion, a reaction) and gives it the room's
    /// next sequence number, so a client resuming from before sees it again in its new state.
    pub fn change_message(
        &mut self,
        room_id: u64,
        id: u64,
        change: impl FnOnce(&mut MessageRecord),
    ) -> Result<StoredMessage, StoreError> {
        self.wrote_more();
        let mut record = match self.history.get((room_id, id))? {
            Some(bytes) => MessageRecord::decode(bytes.value())?,
            None => return Err(StoreError::NotFound),
        };
        self.index_mentions(room_id, id, &record, false)?;
        let (old_text, was_deleted) = (record.text.clone(), record.deleted);
        let old_files: Vec<u64> = record.files.iter().map(|file| file.id).collect();
        change(&mut record);
        for id in old_files {
            if !record.files.iter().any(|file| file.id == id) {
                self.release_upload(id)?;
            }
        }
        self.index_mentions(room_id, id, &record, true)?;
        note_change(self.txn, room_id, id, &old_text, was_deleted, &record)?;
        let touched = self.touched(room_id)?.ok_or(StoreError::NotFound)?;
        touched.record.seq += 1;
        touched.dirty = true;
        let seq = touched.record.seq;
        let mut changes = self.txn.open_table(tables::CHANGES)?;
        if let Some(previous) = record.changed_seq {
            changes.remove((room_id, previous))?;
        }
        changes.insert((room_id, seq), id)?;
        record.changed_seq = Some(seq);
        self.history
            .insert((room_id, id), record.encode().as_slice())?;
        Ok(StoredMessage::from_record(room_id, id, record))
    }

    /// The id of the last message this user has read in the room (0: none).
    pub fn read_position(&self, user_id: u64, room_id: u64) -> Result<u64, StoreError> {
        let reads = self.txn.open_table(tables::READ_POSITIONS)?;
        Ok(reads.get((user_id, room_id))?.map_or(0, |v| v.value()))
    }

    /// Moves a read position. Bookkeeping, not history: it does not make the batch durable by
    /// itself, so a crash may lose the last second of it (see `DATA_MODEL.md`).
    pub fn set_read_position(
        &mut self,
        user_id: u64,
        room_id: u64,
        id: u64,
    ) -> Result<(), StoreError> {
        let mut reads = self.txn.open_table(tables::READ_POSITIONS)?;
        reads.insert((user_id, room_id), id)?;
        Ok(())
    }

    /// What this user has not read in the room.
    pub fn unread(&self, user_id: u64, room_id: u64) -> Result<Unread, StoreError> {
        let read = self.read_position(user_id, room_id)?;
        let mentions = self.txn.open_table(tables::MENTIONS)?;
        let room_mentions = self.txn.open_table(tables::ROOM_MENTIONS)?;
        Tables {
            history: &self.history,
            mentions: &mentions,
            room_mentions: &room_mentions,
        }
        .count(user_id, room_id, read)
    }

    /// Appends a message from the journal again, as [`Tx::append_message`] first did, unless
    /// the history already holds it (a later durable commit did) or its room is gone. Returns
    /// whether it was missing.
    pub(super) fn replay_message(&mut self, entry: &JournalEntry) -> Result<bool, StoreError> {
        if self.history.get((entry.room_id, entry.seq))?.is_some() {
            return Ok(false);
        }
        let record = MessageRecord::decode(&entry.record)?;
        let Some(touched) = self.touched(entry.room_id)? else {
            return Ok(false);
        };
        let room = &mut touched.record;
        room.seq = room.seq.max(entry.seq);
        room.last_id = room.last_id.max(entry.seq);
        room.last_activity = room.last_activity.max(record.ts);
        touched.dirty = true;
        self.history
            .insert((entry.room_id, entry.seq), entry.record.as_slice())?;
        if let Some(client_id) = record.client_id.as_deref() {
            self.client_ids
                .insert((entry.room_id, record.user_id, client_id), entry.seq)?;
        }
        self.index_mentions(entry.room_id, entry.seq, &record, true)?;
        Ok(true)
    }
}
