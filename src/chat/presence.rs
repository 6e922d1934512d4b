//! Friends' comings and goings: when someone's first socket opens or their last one closes,
//! their friends' sockets hear it (and "last seen" is recorded). Friends are read from the
//! store each time; it happens once per person coming or going, not per socket.

use super::Chat;
use super::protocol::frames::{FriendEntry, friend_presence_frame, friend_state_frame};
use crate::people::{Friend, FriendNote};
use crate::store::User;

/// Tells the friends of `user` that they came online or went offline. Awaited by the socket's
/// own task (which shutdown waits for), so nothing outlives the server.
pub async fn announce(chat: &Chat, user: &User, online: bool) {
    let (user_id, username) = (user.id, user.username.as_str());
    let last_seen = if online {
        None
    } else {
        match chat.people.went_offline(user_id).await {
            Ok(at) => Some(at),
            Err(err) => {
                tracing::warn!(error = %err, "cannot record when someone was last seen");
                None
            }
        }
    };
    match chat.people.friend_ids(user_id).await {
        Ok(friends) => {
            let frame = friend_presence_frame(username, online, last_seen);
            for friend in friends {
                chat.hub.to_user(friend, &frame);
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot tell friends someone came or went"),
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
            username: friend.user.username.clone(),
            state: friend.state.as_str(),
            online: chat.hub.is_online(friend.user.id),
            last_seen: friend.last_seen,
        })
        .collect()
}
