//! Friends' comings and goings: when someone's first socket opens or their last one closes,
//! their friends' sockets hear it (and "last seen" is recorded, and published with the friends
//! to tell). Friends are read from the store each time; it happens once per person coming or
//! going, not per socket.

use super::Chat;
use super::protocol::frames::{FriendEntry, friend_presence_frame};
use crate::people::{Friend, Person};
use crate::store::User;

/// Tells `friends` (read with the socket's `hello`) that `user` came online.
pub fn came_online(chat: &Chat, user: &User, friends: &[u64]) {
    let frame = friend_presence_frame(&user.username, true, None);
    for &friend in friends {
        chat.hub.to_user(friend, &frame);
    }
}

/// Records when `user` was last seen, which tells their friends they went offline. Awaited by
/// the socket's own task (which shutdown waits for), so nothing outlives the server.
pub async fn went_offline(chat: &Chat, user: &User) {
    if let Err(err) = chat.people.went_offline(user).await {
        tracing::warn!(error = %err, "cannot tell friends someone went offline");
    }
}

/// A person's friends as the sidebar lists them, online or not.
pub fn entries(chat: &Chat, friends: &[Friend]) -> Vec<FriendEntry> {
    friends
        .iter()
        .map(|friend| FriendEntry {
            person: Person::of(&friend.user),
            state: friend.state.as_str(),
            online: chat.hub.is_online(friend.user.id),
            last_seen: friend.last_seen,
        })
        .collect()
}
