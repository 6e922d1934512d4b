//! Rooms with access: open, private and direct rooms, their memberships, and the one
//! decision of who may do what ([`access::authorize`]). Every door — pages, the JSON API, the
//! WebSocket — reaches a room's data through [`Rooms`], which checks access on the same
//! snapshot it reads from; nothing else reads a room's history.

pub mod access;
mod error;
pub mod input;
pub mod view;

use std::sync::Arc;

pub use error::RoomError;

use access::{Action, authorize};
use view::{MessageView, Names};

use crate::clock::SharedClock;
use crate::store::{
    HistoryQuery, Kind, Membership, Role, Room, RoomRecord, Snapshot, Store, StoreError,
};

/// How a door names a room: by id (any kind), or by name (open and private rooms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomRef {
    Id(u64),
    Name(String),
}

/// A room someone may see, and their membership of it.
#[derive(Debug, Clone)]
pub struct Visible {
    pub room: Room,
    pub membership: Option<Membership>,
}

/// A page of a room's history as someone may read it.
#[derive(Debug, Clone)]
pub struct History {
    pub room: Room,
    pub messages: Vec<MessageView>,
    /// The range goes on past this page.
    pub more: bool,
}

/// The rooms to show someone: the busiest open rooms, and every room they are a member of.
#[derive(Debug, Clone)]
pub struct Listing {
    pub open: Vec<Room>,
    /// Newest activity first.
    pub mine: Vec<(Room, Membership)>,
}

pub struct Rooms {
    store: Arc<Store>,
    clock: SharedClock,
}

/// Runs a store call on the blocking pool: redb reads and writes block.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RoomError> + Send + 'static,
) -> Result<T, RoomError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or(Err(RoomError::Store(StoreError::Unavailable)))
}

/// Finds the room a reference names, as this snapshot sees it.
fn resolve(snapshot: &Snapshot, room: &RoomRef) -> Result<Option<Room>, StoreError> {
    match room {
        RoomRef::Id(id) => snapshot.room(*id),
        RoomRef::Name(name) => snapshot.room_by_name(name),
    }
}

/// The room and membership a reference names, if `user_id` may do `action` there.
fn permitted(
    snapshot: &Snapshot,
    user_id: u64,
    room: &RoomRef,
    action: Action,
) -> Result<Visible, RoomError> {
    let room = resolve(snapshot, room)?.ok_or(RoomError::NotFound)?;
    let membership = snapshot.membership(room.id, user_id)?;
    authorize(room.kind, membership.as_ref(), action)?;
    Ok(Visible { room, membership })
}

impl Rooms {
    pub fn new(store: Arc<Store>, clock: SharedClock) -> Self {
        Rooms { store, clock }
    }

    /// The room, if this person may see it.
    pub async fn find(&self, user_id: u64, room: RoomRef) -> Result<Visible, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || permitted(&store.snapshot()?, user_id, &room, Action::See)).await
    }

    /// A page of history, if this person may read the room: the check and the read are one
    /// snapshot.
    pub async fn history(
        &self,
        user_id: u64,
        room: RoomRef,
        query: HistoryQuery,
        limit: usize,
    ) -> Result<History, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let Visible { room, .. } = permitted(&snapshot, user_id, &room, Action::Read)?;
            let page = snapshot.history(room.id, query, limit)?;
            let messages = Names::new(&snapshot).messages(&room, page.messages)?;
            Ok(History {
                room,
                messages,
                more: page.more,
            })
        })
        .await
    }

    /// Makes this person a member of the room (an open room named for the first time is
    /// created, with them as its owner), or finds their membership.
    pub async fn join(&self, user_id: u64, room: RoomRef) -> Result<Visible, RoomError> {
        let store = Arc::clone(&self.store);
        let lookup = room.clone();
        let found = blocking(move || {
            let snapshot = store.snapshot()?;
            match permitted(&snapshot, user_id, &lookup, Action::Join) {
                Ok(visible) => Ok(Some(visible)),
                Err(RoomError::NotFound) => Ok(None),
                Err(other) => Err(other),
            }
        })
        .await?;
        if let Some(visible) = found
            && visible.membership.is_some()
        {
            return Ok(visible);
        }
        let store = Arc::clone(&self.store);
        let now = self.clock.now_ms();
        blocking(move || {
            store.transact(redb::Durability::Immediate, now, |tx| {
                join_in(tx, user_id, &room)
            })?
        })
        .await
    }

    /// The busiest open rooms and this person's own rooms.
    pub async fn listing(&self, user_id: u64, open_limit: usize) -> Result<Listing, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let open = snapshot.busiest_open_rooms(open_limit)?;
            let mut mine = snapshot.rooms_of(user_id)?;
            mine.sort_by_key(|(room, _)| std::cmp::Reverse(room.last_activity));
            Ok(Listing { open, mine })
        })
        .await
    }
}

/// Joining inside a write transaction: the room is looked up again, since it may have been
/// created, or closed to outsiders, since the snapshot that found it missing.
fn join_in(
    tx: &mut crate::store::Tx,
    user_id: u64,
    room: &RoomRef,
) -> Result<Result<Visible, RoomError>, StoreError> {
    let now = tx.now_ms();
    let id = match room {
        RoomRef::Id(id) => Some(*id),
        RoomRef::Name(name) => tx.room_id_by_name(name)?,
    };
    let (id, record, created) = match id.map(|id| tx.room(id).map(|r| (id, r))).transpose()? {
        Some((id, Some(record))) => (id, record, false),
        Some((_, None)) => return Ok(Err(RoomError::NotFound)),
        None => {
            let RoomRef::Name(name) = room else {
                return Ok(Err(RoomError::NotFound));
            };
            let record = RoomRecord {
                kind: Kind::Open,
                name: Some(name.trim().to_owned()),
                topic: None,
                created_at: now,
                created_by: Some(user_id),
                seq: 0,
                last_id: 0,
                last_activity: now,
                members: 0,
                hidden: 0,
            };
            let id = tx.create_room(record.clone())?;
            (id, record, true)
        }
    };
    let existing = tx.membership(id, user_id)?;
    if let Err(denied) = authorize(record.kind, existing.as_ref(), Action::Join) {
        return Ok(Err(denied.into()));
    }
    let membership = match existing {
        Some(membership) => membership,
        None => {
            let membership = Membership {
                room_id: id,
                user_id,
                role: if created { Role::Owner } else { Role::Member },
                joined_at: now,
                hidden: false,
            };
            tx.put_membership(&membership)?;
            tx.update_room(id, |r| r.members += 1)?;
            membership
        }
    };
    let record = tx.room(id)?.ok_or(StoreError::NotFound)?;
    Ok(Ok(Visible {
        room: Room::from_record(id, &record),
        membership: Some(membership),
    }))
}
