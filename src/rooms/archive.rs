//! The admins' archiving and deleting of rooms, by name, and the erasing of a deleted room's
//! history behind it: a task per room that hands the writer one chunk at a time, so chat goes
//! on between chunks. A purge the server did not finish is resumed when it starts again.

use std::sync::Arc;
use std::time::Duration;

use super::changes::{ArchiveRoom, DeleteRoom, PurgeRoom};
use super::writer::Writer;
use super::{RoomError, Rooms, blocking};
use crate::access::Administrator;
use crate::store::Kind;

/// How long a purge waits after a chunk that could not be stored before it tries again.
const PURGE_RETRY: Duration = Duration::from_secs(1);

impl Rooms {
    /// The id of the open or private room called `name`; direct rooms have no name.
    async fn named(&self, name: &str) -> Result<u64, RoomError> {
        let store = Arc::clone(&self.store);
        let name = name.to_owned();
        blocking(move || match store.snapshot()?.room_by_name(&name)? {
            Some(room) if room.kind != Kind::Direct => Ok(room.id),
            _ => Err(RoomError::NotFound),
        })
        .await
    }

    /// Archives the room called `name` (or opens it again): it can be read, and nothing in it
    /// changes. Answers whether anything changed.
    pub async fn archive(
        &self,
        by: &Administrator,
        name: &str,
        archived: bool,
    ) -> Result<bool, RoomError> {
        let room_id = self.named(name).await?;
        let by = by.clone();
        self.writer
            .apply(ArchiveRoom {
                by,
                room_id,
                archived,
            })
            .await
    }

    /// Deletes the room called `name` for everyone at once, and erases its history behind.
    pub async fn delete_room(&self, by: &Administrator, name: &str) -> Result<(), RoomError> {
        let room_id = self.named(name).await?;
        let by = by.clone();
        self.writer.apply(DeleteRoom { by, room_id }).await?;
        tokio::spawn(purge(self.writer.clone(), room_id));
        Ok(())
    }

    /// Goes on erasing the history of the rooms deleted before the server last stopped.
    pub async fn resume_purges(&self) -> Result<(), RoomError> {
        let store = Arc::clone(&self.store);
        let rooms = blocking(move || Ok(store.snapshot()?.rooms_to_purge()?)).await?;
        for room_id in rooms {
            tokio::spawn(purge(self.writer.clone(), room_id));
        }
        Ok(())
    }
}

/// Erases a deleted room's history a chunk at a time, until it is all gone or the writer
/// stops (the next start resumes it).
async fn purge(writer: Writer, room_id: u64) {
    loop {
        match writer.apply(PurgeRoom { room_id }).await {
            Ok(true) => return,
            Ok(false) => {}
            Err(RoomError::ShuttingDown) => return,
            Err(err) => {
                tracing::warn!(room_id, error = %err, "cannot erase a deleted room's messages; trying again");
                tokio::time::sleep(PURGE_RETRY).await;
            }
        }
    }
}
