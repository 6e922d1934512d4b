//! How a message looks on every door: the JSON API's `Message` and the WebSocket's `M` are
//! this one type (see `src/chat/PROTOCOL.md`). Authors are stored by id; their names are looked
//! up when a message is shown, so a renamed account shows its new name everywhere.

use std::collections::HashMap;
use std::sync::Arc;

use poem_openapi::Object;
use serde::Serialize;

use crate::access::{Actor, May};
use crate::files::FileView;
use crate::people::Person;
use crate::store::{Kind, Membership, Room, Snapshot, StoreError, StoredMessage, Tx, Unread, User};

/// Characters of the original a reply quotes.
const EXCERPT_CHARS: usize = 140;

/// Who reacted to a message with one emoji.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
pub struct ReactionView {
    pub emoji: String,
    /// Usernames, in the order they reacted.
    pub users: Vec<String>,
}

/// The start of the message a reply answers, so it can be quoted without loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
pub struct ReplyExcerpt {
    pub id: u64,
    pub user: String,
    /// Its author's display name, when they chose one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub display_name: Option<String>,
    /// Its first 140 characters (empty when it was deleted).
    pub text: String,
    #[serde(skip_serializing_if = "is_false")]
    #[oai(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
}

/// A chat message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Object)]
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
    /// The author's display name, when they chose one; shown beside the username.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub display_name: Option<String>,
    /// The author's picture, 64 pixels square; absent: their initials are shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub avatar_url: Option<String>,
    pub text: String,
    /// Unix milliseconds.
    pub ts: u64,
    /// The sender's idempotency key, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub client_id: Option<String>,
    /// When the text was last edited (Unix milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub edited: Option<u64>,
    /// A tombstone: the message was deleted and `text` is empty.
    #[serde(skip_serializing_if = "is_false")]
    #[oai(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// The id of the message this one replies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub reply_to: Option<u64>,
    /// The start of that message, to quote.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub reply: Option<ReplyExcerpt>,
    /// Usernames its `@name`s mention (people who may read the room).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[oai(default, skip_serializing_if_is_empty)]
    pub mentions: Vec<String>,
    /// `here` or `room` when it calls everyone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub everyone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[oai(default, skip_serializing_if_is_empty)]
    pub reactions: Vec<ReactionView>,
    /// Attached files, in the order they were attached.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[oai(default, skip_serializing_if_is_empty)]
    pub files: Vec<FileView>,
}

/// What showing a message needs to look up: people, and the message a reply answers. A
/// snapshot ([`Names`]) and the writer's transaction ([`TxLookup`]) both answer.
pub trait Lookup {
    fn person(&mut self, user_id: u64) -> Result<Arc<Person>, StoreError>;
    fn message(&mut self, room_id: u64, id: u64) -> Result<Option<StoredMessage>, StoreError>;

    fn name(&mut self, user_id: u64) -> Result<String, StoreError> {
        Ok(self.person(user_id)?.username.clone())
    }
}

impl MessageView {
    /// The message as every door shows it.
    pub fn build(
        room: &Room,
        message: StoredMessage,
        lookup: &mut dyn Lookup,
    ) -> Result<MessageView, StoreError> {
        let author = lookup.person(message.user_id)?;
        let mentions = message
            .mentions
            .iter()
            .map(|&id| lookup.name(id))
            .collect::<Result<Vec<_>, _>>()?;
        let mut reactions = Vec::with_capacity(message.reactions.len());
        for reaction in message.reactions {
            let users = reaction
                .users
                .iter()
                .map(|&id| lookup.name(id))
                .collect::<Result<Vec<_>, _>>()?;
            reactions.push(ReactionView {
                emoji: reaction.emoji,
                users,
            });
        }
        let reply = match message.reply_to {
            Some(id) => match lookup.message(message.room_id, id)? {
                Some(original) => Some(ReplyExcerpt {
                    id,
                    user: lookup.name(original.user_id)?,
                    display_name: lookup.person(original.user_id)?.display_name.clone(),
                    text: original.text.chars().take(EXCERPT_CHARS).collect(),
                    deleted: original.deleted,
                }),
                None => None,
            },
            None => None,
        };
        Ok(MessageView {
            room_id: message.room_id,
            room: room.name.clone(),
            id: message.id,
            seq: message.seq,
            user_id: message.user_id,
            user: author.username.clone(),
            display_name: author.display_name.clone(),
            avatar_url: author.avatar_url.clone(),
            text: message.text,
            ts: message.ts,
            client_id: message.client_id,
            edited: message.edited,
            deleted: message.deleted,
            reply_to: message.reply_to,
            reply,
            mentions,
            everyone: message.everyone.map(|e| e.as_str().to_owned()),
            reactions,
            files: message.files.iter().map(FileView::from).collect(),
        })
    }

    /// Whether it calls this person: by name, or `@here`/`@room` by someone else.
    pub fn calls(&self, username: &str) -> bool {
        self.mentions
            .iter()
            .any(|m| m.eq_ignore_ascii_case(username))
            || (self.everyone.is_some() && !self.user.eq_ignore_ascii_case(username))
    }
}

/// Someone as a message shows them, looked up when shown, so a rename or a new display name
/// shows on every message they ever wrote.
fn shown(user_id: u64, user: Option<User>) -> Person {
    user.map_or_else(|| Person::unknown(user_id), |user| Person::of(&user))
}

/// People by id, each looked up once per snapshot.
pub struct Names<'s> {
    snapshot: &'s Snapshot,
    known: HashMap<u64, Arc<Person>>,
}

impl<'s> Names<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        Names {
            snapshot,
            known: HashMap::new(),
        }
    }

    /// Someone's username.
    pub fn of(&mut self, user_id: u64) -> Result<String, StoreError> {
        self.name(user_id)
    }

    /// The messages of a page, as shown.
    pub fn messages(
        &mut self,
        room: &Room,
        messages: Vec<StoredMessage>,
    ) -> Result<Vec<MessageView>, StoreError> {
        messages
            .into_iter()
            .map(|m| MessageView::build(room, m, self))
            .collect()
    }
}

impl Lookup for Names<'_> {
    fn person(&mut self, user_id: u64) -> Result<Arc<Person>, StoreError> {
        if let Some(person) = self.known.get(&user_id) {
            return Ok(Arc::clone(person));
        }
        let person = Arc::new(shown(user_id, self.snapshot.user(user_id)?));
        self.known.insert(user_id, Arc::clone(&person));
        Ok(person)
    }

    fn message(&mut self, room_id: u64, id: u64) -> Result<Option<StoredMessage>, StoreError> {
        self.snapshot.message(room_id, id)
    }
}

/// The writer's lookups, inside the transaction that is changing the messages.
pub struct TxLookup<'a, 't> {
    pub tx: &'a Tx<'t>,
}

impl Lookup for TxLookup<'_, '_> {
    fn person(&mut self, user_id: u64) -> Result<Arc<Person>, StoreError> {
        Ok(Arc::new(shown(user_id, self.tx.user(user_id)?)))
    }

    fn message(&mut self, room_id: u64, id: u64) -> Result<Option<StoredMessage>, StoreError> {
        self.tx.message(room_id, id)
    }
}

/// A room as it appears in someone's list of rooms (the sidebar, the rooms API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Object)]
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
    /// What you may do in it: pages and scripts show their controls from this alone.
    pub may: May,
    /// An admin archived it: it can be read, and nothing in it changes.
    #[serde(skip_serializing_if = "is_false")]
    #[oai(default, skip_serializing_if = "is_false")]
    pub archived: bool,
    /// A direct room's people as they are shown, sorted by username, you included; absent for
    /// other rooms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[oai(default, skip_serializing_if_is_empty)]
    pub people: Vec<Person>,
    /// Unix milliseconds of the newest message (or of creation).
    pub last_activity: u64,
    /// Id of the newest message (0 when there is none).
    pub last_id: u64,
    /// The id of the last message you have read (0: none).
    #[oai(default)]
    pub read: u64,
    /// Messages by others after it (at most 100: then "100 or more").
    #[oai(default)]
    pub unread: u32,
    /// Of those, the ones that call you.
    #[oai(default)]
    pub mentions: u32,
    /// What calls you back from it: `all`, `mentions` or `none` (none when you are not a
    /// member).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub notifications: Option<String>,
}

impl RoomSummary {
    /// The room as `actor`, holding `membership`, sees it. `people` matters for direct rooms
    /// only (see [`direct_people`]).
    pub fn new(
        actor: &Actor,
        room: &Room,
        membership: Option<&Membership>,
        people: Vec<Person>,
    ) -> Self {
        RoomSummary {
            id: room.id,
            kind: room.kind.as_str().to_owned(),
            name: room.name.clone(),
            topic: room.topic.clone(),
            role: membership.map(|m| m.role.as_str().to_owned()),
            may: May::of(actor, room, membership),
            archived: room.archived_at.is_some(),
            people,
            last_activity: room.last_activity,
            last_id: room.last_id,
            read: 0,
            unread: 0,
            mentions: 0,
            notifications: membership.map(|m| m.level(room.kind).as_str().to_owned()),
        }
    }

    /// With what you have not read in it.
    pub fn with_unread(mut self, unread: Unread) -> Self {
        self.read = unread.read;
        self.unread = unread.messages;
        self.mentions = unread.mentions;
        self
    }
}

/// A direct room's people, sorted; empty for other rooms.
pub fn direct_people(snapshot: &Snapshot, room: &Room) -> Result<Vec<Person>, StoreError> {
    if room.kind != Kind::Direct {
        return Ok(Vec::new());
    }
    let mut users = Vec::new();
    for membership in snapshot.memberships_of(room.id)? {
        users.extend(snapshot.user(membership.user_id)?);
    }
    Ok(Person::sorted(users))
}

fn is_false(value: &bool) -> bool {
    !value
}
