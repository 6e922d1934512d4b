//! A room's export, downloaded by its owners: the check of who may have it and every read of
//! what goes into it are one snapshot, as for any other door. An export is a full read of a
//! room and a copy of its files on disk, so one is written at a time, and each person has one
//! under way at most (from the request until the download ends); the refusal of someone who
//! may not have it costs no more than a room lookup.

use std::collections::HashSet;
use std::fs::File;
use std::sync::{Arc, Mutex};

use super::{RoomError, RoomRef, Rooms, allowed, blocking};
use crate::access::{Action, Actor};
use crate::export::{self, ExportError, Exported};
use crate::files::Files;
use crate::store::{Room, StoreError};

/// A room's export, written.
pub struct RoomExport {
    pub room: Room,
    /// The zip, read from its start.
    pub file: File,
    pub exported: Exported,
    /// This person's turn: kept until the download ends.
    pub turn: ExportTurn,
}

/// The people with an export under way.
#[derive(Default)]
pub(super) struct Exporting {
    /// Held while an export is written.
    writing: tokio::sync::Mutex<()>,
    people: Arc<Mutex<HashSet<u64>>>,
}

/// One person's export under way; they may start another once it is dropped.
pub struct ExportTurn {
    people: Arc<Mutex<HashSet<u64>>>,
    user_id: u64,
}

impl Drop for ExportTurn {
    fn drop(&mut self) {
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        people.remove(&self.user_id);
    }
}

impl Exporting {
    fn enter(&self, user_id: u64) -> Option<ExportTurn> {
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        people.insert(user_id).then(|| ExportTurn {
            people: Arc::clone(&self.people),
            user_id,
        })
    }
}

impl Rooms {
    /// Writes the export of a room into an unnamed temporary file (gone once closed, even
    /// after a crash), if this person may have it.
    pub async fn export(
        &self,
        actor: Actor,
        room: RoomRef,
        files: &Files,
    ) -> Result<RoomExport, RoomError> {
        self.permitted_to(actor, room.clone(), Action::Export)
            .await?;
        let turn = self
            .exporting
            .enter(actor.user_id)
            .ok_or(RoomError::ExportUnderWay)?;
        let _writing = self.exporting.writing.lock().await;
        // Taken before the snapshot: no file it names is removed until the copy is done.
        let _hold = files.hold_removals().await;
        let store = Arc::clone(&self.store);
        let blobs = files.blobs();
        let now_ms = self.clock.now_ms();
        let (room, file, exported) = blocking(move || {
            let snapshot = store.snapshot()?;
            let visible = allowed(&snapshot, &actor, &room, Action::Export)?;
            let failed = |err: std::io::Error| RoomError::Store(StoreError::Io(err));
            let mut file = blobs.scratch().map_err(failed)?;
            let exported = export::write_room(&snapshot, &visible.room, &blobs, &file, now_ms)
                .map_err(|err| match err {
                    ExportError::Store(err) => RoomError::Store(err),
                    other => failed(std::io::Error::other(other.to_string())),
                })?;
            use std::io::Seek;
            file.rewind().map_err(failed)?;
            Ok((visible.room, file, exported))
        })
        .await?;
        Ok(RoomExport {
            room,
            file,
            exported,
            turn,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_person_has_one_export_under_way_at_most() {
        let exporting = Exporting::default();
        let first = exporting.enter(1).expect("a first turn");
        assert!(
            exporting.enter(1).is_none(),
            "a second while the first is under way"
        );
        let other = exporting.enter(2).expect("someone else's turn");
        drop(first);
        assert!(
            exporting.enter(1).is_some(),
            "another once the first is done"
        );
        drop(other);
    }
}
