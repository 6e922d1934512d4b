//! What the stream carries: one variant per kind of committed change that concerns someone
//! other than whoever asked for it.

use crate::people::FriendNote;
use crate::rooms::sidebar::SidebarEvent;
use crate::rooms::view::MessageView;
use crate::store::{SessionKey, Unread};

/// A committed change.
#[derive(Debug, Clone)]
pub enum Event {
    /// A new message, for everyone following its room.
    Message(MessageView),
    /// A message edited, deleted or reacted to, in its new state.
    Update(MessageView),
    /// Someone's read position in a room moved (by any of their devices, or by posting).
    Read {
        user_id: u64,
        room_id: u64,
        unread: Unread,
    },
    /// A room came into, changed in, or left someone's list of rooms.
    Sidebar { user_id: u64, event: SidebarEvent },
    /// Someone may no longer read a room: published before anything committed after it.
    CutOff { room_id: u64, user_id: u64 },
    /// A room was deleted: nobody follows it from now on, members or not.
    RoomDeleted { room_id: u64 },
    /// Sessions ended: whatever is still open of them must stop at once.
    SessionsEnded {
        keys: Vec<SessionKey>,
        why: SessionEnd,
    },
    /// Someone's username, display name or picture changed, or whether their notifications are
    /// private: their own pages reconnect, to be told anew.
    ProfileChanged { user_id: u64 },
    /// Where `note.user_id` stands with someone changed (a friend request, an answer to one, an
    /// unfriending, a block). Each change publishes one for each of the two people.
    Friendship(FriendNote),
    /// Someone's last socket closed (at `last_seen`, unless that could not be recorded); their
    /// friends see them go.
    WentOffline {
        user_id: u64,
        username: String,
        last_seen: Option<u64>,
        friends: Vec<u64>,
    },
}

/// Why sessions ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Their owner signed them out (this device, one other, or every other).
    SignedOut,
    /// The password changed: every other session of the account ends.
    PasswordChanged,
    /// The account was recovered with a code or a sign-in link.
    Recovered,
    /// An admin or the operator disabled the account, ended its sessions or reset its
    /// password.
    ByOperator,
    /// The account was deleted.
    AccountDeleted,
    /// They were idle too long, or too old.
    Expired,
}
