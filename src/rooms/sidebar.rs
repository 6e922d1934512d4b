//! A person's list of rooms (the sidebar): which rooms are in it, and how it changes.

use super::view::{RoomSummary, direct_people};
use crate::access::Actor;
use crate::store::{Snapshot, StoreError};

/// How a room came to leave someone's sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// They left it.
    Left,
    /// An owner removed them.
    Removed,
    /// They hid a direct room; a new message brings it back.
    Hidden,
    /// An admin deleted the room.
    Deleted,
}

impl Gone {
    pub fn as_str(self) -> &'static str {
        match self {
            Gone::Left => "left",
            Gone::Removed => "removed",
            Gone::Hidden => "hidden",
            Gone::Deleted => "deleted",
        }
    }
}

/// A change to one person's list of rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SidebarEvent {
    /// They became a member (or a hidden direct room came back).
    Added(RoomSummary),
    /// A room of theirs was renamed, got a new topic, changed kind, or their role changed.
    Changed(RoomSummary),
    /// It is no longer theirs to see.
    Removed { room_id: u64, why: Gone },
}

/// The rooms of someone's sidebar as `snapshot` sees them: every room they are a member of and
/// have not hidden, newest activity first.
pub fn sidebar_in(snapshot: &Snapshot, actor: &Actor) -> Result<Vec<RoomSummary>, StoreError> {
    let mut rooms = snapshot.rooms_of(actor.user_id)?;
    rooms.retain(|(_, membership)| !membership.hidden);
    rooms.sort_by_key(|(room, _)| std::cmp::Reverse(room.last_activity));
    rooms
        .iter()
        .map(|(room, membership)| {
            let people = direct_people(snapshot, room)?;
            let unread = snapshot.unread(actor.user_id, room.id)?;
            Ok(RoomSummary::new(actor, room, Some(membership), people).with_unread(unread))
        })
        .collect()
}
