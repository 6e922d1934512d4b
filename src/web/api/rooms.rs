//! `/api/v1/rooms`: the rooms list, making a room, a room's details and settings, and its
//! history. A private room someone is not a member of answers exactly as a room that was
//! never made: 404 `room_not_found`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::names::RoomName;
use super::posting::{NewMessage, NewReaction, PostResponse, ReactResponse, post, react};
use super::text::Text;
use crate::access::{Actor, May, Scope};
use crate::people::Person;
use crate::rooms::RoomRef;
use crate::rooms::view::{MessageView, RoomSummary};
use crate::store::{HistoryQuery, Kind};
use crate::web::AppState;
use crate::web::error::ApiError;

/// How many open rooms the list shows besides your own.
const ROOM_LIST_LIMIT: usize = 50;

/// Messages in a history page when the request does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// A room in the list, with its activity.
#[derive(Debug, Object)]
struct RoomView {
    id: u64,
    /// The name as first created; null for a direct room.
    #[oai(nullable)]
    name: Option<String>,
    /// `open`, `private` or `direct`.
    kind: String,
    /// A direct room's people as they are shown, sorted by username, you included; absent
    /// for other rooms.
    #[oai(default, skip_serializing_if_is_empty)]
    people: Vec<Person>,
    /// Whether you are a member.
    member: bool,
    /// What you may do in it.
    may: May,
    /// Unix milliseconds of the newest message (or of creation).
    last_activity: u64,
    /// Id of the newest message (0 when there is none).
    last_message_id: u64,
    /// Distinct users online now.
    online: u64,
    /// The id of the last message you have read (0: none, or not a member).
    read: u64,
    /// Messages by others after it (at most 100: then "100 or more").
    unread: u32,
    /// Of those, the ones that call you.
    mentions: u32,
    /// What calls you back from it: `all`, `mentions` or `none` (absent when you are not a
    /// member).
    #[oai(skip_serializing_if_is_none)]
    notifications: Option<String>,
}

/// Where to move your read position.
#[derive(Debug, Object)]
struct ReadPosition {
    /// The id of the last message read: what follows it is unread.
    #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
    id: u64,
}

/// Your read position in a room and what is left after it.
#[derive(Debug, Object)]
struct ReadState {
    room_id: u64,
    /// The id of the last message read.
    id: u64,
    unread: u32,
    mentions: u32,
}

#[derive(ApiResponse)]
enum ReadResponse {
    #[oai(status = 200)]
    Ok(Json<ReadState>),
}

#[derive(Debug, Object)]
struct RoomList {
    rooms: Vec<RoomView>,
}

/// A page of history, oldest first.
#[derive(Debug, Object)]
pub struct MessagePage {
    /// The room's name; null for a direct room.
    pub room: Option<String>,
    pub room_id: u64,
    pub messages: Vec<MessageView>,
    /// More messages exist beyond this page in the requested direction.
    pub more: bool,
}

/// The two kinds of room that are made by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum NamedKind {
    Open,
    Private,
}

impl From<NamedKind> for Kind {
    fn from(kind: NamedKind) -> Kind {
        match kind {
            NamedKind::Open => Kind::Open,
            NamedKind::Private => Kind::Private,
        }
    }
}

/// A room to make.
#[derive(Debug, Object)]
struct NewRoom {
    name: RoomName,
    kind: NamedKind,
    /// At most 200 characters, on one line; absent or null for none.
    #[oai(
        nullable,
        validator(max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")
    )]
    topic: Option<Text>,
}

/// Changes to a room: any of them.
#[derive(Debug, Object)]
struct RoomChanges {
    name: Option<RoomName>,
    /// A new topic; null removes it.
    #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    topic: MaybeUndefined<String>,
    kind: Option<NamedKind>,
}

/// `{"room": {…}}`.
#[derive(Debug, Object)]
pub struct RoomEnvelope {
    pub room: RoomSummary,
}

#[derive(ApiResponse)]
enum RoomListResponse {
    #[oai(status = 200)]
    Ok(Json<RoomList>),
}

#[derive(ApiResponse)]
enum CreatedResponse {
    /// Made; you are its owner.
    #[oai(status = 201)]
    Created(Json<RoomEnvelope>),
}

#[derive(ApiResponse)]
enum RoomResponse {
    #[oai(status = 200)]
    Ok(Json<RoomEnvelope>),
}

#[derive(ApiResponse)]
pub enum MessagesResponse {
    #[oai(status = 200)]
    Ok(Json<MessagePage>),
}

pub struct RoomsApi;

/// Reads a page of a room's history for a signed-in person.
pub async fn history_page(
    state: &AppState,
    actor: Actor,
    room: RoomRef,
    before: Option<u64>,
    after: Option<u64>,
    limit: Option<u32>,
) -> Result<MessagesResponse, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    let query = HistoryQuery::from_bounds(before, after);
    let page = state
        .rooms
        .history(actor, room, query, limit as usize)
        .await?;
    Ok(MessagesResponse::Ok(Json(MessagePage {
        room_id: page.room.id,
        room: page.room.name,
        messages: page.messages,
        more: page.more,
    })))
}

#[OpenApi(tag = "ApiTags::Rooms")]
impl RoomsApi {
    /// The open rooms with the most recent activity and every room you are a member of,
    /// newest activity first, with how many people are online in each.
    #[oai(path = "/rooms", method = "get")]
    async fn rooms(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<RoomListResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Read).await?;
        let listing = state.rooms.listing(actor, ROOM_LIST_LIMIT).await?;
        let online = |id: u64| state.chat.hub.online_count(id) as u64;
        let member_of: std::collections::HashSet<u64> =
            listing.mine.iter().map(|room| room.id).collect();
        let mut rooms: Vec<RoomView> = listing
            .mine
            .into_iter()
            .map(|room| RoomView {
                online: online(room.id),
                id: room.id,
                kind: room.kind,
                people: room.people,
                member: true,
                may: room.may,
                name: room.name,
                last_activity: room.last_activity,
                last_message_id: room.last_id,
                read: room.read,
                unread: room.unread,
                mentions: room.mentions,
                notifications: room.notifications,
            })
            .collect();
        rooms.extend(
            listing
                .open
                .into_iter()
                .filter(|room| !member_of.contains(&room.id))
                .map(|room| RoomView {
                    online: online(room.id),
                    id: room.id,
                    kind: room.kind.as_str().to_owned(),
                    people: Vec::new(),
                    member: false,
                    may: May::of(&actor, &room, None),
                    name: room.name,
                    last_activity: room.last_activity,
                    last_message_id: room.last_id,
                    read: 0,
                    unread: 0,
                    mentions: 0,
                    notifications: None,
                }),
        );
        rooms.sort_by_key(|room| std::cmp::Reverse(room.last_activity));
        Ok(RoomListResponse::Ok(Json(RoomList { rooms })))
    }

    /// Make an open or private room; you become its owner. 409 `room_exists` when the name is
    /// taken by any room, including one you cannot see.
    #[oai(path = "/rooms", method = "post")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewRoom>,
    ) -> Result<CreatedResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let body = body.0;
        let visible = state
            .rooms
            .create(
                session.actor(),
                body.kind.into(),
                body.name.0,
                body.topic.map(|t| t.0),
            )
            .await?;
        let summary = RoomSummary::new(
            &session.actor(),
            &visible.room,
            visible.membership.as_ref(),
            Vec::new(),
        );
        Ok(CreatedResponse::Created(Json(RoomEnvelope {
            room: summary,
        })))
    }

    /// A room you may see, with your role in it.
    #[oai(path = "/rooms/:name", method = "get")]
    async fn room(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<RoomResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Read).await?;
        let room = RoomRef::Name(name.0.0);
        let summary = state.rooms.summary(actor, room).await?;
        Ok(RoomResponse::Ok(Json(RoomEnvelope { room: summary })))
    }

    /// Rename a room, change its topic, or make it open or private; owners only (others: 404
    /// if they cannot see the room, 403 if they can).
    #[oai(path = "/rooms/:name", method = "patch")]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<RoomChanges>,
    ) -> Result<RoomResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let actor = session.actor();
        let changes = body.0;
        let topic = match changes.topic {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(topic) => Some(Some(topic)),
        };
        let room = state.rooms.find(actor, RoomRef::Name(name.0.0)).await?.room;
        state
            .rooms
            .update(
                actor,
                RoomRef::Id(room.id),
                changes.name.map(|n| n.0),
                topic,
                changes.kind.map(Kind::from),
            )
            .await?;
        let summary = state.rooms.summary(actor, RoomRef::Id(room.id)).await?;
        Ok(RoomResponse::Ok(Json(RoomEnvelope { room: summary })))
    }

    /// Move your read position in a room you are a member of to a message id (back, too: the
    /// messages after it become unread again). 404 `not_a_member` in an open room you have not
    /// joined.
    #[oai(path = "/rooms/:name/read", method = "put")]
    async fn read(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<ReadPosition>,
    ) -> Result<ReadResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let (room_id, unread) = state
            .rooms
            .mark_read(
                session.actor(),
                RoomRef::Name(name.0.0),
                body.0.id,
                crate::rooms::changes::ReadMove::To,
            )
            .await?;
        Ok(ReadResponse::Ok(Json(ReadState {
            room_id,
            id: unread.read,
            unread: unread.messages,
            mentions: unread.mentions,
        })))
    }

    /// A page of a room's history, oldest first. Without `before` or `after`, the newest
    /// messages.
    #[oai(path = "/rooms/:name/messages", method = "get")]
    async fn messages(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case: 1–64 characters once surrounding white space is trimmed,
        /// no control characters.
        name: Path<RoomName>,
        /// Only messages with a smaller id.
        // The bounds say in the schema what `uint64` leaves unsaid: ids are never negative,
        // and they stay within the integers a JSON number carries exactly (2^53 - 1), which
        // the schema's `maximum`, a double, can also state exactly.
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        before: Query<Option<u64>>,
        /// Only messages with a larger id. With `before` too: the messages between the two,
        /// from `after` on.
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        after: Query<Option<u64>>,
        /// How many messages at most: 1–200, default 50.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<MessagesResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Read).await?;
        let room = RoomRef::Name(name.0.0);
        history_page(&state, actor, room, before.0, after.0, limit.0).await
    }

    /// Post a message to a room you may post in, with files you uploaded to it (at most 10;
    /// with files the text may be empty). It reaches every socket following the room.
    #[oai(path = "/rooms/:name/messages", method = "post")]
    async fn post_message(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<NewMessage>,
    ) -> Result<PostResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Post).await?;
        post(&state, actor, RoomRef::Name(name.0.0), body.0).await
    }

    /// React to a message of a room you may post in with one emoji; the same emoji again
    /// takes your reaction back. Every socket following the room sees the message anew.
    #[oai(path = "/rooms/:name/messages/:id/reactions", method = "post")]
    async fn react(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
        body: Json<NewReaction>,
    ) -> Result<ReactResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Post).await?;
        react(&state, actor, RoomRef::Name(name.0.0), id.0, body.0).await
    }
}
