//! The admins' say over a room as a whole: archiving it (it can be read, and nothing in it
//! changes; [`Denied::Archived`](crate::access::Denied::Archived)) and deleting it (gone for
//! everyone at once, its name free, its history erased a chunk at a time after). Each is
//! written into the audit log with the change itself. Direct rooms are their people's alone:
//! no admin reaches them.

use super::{Applied, Batch, Change, done, refused};
use crate::access::Administrator;
use crate::events::Event;
use crate::rooms::RoomError;
use crate::rooms::sidebar::{Gone, SidebarEvent};
use crate::store::{DeletedRoom, Kind, Room, StoreError};

/// Messages one purge step erases: small enough that the writer's other work waits little.
pub const PURGE_CHUNK: usize = 500;

/// An admin archives a room, or opens it again.
#[derive(Debug, Clone)]
pub struct ArchiveRoom {
    pub by: Administrator,
    pub room_id: u64,
    pub archived: bool,
}

/// An admin deletes a room.
#[derive(Debug, Clone)]
pub struct DeleteRoom {
    pub by: Administrator,
    pub room_id: u64,
}

/// One step of erasing a deleted room's history; answers whether it is all gone.
#[derive(Debug, Clone)]
pub struct PurgeRoom {
    pub room_id: u64,
}

impl Change for ArchiveRoom {
    /// Whether anything changed (archiving an archived room changes nothing).
    type Reply = bool;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<bool>, StoreError> {
        batch.archive(self)
    }
}

impl Change for DeleteRoom {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.delete_room(self)
    }
}

impl Change for PurgeRoom {
    type Reply = bool;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<bool>, StoreError> {
        let done_now = batch.tx.purge_room(self.room_id, PURGE_CHUNK)?;
        done(done_now, Vec::new())
    }
}

impl Batch<'_, '_> {
    /// A named room an admin may act on.
    fn named_room(&mut self, room_id: u64) -> Result<Option<(Room, String)>, StoreError> {
        Ok(self
            .room(room_id)?
            .and_then(|room| match (&room.name, room.kind) {
                (Some(name), Kind::Open | Kind::Private) => Some((room.clone(), name.clone())),
                _ => None,
            }))
    }

    fn archive(&mut self, archive: &ArchiveRoom) -> Result<Applied<bool>, StoreError> {
        let ArchiveRoom {
            ref by,
            room_id,
            archived,
        } = *archive;
        let Some((room, name)) = self.named_room(room_id)? else {
            return refused(RoomError::NotFound);
        };
        if room.archived_at.is_some() == archived {
            return done(false, Vec::new());
        }
        let now = self.tx.now_ms();
        self.tx.update_room(room_id, |record| {
            record.archived_at = archived.then_some(now)
        })?;
        let action = if archived {
            "room.archive"
        } else {
            "room.unarchive"
        };
        self.tx.audit(&by.entry(now, action, &name, None))?;
        // Every member's sidebar and open pages learn what they may do there now.
        let mut events = Vec::new();
        for membership in self.tx.memberships_of(room_id)? {
            let user_id = membership.user_id;
            let event = SidebarEvent::Changed(self.summary(room_id, user_id)?);
            events.push(Event::Sidebar { user_id, event });
        }
        done(true, events)
    }

    fn delete_room(&mut self, delete: &DeleteRoom) -> Result<Applied<()>, StoreError> {
        let Some((room, name)) = self.named_room(delete.room_id)? else {
            return refused(RoomError::NotFound);
        };
        let Some(DeletedRoom { members, .. }) = self.tx.delete_room(room.id)? else {
            return refused(RoomError::NotFound);
        };
        for membership in &members {
            self.members.insert((room.id, membership.user_id), None);
        }
        let detail = match members.len() {
            1 => "1 member".to_owned(),
            n => format!("{n} members"),
        };
        let entry = delete
            .by
            .entry(self.tx.now_ms(), "room.delete", &name, Some(detail));
        self.tx.audit(&entry)?;
        // Every socket stops following it before its members' sidebars lose it.
        let mut events = vec![Event::RoomDeleted { room_id: room.id }];
        for membership in members {
            let event = SidebarEvent::Removed {
                room_id: room.id,
                why: Gone::Deleted,
            };
            events.push(Event::Sidebar {
                user_id: membership.user_id,
                event,
            });
        }
        done((), events)
    }
}
