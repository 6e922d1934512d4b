//! A room's export, downloaded by its owners: the check of who may have it and every read of
//! what goes into it are one snapshot, as for any other door.

use std::fs::File;
use std::sync::Arc;

use super::{RoomError, RoomRef, Rooms, allowed, blocking};
use crate::access::{Action, Actor};
use crate::export::{self, ExportError, Exported};
use crate::files::blobs::Blobs;
use crate::store::{Room, StoreError};

/// A room's export, written.
pub struct RoomExport {
    pub room: Room,
    /// The zip, read from its start.
    pub file: File,
    pub exported: Exported,
}

impl Rooms {
    /// Writes the export of a room into an unnamed temporary file (gone once closed, even
    /// after a crash), if this person may have it. The caller holds the files' removals back
    /// first (`files::RemovalHold`). One export is written at a time; others wait their turn.
    pub async fn export(
        &self,
        actor: Actor,
        room: RoomRef,
        blobs: Arc<Blobs>,
    ) -> Result<RoomExport, RoomError> {
        let _turn = self.exporting.lock().await;
        let store = Arc::clone(&self.store);
        let now_ms = self.clock.now_ms();
        blocking(move || {
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
            Ok(RoomExport {
                room: visible.room,
                file,
                exported,
            })
        })
        .await
    }
}
