//! Deleting a room, in two steps. [`Tx::delete_room`] takes it away from everyone in one
//! transaction: its memberships, name, invites and place in the open-room list go, and its
//! record stays only to keep its id from ever being given to another room. Its history is then
//! erased by [`Tx::purge_room`], a chunk per transaction, so that a room of a million
//! messages never holds the writer long; `room_purges` lists the rooms still being erased, and
//! the server resumes them when it starts.

use redb::ReadableTable;

use super::record::MessageRecord;
use super::rooms::{Membership, RoomRecord, memberships_of, room_key};
use super::{Snapshot, StoreError, Tx, tables};

/// A room just deleted: as it was, and who were its members.
#[derive(Debug, Clone)]
pub struct DeletedRoom {
    pub record: RoomRecord,
    pub members: Vec<Membership>,
}

impl Tx<'_> {
    /// Deletes a room for everyone: nothing finds it from this transaction on, and its name is
    /// free. Its messages stay until [`Tx::purge_room`] has erased them. `None` if there is no
    /// such room.
    pub fn delete_room(&mut self, room_id: u64) -> Result<Option<DeletedRoom>, StoreError> {
        let Some(touched) = self.touched(room_id)? else {
            return Ok(None);
        };
        let record = touched.record.clone();
        let indexed_at = touched.indexed_at;
        self.wrote_more();
        let members = memberships_of(&self.members, room_id)?;
        let mut reads = self.txn.open_table(tables::READ_POSITIONS)?;
        let mut mentions = self.txn.open_table(tables::MENTIONS)?;
        for membership in &members {
            let user_id = membership.user_id;
            self.remove_membership(room_id, user_id)?;
            reads.remove((user_id, room_id))?;
            let called: Vec<(u64, u64, u64)> = mentions
                .range((user_id, room_id, 0)..=(user_id, room_id, u64::MAX))?
                .map(|entry| entry.map(|(key, _)| key.value()))
                .collect::<Result<_, _>>()?;
            for key in called {
                mentions.remove(key)?;
            }
        }
        let mut room_invites = self.txn.open_table(tables::ROOM_INVITES)?;
        let mut invites = self.txn.open_table(tables::INVITES)?;
        let codes: Vec<(u64, [u8; 32])> = room_invites
            .range((room_id, [0; 32])..=(room_id, [u8::MAX; 32]))?
            .map(|entry| entry.map(|(key, _)| key.value()))
            .collect::<Result<_, _>>()?;
        for (room, code) in codes {
            invites.remove(code)?;
            room_invites.remove((room, code))?;
        }
        if let Some(name) = &record.name {
            self.room_names.remove(room_key(name).as_str())?;
        }
        if let Some(at) = indexed_at {
            self.txn
                .open_table(tables::OPEN_ROOMS_BY_ACTIVITY)?
                .remove((at, room_id))?;
        }
        self.touched.remove(&room_id);
        let tombstone = RoomRecord {
            members: 0,
            hidden: 0,
            deleted_at: Some(self.now_ms()),
            ..record.clone()
        };
        self.rooms
            .insert(room_id, serde_json::to_vec(&tombstone)?.as_slice())?;
        self.txn
            .open_table(tables::ROOM_PURGES)?
            .insert(room_id, ())?;
        self.remove_webhooks_of(room_id)?;
        Ok(Some(DeletedRoom { record, members }))
    }

    /// Erases up to `limit` messages of a deleted room, with what points at them (mentions,
    /// retried sends, edits, search rows); the files they held are let go, for the sweep.
    /// Returns whether the room's history is all gone, and its purge done.
    pub fn purge_room(&mut self, room_id: u64, limit: usize) -> Result<bool, StoreError> {
        self.wrote_more();
        let rows: Vec<(u64, Vec<u8>)> = self
            .history
            .range((room_id, 0)..=(room_id, u64::MAX))?
            .take(limit)
            .map(|entry| entry.map(|(key, bytes)| (key.value().1, bytes.value().to_vec())))
            .collect::<Result<_, _>>()?;
        let mut changed = self.txn.open_table(tables::SEARCH_CHANGED)?;
        for (id, bytes) in &rows {
            let record = MessageRecord::decode(bytes)?;
            self.index_mentions(room_id, *id, &record, false)?;
            for file in &record.files {
                self.release_upload(file.id)?;
            }
            if let Some(client_id) = record.client_id.as_deref() {
                self.client_ids
                    .remove((room_id, record.user_id, client_id))?;
            }
            changed.remove((room_id, *id))?;
            self.history.remove((room_id, *id))?;
        }
        if rows.len() == limit {
            return Ok(false);
        }
        let mut changes = self.txn.open_table(tables::CHANGES)?;
        let seqs: Vec<u64> = changes
            .range((room_id, 0)..=(room_id, u64::MAX))?
            .take(limit)
            .map(|entry| entry.map(|(key, _)| key.value().1))
            .collect::<Result<_, _>>()?;
        for seq in &seqs {
            changes.remove((room_id, *seq))?;
        }
        if seqs.len() == limit {
            return Ok(false);
        }
        self.txn.open_table(tables::SEARCH_MARKS)?.remove(room_id)?;
        self.txn.open_table(tables::ROOM_PURGES)?.remove(room_id)?;
        Ok(true)
    }
}

impl Snapshot {
    /// The deleted rooms whose history is still being erased.
    pub fn rooms_to_purge(&self) -> Result<Vec<u64>, StoreError> {
        let purges = self.txn.open_table(tables::ROOM_PURGES)?;
        purges.iter()?.map(|entry| Ok(entry?.0.value())).collect()
    }
}

#[cfg(test)]
mod tests {
    use redb::Durability;

    use super::super::rooms::Role;
    use super::super::tests::room;
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_deleted_room_is_gone_at_once_and_its_history_erased_a_chunk_at_a_time() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let lobby = room(&store, "Lobby");
        let first = store
            .transact(Durability::Immediate, 10, |tx| {
                tx.put_membership(&Membership {
                    room_id: lobby,
                    user_id: 1,
                    role: Role::Owner,
                    joined_at: 10,
                    hidden: false,
                    notify: None,
                })?;
                tx.set_read_position(1, lobby, 3)?;
                let mut first = 0;
                for n in 0..1200 {
                    let client_id = format!("c{n}");
                    let record = MessageRecord::post(1, "words", Some(&client_id));
                    let id = tx.append_message(lobby, record)?.id;
                    first = if first == 0 { id } else { first };
                }
                tx.change_message(lobby, first, |record| record.text = "edited".into())?;
                Ok(first)
            })
            .unwrap();

        let deleted = store
            .transact(Durability::Immediate, 20, |tx| tx.delete_room(lobby))
            .unwrap()
            .expect("the room was there");
        assert_eq!(deleted.members.len(), 1);
        let snapshot = store.snapshot().unwrap();
        assert_eq!(snapshot.room(lobby).unwrap(), None, "no door finds it");
        assert_eq!(snapshot.room_by_name("lobby").unwrap(), None);
        assert!(snapshot.rooms_of(1).unwrap().is_empty(), "nobody's room");
        assert_eq!(snapshot.read_position(1, lobby).unwrap(), 0);
        assert_eq!(snapshot.rooms_to_purge().unwrap(), [lobby]);
        assert!(
            snapshot.message(lobby, first).unwrap().is_some(),
            "erased later"
        );
        drop(snapshot);
        let again = room(&store, "lobby");
        assert_ne!(again, lobby, "its name is free, its id never given again");

        let mut steps = Vec::new();
        loop {
            let done = store
                .transact(Durability::Immediate, 30, |tx| tx.purge_room(lobby, 500))
                .unwrap();
            steps.push(done);
            if done {
                break;
            }
        }
        assert_eq!(
            steps,
            [false, false, true],
            "1,200 messages in chunks of 500"
        );
        let snapshot = store.snapshot().unwrap();
        assert!(snapshot.message(lobby, first).unwrap().is_none());
        assert!(snapshot.rooms_to_purge().unwrap().is_empty());
        let txn = &snapshot.txn;
        for (name, rows) in [
            ("history", count(txn, tables::HISTORY, lobby)),
            ("changes", count(txn, tables::CHANGES, lobby)),
        ] {
            assert_eq!(rows, 0, "{name}");
        }
        let client_ids = txn.open_table(tables::CLIENT_IDS).unwrap();
        let left = client_ids
            .range((lobby, 0, "")..=(lobby, u64::MAX, "\u{10ffff}"))
            .unwrap()
            .count();
        assert_eq!(left, 0, "client ids");
    }

    fn count(
        txn: &redb::ReadTransaction,
        table: redb::TableDefinition<(u64, u64), impl redb::Value + 'static>,
        room_id: u64,
    ) -> usize {
        txn.open_table(table)
            .unwrap()
            .range((room_id, 0)..=(room_id, u64::MAX))
            .unwrap()
            .count()
    }
}
