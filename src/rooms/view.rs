//! How a message looks on every door: the JSON API's `Message` and the WebSocket's `M` are
//! this one type (see `src/chat/PROTOCOL.md`). Authors are stored by id; their names are looked
//! up when a message is shown, so a renamed account shows its new name everywhere.

use std::collections::HashMap;
use std::sync::Arc;

use poem_openapi::Object;
use serde::Serialize;

use crate::store::{Kind, Membership, Room, Snapshot, StoreError, StoredMessage};

/// What a message is shown as when its author's account is gone.
const UNKNOWN_AUTHOR: &str = "unknown";

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
#[oai(rename = "Message")]
pub struct MessageView {
    pub room_id: u64,
    /// The room's name; null for a direct room.
    #[oai(nullable)]
    pub room: Option<String>,
    /// Increases strictly within a room; never reused.
    pub id: u64,
    /// The room sequence number of the message's latest change (its id until it changes).
    pub seq: u64,
    pub user_id: u64,
    /// The author's username.
    pub user: String,
    pub text: String,
    /// Unix milliseconds.
    pub ts: u64,
    /// The sender's idempotency key, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub client_id: Option<String>,
}

impl MessageView {
    pub fn new(room: &Room, message: StoredMessage, author: &str) -> MessageView {
        MessageView {
            room_id: message.room_id,
            room: room.name.clone(),
            id: message.id,
            seq: message.seq,
            user_id: message.user_id,
            user: author.to_owned(),
            text: message.text,
            ts: message.ts,
            client_id: message.client_id,
        }
    }
}

/// Usernames by id, each looked up once per snapshot.
pub struct Names<'s> {
    snapshot: &'s Snapshot,
    known: HashMap<u64, Arc<str>>,
}

impl<'s> Names<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        Names {
            snapshot,
            known: HashMap::new(),
        }
    }

    pub fn of(&mut self, user_id: u64) -> Result<Arc<str>, StoreError> {
        if let Some(name) = self.known.get(&user_id) {
            return Ok(Arc::clone(name));
        }
        let name: Arc<str> = match self.snapshot.user(user_id)? {
            Some(user) => user.username.into(),
            None => UNKNOWN_AUTHOR.into(),
        };
        self.known.insert(user_id, Arc::clone(&name));
        Ok(name)
    }

    /// The messages of a page, with their authors' names.
    pub fn messages(
        &mut self,
        room: &Room,
        messages: Vec<StoredMessage>,
    ) -> Result<Vec<MessageView>, StoreError> {
        messages
            .into_iter()
            .map(|m| {
                let author = self.of(m.user_id)?;
                Ok(MessageView::new(room, m, &author))
            })
            .collect()
    }
}

/// A room as it appears in someone's list of rooms (the sidebar, the rooms API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
pub struct RoomSummary {
    pub id: u64,
    /// `open`, `private` or `direct`.
    pub kind: String,
    /// The name as first created; null for a direct room.
    #[oai(nullable)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub topic: Option<String>,
    /// Your role in it: `owner` or `member` (none when you are not a member).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub role: Option<String>,
    /// A direct room's people (usernames, sorted), you included; absent for other rooms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[oai(default, skip_serializing_if_is_empty)]
    pub people: Vec<String>,
    /// Unix milliseconds of the newest message (or of creation).
    pub last_activity: u64,
    /// Id of the newest message (0 when there is none).
    pub last_id: u64,
}

impl RoomSummary {
    /// `people` matters for direct rooms only (see [`direct_people`]).
    pub fn new(room: &Room, membership: Option<&Membership>, people: Vec<String>) -> Self {
        RoomSummary {
            id: room.id,
            kind: room.kind.as_str().to_owned(),
            name: room.name.clone(),
            topic: room.topic.clone(),
            role: membership.map(|m| m.role.as_str().to_owned()),
            people,
            last_activity: room.last_activity,
            last_id: room.last_id,
        }
    }
}

/// The usernames of a direct room's people, sorted; empty for other rooms.
pub fn direct_people(snapshot: &Snapshot, room: &Room) -> Result<Vec<String>, StoreError> {
    if room.kind != Kind::Direct {
        return Ok(Vec::new());
    }
    let mut names = Names::new(snapshot);
    let mut people = snapshot
        .memberships_of(room.id)?
        .iter()
        .map(|m| names.of(m.user_id).map(|n| n.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    people.sort_unstable_by_key(|name| name.to_lowercase());
    Ok(people)
}
