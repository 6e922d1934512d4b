//! Where committed room changes go. The writer hands each change to a [`Fanout`] once, after
//! the transaction holding it has committed and in commit order; the live hub
//! (`chat::Hub`) is the one implementation, and encodes each change once for all its
//! recipients.

use super::view::{MessageView, RoomSummary};
use crate::store::Unread;

/// How a room came to leave someone's sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// They left it.
    Left,
    /// An owner removed them.
    Removed,
    /// They hid a direct room; a new message brings it back.
    Hidden,
}

impl Gone {
    pub fn as_str(self) -> &'static str {
        match self {
            Gone::Left => "left",
            Gone::Removed => "removed",
            Gone::Hidden => "hidden",
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

pub trait Fanout: Send + Sync + 'static {
    /// A new message, for every socket following its room.
    fn message(&self, message: &MessageView);
    /// A message edited, deleted or reacted to, in its new state, for the same sockets.
    fn update(&self, message: &MessageView);
    /// A person's read position in a room moved, for every socket of theirs.
    fn read(&self, user_id: u64, room_id: u64, unread: &Unread);
    /// A change to a person's rooms, for every socket of theirs.
    fn sidebar(&self, user_id: u64, event: &SidebarEvent);
    /// A person may no longer read a room: their sockets stop following it at once, before
    /// anything committed after this change reaches them.
    fn cut_off(&self, room_id: u64, user_id: u64);
}
