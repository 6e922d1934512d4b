//! What an export reads, below its format: whole accounts, with what only a move to another
//! server carries (password hashes, recovery codes, friendships and blocks), every room, and a
//! room's history in order, one message at a time. All of it comes from one [`Snapshot`], so
//! an export is a consistent picture however long it takes to write.

use redb::ReadableTable;

use super::people::friends_of;
use super::record::MessageRecord;
use super::recovery::CodeHash;
use super::rooms::{Room, RoomRecord};
use super::snapshot::Snapshot;
use super::users::UserRecord;
use super::{Friendship, StoreError, User, tables};

/// An account as a server export carries it: everything but its sessions and sign-in links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    /// The argon2id PHC string (empty for a deleted account), so people sign in with the
    /// passwords they had.
    pub password_hash: String,
    /// When the person deleted the account.
    pub deleted_at: Option<u64>,
    /// The hashes of its unused recovery codes (each bound to the account's id).
    pub recovery_codes: Vec<CodeHash>,
    /// Where it stands with each other account, seen from this one.
    pub friends: Vec<(u64, Friendship)>,
    /// The accounts it blocked, and since when (Unix ms).
    pub blocks: Vec<(u64, u64)>,
}

impl Account {
    /// The record the `users` table keeps for it.
    pub(super) fn record(&self) -> UserRecord {
        UserRecord {
            username: self.user.username.clone(),
            display_name: self.user.display_name.clone(),
            password_hash: self.password_hash.clone(),
            created_at: self.user.created_at,
            disabled: self.user.disabled,
            dm_from: self.user.dm_from,
            avatar: self.user.avatar.clone(),
            deleted_at: self.deleted_at,
            private_notifications: self.user.private_notifications,
            admin: self.user.admin,
        }
    }
}

impl Snapshot {
    /// Every account, by id, as a server export carries it.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let users = self.txn.open_table(tables::USERS)?;
        let codes = self.txn.open_table(tables::RECOVERY_CODES)?;
        let friends = self.txn.open_table(tables::FRIENDS)?;
        let blocks = self.txn.open_table(tables::BLOCKS)?;
        let mut out = Vec::new();
        for entry in users.iter()? {
            let (id, bytes) = entry?;
            let id = id.value();
            let record: UserRecord = serde_json::from_slice(bytes.value())?;
            let deleted_at = record.deleted_at;
            let found = record.into_user(id);
            let mut recovery_codes = Vec::new();
            for code in codes.range((id, [0u8; 32])..=(id, [0xffu8; 32]))? {
                recovery_codes.push(code?.0.value().1);
            }
            let mut blocked = Vec::new();
            for block in blocks.range((id, 0)..=(id, u64::MAX))? {
                let (key, since) = block?;
                blocked.push((key.value().1, since.value()));
            }
            out.push(Account {
                user: found.user,
                password_hash: found.password_hash,
                deleted_at,
                recovery_codes,
                friends: friends_of(&friends, id)?,
                blocks: blocked,
            });
        }
        Ok(out)
    }

    /// Every image of an avatar, by side in pixels.
    pub fn avatar_images(&self, file: &str) -> Result<Vec<(u16, Vec<u8>)>, StoreError> {
        let avatars = self.txn.open_table(tables::AVATARS)?;
        let mut out = Vec::new();
        for entry in avatars.range((file, 0)..=(file, u16::MAX))? {
            let (key, bytes) = entry?;
            out.push((key.value().1, bytes.value().to_vec()));
        }
        Ok(out)
    }

    /// Every room of every kind, by id (none that was deleted).
    pub fn every_room(&self) -> Result<Vec<Room>, StoreError> {
        let rooms = self.txn.open_table(tables::ROOMS)?;
        let mut out = Vec::new();
        for entry in rooms.iter()? {
            let (id, bytes) = entry?;
            let record: RoomRecord = serde_json::from_slice(bytes.value())?;
            if record.deleted_at.is_none() {
                out.push(Room::from_record(id.value(), &record));
            }
        }
        Ok(out)
    }

    /// The id of the last message this person has read in the room (0: none).
    pub fn read_position(&self, user_id: u64, room_id: u64) -> Result<u64, StoreError> {
        let reads = self.txn.open_table(tables::READ_POSITIONS)?;
        Ok(reads.get((user_id, room_id))?.map_or(0, |v| v.value()))
    }

    /// Hands each message of a room to `each`, oldest first, tombstones included, one at a
    /// time: a room of a million messages is never in memory at once.
    pub fn each_message<E: From<StoreError>>(
        &self,
        room_id: u64,
        mut each: impl FnMut(u64, MessageRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        let history = self
            .txn
            .open_table(tables::HISTORY)
            .map_err(StoreError::from)?;
        let range = history
            .range((room_id, 0)..=(room_id, u64::MAX))
            .map_err(StoreError::from)?;
        for entry in range {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            each(key.value().1, MessageRecord::decode(bytes.value())?)?;
        }
        Ok(())
    }
}
