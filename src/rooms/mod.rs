//! Rooms with access: open, private and direct rooms, their memberships, and the one
//! decision of who may do what ([`access::authorize`]). Every door — pages, the JSON API, the
//! WebSocket — reaches a room's data through [`Rooms`], which checks access on the same
//! snapshot it reads from; nothing else reads a room's history.

pub mod access;
pub mod changes;
mod error;
pub mod input;
pub mod invite_code;
mod manage;
pub mod sidebar;
pub mod view;
pub mod writer;

use std::sync::Arc;

pub use error::RoomError;
pub use manage::{InviteInfo, InvitePreview, Member, NewInvite};
pub use sidebar::sidebar_in;

use access::{Action, authorize};
use changes::{Change, Join, MoveRead, NewPost, Posted};
use view::{MessageView, Names, RoomSummary, direct_people};
use writer::Writer;

use crate::clock::SharedClock;
use crate::store::{HistoryQuery, Membership, Room, Snapshot, Store, StoreError};

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
    /// The room as this reader's sidebar shows it, from the same snapshot.
    pub summary: RoomSummary,
    pub messages: Vec<MessageView>,
    /// The range goes on past this page.
    pub more: bool,
}

/// The rooms to show someone: the busiest open rooms, and the rooms of their sidebar.
#[derive(Debug, Clone)]
pub struct Listing {
    pub open: Vec<Room>,
    /// As [`Rooms::sidebar`]: not hidden, newest activity first.
    pub mine: Vec<RoomSummary>,
}

pub struct Rooms {
    store: Arc<Store>,
    writer: Writer,
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
    pub fn new(store: Arc<Store>, writer: Writer, clock: SharedClock) -> Self {
        Rooms {
            store,
            writer,
            clock,
        }
    }

    /// The room, if this person may see it.
    pub async fn find(&self, user_id: u64, room: RoomRef) -> Result<Visible, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || permitted(&store.snapshot()?, user_id, &room, Action::See)).await
    }

    /// The room as this person's sidebar shows it, if they may see it.
    pub async fn summary(&self, user_id: u64, room: RoomRef) -> Result<RoomSummary, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let Visible { room, membership } = permitted(&snapshot, user_id, &room, Action::See)?;
            let people = direct_people(&snapshot, &room)?;
            let unread = snapshot.unread(user_id, room.id)?;
            Ok(RoomSummary::new(&room, membership.as_ref(), people).with_unread(unread))
        })
        .await
    }

    /// Whether no room, of any kind, has this name: the only thing a name tells an outsider.
    pub async fn name_is_free(&self, name: &str) -> Result<bool, RoomError> {
        let store = Arc::clone(&self.store);
        let name = name.to_owned();
        blocking(move || Ok(store.snapshot()?.room_by_name(&name)?.is_none())).await
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
            let Visible { room, membership } = permitted(&snapshot, user_id, &room, Action::Read)?;
            let page = snapshot.history(room.id, query, limit)?;
            let messages = Names::new(&snapshot).messages(&room, page.messages)?;
            let people = direct_people(&snapshot, &room)?;
            let unread = snapshot.unread(user_id, room.id)?;
            Ok(History {
                summary: RoomSummary::new(&room, membership.as_ref(), people).with_unread(unread),
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
        self.writer.apply(Join { user_id, room }).await
    }

    /// Queues a message; `reply` hears whether it was stored (its publication is the sender's
    /// acknowledgement), stored before under the same client id, or refused.
    pub async fn post(
        &self,
        post: NewPost,
        reply: impl FnOnce(Result<Posted, RoomError>) + Send + 'static,
    ) -> Result<(), RoomError> {
        self.writer.submit(post, reply).await
    }

    /// Moves this person's read position in a room they are a member of; returns where it is
    /// and what is left unread.
    pub async fn mark_read(
        &self,
        user_id: u64,
        room: RoomRef,
        id: u64,
        how: changes::ReadMove,
    ) -> Result<(u64, crate::store::Unread), RoomError> {
        let room_id = self.find(user_id, room).await?.room.id;
        let change = MoveRead {
            user_id,
            room_id,
            id,
            how,
        };
        Ok((room_id, self.writer.apply(change).await?))
    }

    /// Queues a change to a message or a read position; `reply` hears how it went (success is
    /// also the published change).
    pub async fn submit<C: Change>(
        &self,
        change: C,
        reply: impl FnOnce(Result<C::Reply, RoomError>) + Send + 'static,
    ) -> Result<(), RoomError> {
        self.writer.submit(change, reply).await
    }

    /// The rooms in someone's sidebar: every room they are a member of and have not hidden,
    /// newest activity first.
    pub async fn sidebar(&self, user_id: u64) -> Result<Vec<RoomSummary>, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || Ok(sidebar_in(&store.snapshot()?, user_id)?)).await
    }

    /// The busiest open rooms and this person's own rooms.
    pub async fn listing(&self, user_id: u64, open_limit: usize) -> Result<Listing, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let open = snapshot.busiest_open_rooms(open_limit)?;
            let mine = sidebar_in(&snapshot, user_id)?;
            Ok(Listing { open, mine })
        })
        .await
    }
}
