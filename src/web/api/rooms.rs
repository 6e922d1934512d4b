//! `/api/v1/rooms` and a room's history.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::chat::MessageLog;
use crate::chat::names::check_room_name;
use crate::store::{MessageRange, StoredMessage};
use crate::web::AppState;
use crate::web::error::ApiError;

/// How many rooms the list shows.
const ROOM_LIST_LIMIT: usize = 50;

/// A room with its activity.
#[derive(Debug, Object)]
struct RoomView {
    /// The name as first created.
    name: String,
    /// Unix milliseconds of the newest message (or of creation).
    last_activity: u64,
    /// Id of the newest message (0 when there is none).
    last_message_id: u64,
    /// Distinct users online now.
    online: u64,
}

#[derive(Debug, Object)]
struct RoomList {
    rooms: Vec<RoomView>,
}

/// A chat message.
#[derive(Debug, Object)]
struct MessageView {
    room: String,
    /// Increases strictly within a room; never reused.
    id: u64,
    user: String,
    text: String,
    /// Unix milliseconds.
    ts: u64,
    #[oai(skip_serializing_if_is_none)]
    client_id: Option<String>,
}

impl MessageView {
    fn new(room: &str, m: StoredMessage) -> Self {
        MessageView {
            room: room.to_owned(),
            id: m.id,
            user: m.user,
            text: m.text,
            ts: m.ts,
            client_id: m.client_id,
        }
    }
}

#[derive(Debug, Object)]
struct MessagePage {
    room: String,
    /// Oldest first.
    messages: Vec<MessageView>,
    /// More messages exist beyond this page in the requested direction.
    more: bool,
}

#[derive(ApiResponse)]
enum RoomListResponse {
    #[oai(status = 200)]
    Ok(Json<RoomList>),
}

#[derive(ApiResponse)]
enum MessagesResponse {
    #[oai(status = 200)]
    Ok(Json<MessagePage>),
}

pub struct RoomsApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl RoomsApi {
    /// Rooms with the most recent activity, and how many people are online in each.
    #[oai(path = "/rooms", method = "get")]
    async fn rooms(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<RoomListResponse, ApiError> {
        state
            .session(req)
            .await
            .ok_or_else(ApiError::not_signed_in)?;
        let store = Arc::clone(&state.store);
        let rooms = tokio::task::spawn_blocking(move || store.active_rooms(ROOM_LIST_LIMIT))
            .await
            .map_err(|_| ApiError::from(crate::store::StoreError::Unavailable))??;
        let rooms = rooms
            .into_iter()
            .map(|room| RoomView {
                online: state.chat.hub.online_count(room.id) as u64,
                name: room.name,
                last_activity: room.last_activity,
                last_message_id: room.last_id,
            })
            .collect();
        Ok(RoomListResponse::Ok(Json(RoomList { rooms })))
    }

    /// A page of a room's history, oldest first. Without `before` or `after`, the newest
    /// messages.
    #[oai(path = "/rooms/:name/messages", method = "get")]
    async fn messages(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<String>,
        /// Only messages with a smaller id.
        before: Query<Option<u64>>,
        /// Only messages with a larger id.
        after: Query<Option<u64>>,
        /// 1–200, default 50.
        limit: Query<Option<u32>>,
    ) -> Result<MessagesResponse, ApiError> {
        state
            .session(req)
            .await
            .ok_or_else(ApiError::not_signed_in)?;
        let name = check_room_name(&name)
            .map_err(|reason| ApiError::bad_request("invalid_room", reason))?
            .to_owned();
        let limit = limit.0.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::bad_request(
                "bad_request",
                "limit must be between 1 and 200.",
            ));
        }
        let range = match (before.0, after.0) {
            (Some(before), None) => MessageRange::Before(before),
            (None, Some(after)) => MessageRange::After(after),
            (None, None) => MessageRange::Latest,
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "bad_request",
                    "Give either before or after, not both.",
                ));
            }
        };
        let store = Arc::clone(&state.store);
        let found = tokio::task::spawn_blocking(move || {
            let Some(room) = store.find_room(&name)? else {
                return Ok(None);
            };
            let page = store.read_range(room.id, range, limit as usize)?;
            Ok::<_, crate::store::StoreError>(Some((room, page)))
        })
        .await
        .map_err(|_| ApiError::from(crate::store::StoreError::Unavailable))?
        .map_err(ApiError::from)?;
        let Some((room, page)) = found else {
            return Err(ApiError::not_found(
                "room_not_found",
                "No room has that name yet.",
            ));
        };
        let messages = page
            .messages
            .into_iter()
            .map(|m| MessageView::new(&room.name, m))
            .collect();
        Ok(MessagesResponse::Ok(Json(MessagePage {
            room: room.name,
            messages,
            more: page.more,
        })))
    }
}
