//! Rooms with access: open, private and direct rooms and their memberships. Every door —
//! pages, the JSON API, the WebSocket — reaches a room's data through [`Rooms`], which asks
//! [`authorize`] ([`permitted`]) on the same snapshot it reads from, as every change asks it in
//! the writer's transaction; nothing else reads a room's history.

mod archive;
pub mod changes;
mod error;
mod export;
pub mod input;
pub mod invite_code;
mod manage;
mod search;
pub mod sidebar;
pub mod view;
pub mod writer;

use std::sync::Arc;

pub use error::RoomError;
pub use export::{ExportTurn, RoomExport};
pub use manage::{InviteInfo, InvitePreview, Member, NewInvite};
pub use search::{Results, SEARCH_PAGE};
pub use sidebar::sidebar_in;

use changes::{Change, Join, MoveRead};
use view::{MessageView, Names, RoomSummary, direct_people};
use writer::Writer;

use crate::access::{Action, Actor, Administrator, Denied, authorize};
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
    /// Rooms' exports under way.
    exporting: export::Exporting,
}

/// Runs a store call on the blocking pool: redb reads and writes block.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RoomError> + Send + 'static,
) -> Result<T, RoomError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or(Err(RoomError::Store(StoreError::Unavailable)))
}

/// Where a room and a membership are read from: a snapshot at a door, or the writer's
/// transaction.
pub(crate) trait RoomSource {
    fn room(&mut self, room: &RoomRef) -> Result<Option<Room>, StoreError>;
    fn membership(&mut self, room_id: u64, user_id: u64) -> Result<Option<Membership>, StoreError>;
}

impl RoomSource for &Snapshot {
    fn room(&mut self, room: &RoomRef) -> Result<Option<Room>, StoreError> {
        match room {
            RoomRef::Id(id) => Snapshot::room(self, *id),
            RoomRef::Name(name) => self.room_by_name(name),
        }
    }

    fn membership(&mut self, room_id: u64, user_id: u64) -> Result<Option<Membership>, StoreError> {
        Snapshot::membership(self, room_id, user_id)
    }
}

/// The room a reference names and the actor's membership of it, if the actor may do `action`
/// there: the check of every door and every change. A room that does not exist is
/// [`Denied::Hidden`], like one the actor may not see.
pub(crate) fn permitted(
    mut source: impl RoomSource,
    actor: &Actor,
    room: &RoomRef,
    action: Action,
) -> Result<Result<Visible, Denied>, StoreError> {
    let Some(room) = source.room(room)? else {
        return Ok(Err(Denied::Hidden));
    };
    let membership = source.membership(room.id, actor.user_id)?;
    Ok(authorize(actor, &room, membership.as_ref(), action).map(|()| Visible { room, membership }))
}

/// [`permitted`] on a snapshot, for a door: a refusal is the door's error.
fn allowed(
    snapshot: &Snapshot,
    actor: &Actor,
    room: &RoomRef,
    action: Action,
) -> Result<Visible, RoomError> {
    Ok(permitted(snapshot, actor, room, action)??)
}

impl Rooms {
    pub fn new(store: Arc<Store>, writer: Writer, clock: SharedClock) -> Self {
        Rooms {
            store,
            writer,
            clock,
            exporting: export::Exporting::default(),
        }
    }

    /// The room, if this person may see it.
    pub async fn find(&self, actor: Actor, room: RoomRef) -> Result<Visible, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || allowed(&store.snapshot()?, &actor, &room, Action::See)).await
    }

    /// The room, if this person may do `action` there now.
    pub async fn permitted_to(
        &self,
        actor: Actor,
        room: RoomRef,
        action: Action,
    ) -> Result<Visible, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || allowed(&store.snapshot()?, &actor, &room, action)).await
    }

    /// The room as this person's sidebar shows it, if they may see it.
    pub async fn summary(&self, actor: Actor, room: RoomRef) -> Result<RoomSummary, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let visible = allowed(&snapshot, &actor, &room, Action::See)?;
            Ok(summary_in(&snapshot, &actor, &visible)?)
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
        actor: Actor,
        room: RoomRef,
        query: HistoryQuery,
        limit: usize,
    ) -> Result<History, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let visible = allowed(&snapshot, &actor, &room, Action::Read)?;
            let page = snapshot.history(visible.room.id, query, limit)?;
            let messages = Names::new(&snapshot).messages(&visible.room, page.messages)?;
            Ok(History {
                summary: summary_in(&snapshot, &actor, &visible)?,
                room: visible.room,
                messages,
                more: page.more,
            })
        })
        .await
    }

    /// Makes this person a member of the room (an open room named for the first time is
    /// created, with them as its owner), or finds their membership.
    pub async fn join(&self, actor: Actor, room: RoomRef) -> Result<Visible, RoomError> {
        let store = Arc::clone(&self.store);
        let lookup = room.clone();
        let found = blocking(move || {
            let snapshot = store.snapshot()?;
            match allowed(&snapshot, &actor, &lookup, Action::Join) {
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
        self.writer.apply(Join { actor, room }).await
    }

    /// Moves this person's read position in a room they are a member of; returns where it is
    /// and what is left unread.
    pub async fn mark_read(
        &self,
        actor: Actor,
        room: RoomRef,
        id: u64,
        how: changes::ReadMove,
    ) -> Result<(u64, crate::store::Unread), RoomError> {
        let room_id = self.find(actor, room).await?.room.id;
        let change = MoveRead {
            actor,
            room_id,
            id,
            how,
        };
        Ok((room_id, self.writer.apply(change).await?))
    }

    /// Queues a change: a message, a change to one, a read position; `reply` hears how it went
    /// (a new message's publication is also its sender's acknowledgement).
    pub async fn submit<C: Change>(
        &self,
        change: C,
        reply: impl FnOnce(Result<C::Reply, RoomError>) + Send + 'static,
    ) -> Result<(), RoomError> {
        self.writer.submit(change, reply).await
    }

    /// Queues a change and waits until it is committed (or refused).
    pub async fn apply<C: Change>(&self, change: C) -> Result<C::Reply, RoomError> {
        self.writer.apply(change).await
    }

    /// The rooms in someone's sidebar: every room they are a member of and have not hidden,
    /// newest activity first.
    pub async fn sidebar(&self, actor: Actor) -> Result<Vec<RoomSummary>, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || Ok(sidebar_in(&store.snapshot()?, &actor)?)).await
    }

    /// Every open and private room whose name holds `holding`, by name, for the admins' list
    /// (`_by` is the proof that an admin asks): at most `limit`, and whether more matched.
    pub async fn directory(
        &self,
        _by: &Administrator,
        holding: &str,
        limit: usize,
    ) -> Result<(Vec<Room>, bool), RoomError> {
        let store = Arc::clone(&self.store);
        let holding = holding.to_owned();
        blocking(move || Ok(store.snapshot()?.named_rooms(&holding, limit)?)).await
    }

    /// The busiest open rooms and this person's own rooms.
    pub async fn listing(&self, actor: Actor, open_limit: usize) -> Result<Listing, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let open = snapshot.busiest_open_rooms(open_limit)?;
            let mine = sidebar_in(&snapshot, &actor)?;
            Ok(Listing { open, mine })
        })
        .await
    }
}

/// The room as the actor's sidebar shows it, as `snapshot` sees it.
fn summary_in(
    snapshot: &Snapshot,
    actor: &Actor,
    visible: &Visible,
) -> Result<RoomSummary, StoreError> {
    let people = direct_people(snapshot, &visible.room)?;
    let unread = snapshot.unread(actor.user_id, visible.room.id)?;
    let summary = RoomSummary::new(actor, &visible.room, visible.membership.as_ref(), people);
    Ok(summary.with_unread(unread))
}
