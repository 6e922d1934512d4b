//! `PUT /api/v1/rooms/{name}/notifications` and `PUT /api/v1/dm/{id}/notifications`: a member
//! chooses what calls them back from a room (`all`, `mentions`, `none`). The answer is the
//! room as their list shows it, with its new `notifications`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::direct::direct_room;
use super::names::RoomName;
use super::rooms::RoomEnvelope;
use crate::access::Actor;
use crate::rooms::RoomRef;
use crate::rooms::changes::SetLevel;
use crate::store::Level;
use crate::web::AppState;
use crate::web::error::ApiError;

/// What calls you back from a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum LevelName {
    /// Every message by someone else (the default of a direct room).
    All,
    /// Messages that call you: by name, `@here` while you are online, `@room` (the default of
    /// other rooms).
    Mentions,
    /// Nothing.
    None,
}

impl From<LevelName> for Level {
    fn from(level: LevelName) -> Level {
        match level {
            LevelName::All => Level::All,
            LevelName::Mentions => Level::Mentions,
            LevelName::None => Level::None,
        }
    }
}

/// A new level.
#[derive(Debug, Object)]
struct NewLevel {
    level: LevelName,
}

#[derive(ApiResponse)]
enum LevelResponse {
    /// Set; the room as your list shows it now.
    #[oai(status = 200)]
    Ok(Json<RoomEnvelope>),
}

async fn set(
    state: &AppState,
    actor: Actor,
    room: RoomRef,
    level: LevelName,
) -> Result<LevelResponse, ApiError> {
    let level = level.into();
    let summary = state.rooms.apply(SetLevel { actor, room, level }).await?;
    Ok(LevelResponse::Ok(Json(RoomEnvelope { room: summary })))
}

pub struct NotificationsApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl NotificationsApi {
    /// Choose what calls you back from a room you are a member of. 404 for a room you cannot
    /// see (as for no room), 404 `not_a_member` for an open room you have not joined.
    #[oai(path = "/rooms/:name/notifications", method = "put")]
    async fn set_for_room(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<NewLevel>,
    ) -> Result<LevelResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        set(
            &state,
            session.actor(),
            RoomRef::Name(name.0.0),
            body.0.level,
        )
        .await
    }

    /// Choose what calls you back from a direct room you are in, as for a room.
    #[oai(path = "/dm/:id/notifications", method = "put")]
    async fn set_for_direct(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
        body: Json<NewLevel>,
    ) -> Result<LevelResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        direct_room(&state, session.actor(), id.0).await?;
        set(&state, session.actor(), RoomRef::Id(id.0), body.0.level).await
    }
}
