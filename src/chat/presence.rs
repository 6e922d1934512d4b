//! Friends' comings and goings: when someone's first socket opens or their last one closes,
//! their friends' sockets hear it (and "last seen" is recorded). Friends are read from the
//! store each time; it happens once per person coming or going, not per socket.

use super::Chat;
use super::protocol::frames::{FriendEntry, friend_presence_frame, friend_state_frame};
use crate::people::{Friend, FriendNote};
use crate::store::User;

/// Tells `friends` (read with the socket's `hello`) that `user` came online.
pub fn came_online(chat: &Chat, user: &User, friends: &[u64]) {
    let frame = friend_presence_frame(&user.username, true, None);
    for &friend in friends {
        chat.hub.to_user(friend, &frame);
    }
}

/// Records when `user` was last seen and tells their friends they went offline. Awaited by
/// the socket's own task (which shutdown waits for), so nothing outlives the server.
pub async fn went_offline(chat: &Chat, user: &User) {
    let last_seen = match chat.people.went_offline(user.id).await {
        Ok(at) => Some(at),
        Err(err) => {
            tracing::warn!(error = %err, "cannot record when someone was last seen");
            None
        }
    };
    match chat.people.friend_ids(user.id).await {
        Ok(friends) => {
            let frame = friend_presence_frame(&user.username, false, last_seen);
            for friend in friends {
                chat.hub.to_user(friend, &frame);
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot tell friends someone went offline"),
    }
}

/// Tells each person of a friendship change where they now stand.
pub fn tell(chat: &Chat, notes: &[FriendNote]) {
    for note in notes {
        let online = chat.hub.is_online(note.other_id);
        let frame = friend_state_frame(&note.other, note.state.map(|s| s.as_str()), online);
        chat.hub.to_user(note.user_id, &frame);
    }
}

/// A person's friends as the sidebar lists them, online or not.
pub fn entries(chat: &Chat, friends: &[Friend]) -> Vec<FriendEntry> {
    friends
        .iter()
        .map(|friend| FriendEntry {
            user_id: friend.user.id,
            username: friend.user.username.clone(),
            display_name: friend.user.display_name.clone(),
            avatar_url: crate::people::avatar::avatar_url(
                &friend.user,
                crate::people::avatar::SMALL,
            ),
            state: friend.state.as_str(),
            online: chat.hub.is_online(friend.user.id),
            last_seen: friend.last_seen,
        })
        .collect()
}
