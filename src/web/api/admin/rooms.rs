//! The rooms over the API, for admins: `GET /api/v1/admin/rooms` (every open and private room,
//! a private one by its name, kind and size only), `POST /api/v1/admin/rooms/{name}/archive`
//! and `…/unarchive` (read only, or open again), and `DELETE /api/v1/admin/rooms/{name}` (the
//! room and everything said in it). Each change is written into the audit log.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::admin;
use crate::store::{Kind, Room};
use crate::web::AppState;
use crate::web::api::ApiTags;
use crate::web::api::names::RoomName;
use crate::web::error::ApiError;

/// A room as the admins' list shows it: a private room by its name, kind and size only.
#[derive(Debug, Object)]
struct AdminRoomView {
    id: u64,
    name: String,
    /// `open` or `private`.
    kind: String,
    members: u32,
    /// Archived: it can be read, and nothing in it changes.
    archived: bool,
    /// Unix milliseconds; null for a private room.
    #[oai(nullable)]
    last_activity: Option<u64>,
    /// Unix milliseconds; null for a private room.
    #[oai(nullable)]
    created_at: Option<u64>,
}

impl From<&Room> for AdminRoomView {
    fn from(room: &Room) -> Self {
        let open = room.kind == Kind::Open;
        AdminRoomView {
            id: room.id,
            name: room.name.clone().unwrap_or_default(),
            kind: room.kind.as_str().to_owned(),
            members: room.members,
            archived: room.archived_at.is_some(),
            last_activity: open.then_some(room.last_activity),
            created_at: open.then_some(room.created_at),
        }
    }
}

#[derive(Debug, Object)]
struct AdminRoomList {
    /// By name.
    rooms: Vec<AdminRoomView>,
    /// More rooms match than were listed.
    more: bool,
}

#[derive(ApiResponse)]
enum RoomsResponse {
    #[oai(status = 200)]
    Ok(Json<AdminRoomList>),
}

#[derive(Debug, Object)]
struct ArchiveDone {
    /// False when the room already was that way.
    changed: bool,
}

#[derive(ApiResponse)]
enum ArchiveResponse {
    #[oai(status = 200)]
    Ok(Json<ArchiveDone>),
}

#[derive(ApiResponse)]
enum DeleteRoomResponse {
    /// Deleted: nobody finds it from now on, its name is free, and its messages are being
    /// erased.
    #[oai(status = 204)]
    Done,
}

pub struct AdminRoomsApi;

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminRoomsApi {
    /// Every open and private room whose name holds `q`, by name; a private room by its name,
    /// kind and size only. Conversations are not listed. Admins only.
    #[oai(path = "/admin/rooms", method = "get")]
    async fn rooms(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] q: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u32>>,
    ) -> Result<RoomsResponse, ApiError> {
        let by = admin(&state, req).await?;
        let limit = limit.0.unwrap_or(50) as usize;
        let holding = q.0.unwrap_or_default();
        let (rooms, more) = state.rooms.directory(&by, &holding, limit).await?;
        Ok(RoomsResponse::Ok(Json(AdminRoomList {
            rooms: rooms.iter().map(AdminRoomView::from).collect(),
            more,
        })))
    }

    /// Archive a room: it can still be read, joined and left, and nothing in it changes (no
    /// messages, edits, reactions, settings or invite links: 409 `room_archived`). Written to
    /// the audit log. 404 `room_not_found` for no such open or private room. Admins only.
    #[oai(path = "/admin/rooms/:name/archive", method = "post")]
    async fn archive(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<ArchiveResponse, ApiError> {
        let by = admin(&state, req).await?;
        let changed = state.rooms.archive(&by, &name.0, true).await?;
        Ok(ArchiveResponse::Ok(Json(ArchiveDone { changed })))
    }

    /// Open an archived room again. Written to the audit log. Admins only.
    #[oai(path = "/admin/rooms/:name/unarchive", method = "post")]
    async fn unarchive(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<ArchiveResponse, ApiError> {
        let by = admin(&state, req).await?;
        let changed = state.rooms.archive(&by, &name.0, false).await?;
        Ok(ArchiveResponse::Ok(Json(ArchiveDone { changed })))
    }

    /// Delete a room and everything said in it, for everyone at once: its members' pages are
    /// told, its name is free, and its messages and files are erased behind. Written to the
    /// audit log. Admins only.
    #[oai(path = "/admin/rooms/:name", method = "delete")]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<DeleteRoomResponse, ApiError> {
        let by = admin(&state, req).await?;
        state.rooms.delete_room(&by, &name.0).await?;
        Ok(DeleteRoomResponse::Done)
    }
}
