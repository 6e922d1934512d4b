//! Direct rooms: `/api/v1/dm`. One room per exact set of 2–8 people, the same whoever opens it;
//! its history at `/api/v1/dm/{id}/messages`; leaving hides it until its next message.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::posting::{NewMessage, NewReaction, PostResponse, ReactResponse, post, react};
use super::rooms::{MessagesResponse, history_page};
use crate::access::{Actor, Scope};
use crate::people::Person;
use crate::rooms::RoomRef;
use crate::web::AppState;
use crate::web::error::ApiError;

/// The other people of a direct room (you are added).
#[derive(Debug, Object)]
struct NewDirect {
    /// 1–7 usernames.
    #[oai(validator(min_items = 1, max_items = 7))]
    usernames: Vec<String>,
}

/// A direct room.
#[derive(Debug, Object)]
struct DirectView {
    id: u64,
    /// Always `direct`.
    kind: String,
    /// Everyone in it as they are shown, sorted by username, you included.
    members: Vec<Person>,
}

#[derive(Debug, Object)]
struct DirectEnvelope {
    room: DirectView,
}

#[derive(ApiResponse)]
enum DirectResponse {
    /// The room of exactly these people, made now or before.
    #[oai(status = 200)]
    Ok(Json<DirectEnvelope>),
}

#[derive(ApiResponse)]
enum HiddenResponse {
    /// Hidden from your rooms until its next message.
    #[oai(status = 204)]
    Done,
}

pub struct DirectApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl DirectApi {
    /// Open the direct room of you and these people. 403 `dm_refused`, saying why, when one
    /// of them accepts messages only from friends or blocked you.
    #[oai(path = "/dm", method = "post")]
    async fn open(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewDirect>,
    ) -> Result<DirectResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let visible = state
            .rooms
            .open_direct(session.actor(), body.0.usernames)
            .await?;
        let summary = state
            .rooms
            .summary(session.actor(), RoomRef::Id(visible.room.id))
            .await?;
        Ok(DirectResponse::Ok(Json(DirectEnvelope {
            room: DirectView {
                id: summary.id,
                kind: summary.kind,
                members: summary.people,
            },
        })))
    }

    /// A page of a direct room's history, oldest first, as `/rooms/{name}/messages`.
    #[oai(path = "/dm/:id/messages", method = "get")]
    async fn messages(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
        /// Only messages with a smaller id.
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        before: Query<Option<u64>>,
        /// Only messages with a larger id.
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        after: Query<Option<u64>>,
        /// How many messages at most: 1–200, default 50.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<MessagesResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Read).await?;
        direct_room(&state, actor, id.0).await?;
        history_page(&state, actor, RoomRef::Id(id.0), before.0, after.0, limit.0).await
    }

    /// Post a message to a direct room you are in, as `POST /rooms/{name}/messages`.
    #[oai(path = "/dm/:id/messages", method = "post")]
    async fn post_message(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
        body: Json<NewMessage>,
    ) -> Result<PostResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Post).await?;
        direct_room(&state, actor, id.0).await?;
        post(&state, actor, RoomRef::Id(id.0), body.0).await
    }

    /// React to a message of a direct room you are in, as
    /// `POST /rooms/{name}/messages/{id}/reactions`.
    #[oai(path = "/dm/:id/messages/:message_id/reactions", method = "post")]
    async fn react(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        message_id: Path<u64>,
        body: Json<NewReaction>,
    ) -> Result<ReactResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Post).await?;
        direct_room(&state, actor, id.0).await?;
        react(&state, actor, RoomRef::Id(id.0), message_id.0, body.0).await
    }

    /// Hide a direct room from your rooms; its next message brings it back.
    #[oai(path = "/dm/:id", method = "delete")]
    async fn hide(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
    ) -> Result<HiddenResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let actor = session.actor();
        direct_room(&state, actor, id.0).await?;
        state
            .rooms
            .remove_member(actor, RoomRef::Id(id.0), session.user.username, None)
            .await?;
        Ok(HiddenResponse::Done)
    }
}

/// Checks that `id` is a direct room `actor` may see. Addressed by id, any kind of room
/// would be found: these doors serve direct rooms only, and answer for others as for none.
pub(super) async fn direct_room(state: &AppState, actor: Actor, id: u64) -> Result<(), ApiError> {
    let summary = state.rooms.summary(actor, RoomRef::Id(id)).await?;
    if summary.kind != "direct" {
        return Err(crate::rooms::RoomError::NotFound.into());
    }
    Ok(())
}
