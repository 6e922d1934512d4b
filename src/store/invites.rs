//! Invite links of private rooms, keyed by the SHA-256 of their code: whoever reads the file
//! cannot use a link. Whether one is still good is decided in `rooms`.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::snapshot::Snapshot;
use super::tx::Tx;
use super::{StoreError, tables};

/// The hash of an invite code, the key of an invite.
pub type InviteKey = [u8; 32];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRecord {
    pub room_id: u64,
    pub created_by: u64,
    pub created_at: u64,
    /// Unix ms after which it no longer works; none: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// How many times it may be used; none: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    pub uses: u32,
    #[serde(default)]
    pub revoked: bool,
}

fn load(
    invites: &impl ReadableTable<[u8; 32], &'static [u8]>,
    key: InviteKey,
) -> Result<Option<InviteRecord>, StoreError> {
    match invites.get(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
        None => Ok(None),
    }
}

impl Tx<'_> {
    pub fn invite(&self, key: InviteKey) -> Result<Option<InviteRecord>, StoreError> {
        load(&self.txn.open_table(tables::INVITES)?, key)
    }

    /// Adds or replaces an invite.
    pub fn put_invite(&self, key: InviteKey, invite: &InviteRecord) -> Result<(), StoreError> {
        self.wrote_more();
        self.txn
            .open_table(tables::INVITES)?
            .insert(key, serde_json::to_vec(invite)?.as_slice())?;
        self.txn
            .open_table(tables::ROOM_INVITES)?
            .insert((invite.room_id, key), ())?;
        Ok(())
    }

    /// The invites of a room, with their keys.
    pub fn invites_of(&self, room_id: u64) -> Result<Vec<(InviteKey, InviteRecord)>, StoreError> {
        let index = self.txn.open_table(tables::ROOM_INVITES)?;
        let invites = self.txn.open_table(tables::INVITES)?;
        invites_of(&index, &invites, room_id)
    }
}

fn invites_of(
    index: &impl ReadableTable<(u64, [u8; 32]), ()>,
    invites: &impl ReadableTable<[u8; 32], &'static [u8]>,
    room_id: u64,
) -> Result<Vec<(InviteKey, InviteRecord)>, StoreError> {
    let mut out = Vec::new();
    for entry in index.range((room_id, [0u8; 32])..=(room_id, [0xffu8; 32]))? {
        let key = entry?.0.value().1;
        if let Some(invite) = load(invites, key)? {
            out.push((key, invite));
        }
    }
    out.sort_by_key(|(_, invite)| invite.created_at);
    Ok(out)
}

impl Snapshot {
    pub fn invite(&self, key: InviteKey) -> Result<Option<InviteRecord>, StoreError> {
        load(&self.txn.open_table(tables::INVITES)?, key)
    }

    /// The invites of a room, oldest first.
    pub fn invites_of(&self, room_id: u64) -> Result<Vec<(InviteKey, InviteRecord)>, StoreError> {
        let index = self.txn.open_table(tables::ROOM_INVITES)?;
        let invites = self.txn.open_table(tables::INVITES)?;
        invites_of(&index, &invites, room_id)
    }
}
