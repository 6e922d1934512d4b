//! What an import writes, below its format: accounts, rooms with their memberships, messages
//! and their files, each under the id it had, into one write transaction on an empty store.
//! Nothing is visible, or on disk, unless the whole of it commits. Whatever the import would
//! write twice (an id, a username, a room name, the people of a direct room, a message) is
//! refused rather than overwritten: a hand-edited or hostile file cannot make one account
//! take another's place.
//!
//! What the store derives is derived here as it is when people write: the room sequence,
//! last message and activity move up with each message, the mention indexes and the files'
//! reference counts follow the records. The search index is left to its upkeep, which folds
//! every room after the next start.

use redb::{Durability, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::export::Account;
use super::journal::JournalEntry;
use super::names::username_key;
use super::record::MessageRecord;
use super::rooms::{Kind, Membership, Room, RoomRecord, direct_key};
use super::tx::Tx;
use super::uploads::{UploadRecord, UploadState};
use super::{Friendship, Store, StoreError, tables};

/// Writes into an empty store, in one transaction (see [`Store::import`]).
pub struct Importer<'t> {
    txn: &'t WriteTransaction,
    tx: Tx<'t>,
}

impl Store {
    /// Runs `fill` on an [`Importer`] and commits all it wrote with one durable commit, or
    /// nothing when it fails. The store must hold no account and no room.
    pub fn import<T, E: From<StoreError>>(
        &self,
        fill: impl FnOnce(&mut Importer<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let db = self.db()?;
        let mut txn = db.begin_write().map_err(StoreError::from)?;
        txn.set_durability(Durability::Immediate)
            .map_err(StoreError::from)?;
        txn.set_quick_repair(true);
        let no_users = txn
            .open_table(tables::USERS)
            .map_err(StoreError::from)?
            .is_empty()
            .map_err(StoreError::from)?;
        let no_rooms = txn
            .open_table(tables::ROOMS)
            .map_err(StoreError::from)?
            .is_empty()
            .map_err(StoreError::from)?;
        if !(no_users && no_rooms) {
            return Err(conflict("the database already holds accounts or rooms").into());
        }
        let value = {
            let mut importer = Importer {
                txn: &txn,
                tx: Tx::open(&txn, 0)?,
            };
            let value = fill(&mut importer)?;
            importer.tx.finish()?;
            value
        };
        txn.commit().map_err(StoreError::from)?;
        Ok(value)
    }
}

fn conflict(what: impl Into<String>) -> StoreError {
    StoreError::Conflict(what.into())
}

impl Importer<'_> {
    /// Adds an account under its id and username, with its recovery codes; its friendships
    /// and blocks name other accounts, so they come with [`Importer::add_ties`] once all are
    /// in.
    pub fn add_account(&mut self, account: &Account) -> Result<(), StoreError> {
        let id = account.user.id;
        let mut users = self.txn.open_table(tables::USERS)?;
        if id == 0 || users.get(id)?.is_some() {
            return Err(conflict(format!("account id {id} is used twice")));
        }
        users.insert(id, serde_json::to_vec(&account.record())?.as_slice())?;
        let key = username_key(&account.user.username);
        let mut names = self.txn.open_table(tables::USERNAMES)?;
        if names.get(key.as_str())?.is_some() {
            return Err(conflict(format!(
                "the username {} is used twice",
                account.user.username
            )));
        }
        names.insert(key.as_str(), id)?;
        let mut codes = self.txn.open_table(tables::RECOVERY_CODES)?;
        for code in &account.recovery_codes {
            codes.insert((id, *code), ())?;
        }
        Ok(())
    }

    /// Adds an account's friendships and blocks; every account they name must be in.
    pub fn add_ties(&mut self, account: &Account) -> Result<(), StoreError> {
        let id = account.user.id;
        let mut friends = self.txn.open_table(tables::FRIENDS)?;
        for &(other, state) in &account.friends {
            self.require_account(other)?;
            friends.insert((id, other), state.byte())?;
        }
        let mut blocks = self.txn.open_table(tables::BLOCKS)?;
        for &(other, since) in &account.blocks {
            self.require_account(other)?;
            blocks.insert((id, other), since)?;
        }
        Ok(())
    }

    /// Checks that friendships are kept in both directions, as people make them: each side
    /// sees the other's state mirrored.
    pub fn check_ties(&self) -> Result<(), StoreError> {
        let friends = self.txn.open_table(tables::FRIENDS)?;
        for entry in friends.iter()? {
            let (key, state) = entry?;
            let (me, other) = key.value();
            let mirrored = friends.get((other, me))?.map(|v| v.value());
            let expected = Friendship::from_byte(state.value())?.mirrored().byte();
            if mirrored != Some(expected) {
                return Err(conflict(format!(
                    "the friendship of accounts {me} and {other} is not the same from both sides"
                )));
            }
        }
        Ok(())
    }

    /// Adds one image of an avatar.
    pub fn add_avatar(&mut self, file: &str, side: u16, bytes: &[u8]) -> Result<(), StoreError> {
        let mut avatars = self.txn.open_table(tables::AVATARS)?;
        if avatars.get((file, side))?.is_some() {
            return Err(conflict(format!(
                "the avatar {file} at {side} pixels is there twice"
            )));
        }
        avatars.insert((file, side), bytes)?;
        Ok(())
    }

    fn require_account(&self, id: u64) -> Result<(), StoreError> {
        let users = self.txn.open_table(tables::USERS)?;
        if users.get(id)?.is_none() {
            return Err(conflict(format!("account {id} is named but not there")));
        }
        Ok(())
    }

    /// Adds a room under its id and name (or, for a direct room, its people), with its
    /// members. Its sequence and newest message start at nothing and follow the messages
    /// added to it.
    pub fn add_room(&mut self, room: &Room, members: &[Membership]) -> Result<(), StoreError> {
        if room.id == 0 || self.tx.room(room.id)?.is_some() {
            return Err(conflict(format!("room id {} is used twice", room.id)));
        }
        let record = RoomRecord {
            kind: room.kind,
            name: room.name.clone(),
            topic: room.topic.clone(),
            created_at: room.created_at,
            created_by: room.created_by,
            seq: 0,
            last_id: 0,
            last_activity: room.created_at,
            members: members.len() as u32,
            hidden: members.iter().filter(|m| m.hidden).count() as u32,
            archived_at: room.archived_at,
            deleted_at: None,
        };
        match (&record.name, room.kind) {
            (Some(name), Kind::Open | Kind::Private) => {
                if self.tx.room_id_by_name(name)?.is_some() {
                    return Err(conflict(format!("the room name {name} is used twice")));
                }
            }
            (None, Kind::Direct) => {
                let people: Vec<u64> = members.iter().map(|m| m.user_id).collect();
                let key = direct_key(&people);
                if self.tx.direct_room(&key)?.is_some() {
                    return Err(conflict(format!(
                        "two direct rooms have the same people ({key})"
                    )));
                }
                self.tx.set_direct_room(&key, room.id)?;
            }
            _ => {
                return Err(conflict(format!(
                    "room {} has a name if and only if it is not direct",
                    room.id
                )));
            }
        }
        self.tx.put_room(room.id, record)?;
        for member in members {
            self.require_account(member.user_id)?;
            if member.room_id != room.id || self.tx.membership(room.id, member.user_id)?.is_some() {
                return Err(conflict(format!(
                    "account {} is a member of room {} twice",
                    member.user_id, room.id
                )));
            }
            self.tx.put_membership(member)?;
        }
        Ok(())
    }

    /// Adds a message under its id, which must come after every message of its room added so
    /// far, with the uploads of its files (given in the order of its files).
    pub fn add_message(
        &mut self,
        room_id: u64,
        id: u64,
        record: &MessageRecord,
        uploads: &[(u64, UploadRecord)],
    ) -> Result<(), StoreError> {
        let Some(room) = self.tx.room(room_id)? else {
            return Err(conflict(format!(
                "message {id} names room {room_id}, which is not there"
            )));
        };
        if id <= room.last_id {
            return Err(conflict(format!(
                "the messages of room {room_id} are not in order of their ids (message {id})"
            )));
        }
        // Times never go back in a room, from its creation on: the search index keeps each
        // message's fall in time from the one before.
        if record.ts < room.last_activity {
            return Err(conflict(format!(
                "message {id} of room {room_id} is older than the room or the message before it"
            )));
        }
        if let Some(to) = record.reply_to
            && self.tx.message(room_id, to)?.is_none()
        {
            return Err(conflict(format!(
                "message {id} replies to message {to}, which is not in room {room_id}"
            )));
        }
        self.require_account(record.user_id)?;
        let entry = JournalEntry {
            room_id,
            seq: id,
            record: record.encode(),
        };
        self.tx.replay_message(&entry)?;
        for (upload_id, upload) in uploads {
            if self.tx.upload(*upload_id)?.is_some() {
                return Err(conflict(format!("file {upload_id} is attached twice")));
            }
            let sent = UploadRecord {
                state: UploadState::Sent { message: id },
                ..upload.clone()
            };
            self.tx.add_upload(*upload_id, &sent)?;
        }
        Ok(())
    }

    /// Sets how far a member has read a room: at most its newest message.
    pub fn set_read_position(
        &mut self,
        user_id: u64,
        room_id: u64,
        id: u64,
    ) -> Result<(), StoreError> {
        let last = self.tx.room(room_id)?.map_or(0, |room| room.last_id);
        self.tx.set_read_position(user_id, room_id, id.min(last))
    }

    /// The newest message of a room added so far (0: none).
    pub fn last_message(&mut self, room_id: u64) -> Result<u64, StoreError> {
        Ok(self.tx.room(room_id)?.map_or(0, |room| room.last_id))
    }
}
