//! Uploading a file into a room: `POST /api/v1/rooms/{name}/files?name=FILENAME` and, for a
//! direct room, `POST /api/v1/dm/{id}/files?name=FILENAME`, with the file as the body and its
//! type in `Content-Type`. These two routes stream their body to disk under
//! `--max-upload-bytes`; every other route keeps the small-body cap (`web::security`).

use std::sync::Arc;

use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::direct::direct_room;
use super::names::RoomName;
use crate::access::{Actor, Scope};
use crate::files::FileView;
use crate::files::upload::{Deadlines, NewUpload};
use crate::rooms::RoomRef;
use crate::web::AppState;
use crate::web::error::ApiError;

/// How many times the usual body deadline a whole upload may take: a 25 MiB file over a slow
/// phone connection takes minutes, but no chunk may stall longer than the usual deadline.
const WHOLE_UPLOAD_DEADLINES: u32 = 20;

/// `{"file": {…}}`.
#[derive(Debug, Object)]
struct FileEnvelope {
    file: FileView,
}

#[derive(ApiResponse)]
enum UploadResponse {
    /// Stored; send it with a message (`files` of the socket's `send` or of a posted message)
    /// in this room. Unsent, it is removed after a day.
    #[oai(status = 201)]
    Created(Json<FileEnvelope>),
}

pub struct FilesApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl FilesApi {
    /// Upload a file to a room you may post in, to attach to a message there: the raw file as
    /// the body, its type in `Content-Type`. 413 `file_too_large` over the server's size
    /// limit, 413 `quota_exceeded` past what you may keep, 400 `empty_file` for no bytes, 404
    /// for a room you cannot read (as for no room).
    #[oai(path = "/rooms/:name/files", method = "post")]
    async fn upload_to_room(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        #[oai(name = "name")]
        room: Path<RoomName>,
        /// The file's name; a path is cut to its last part.
        #[oai(name = "name")]
        file_name: Query<String>,
        body: Binary<Body>,
    ) -> Result<UploadResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Post).await?;
        let room = RoomRef::Name(room.0.0);
        upload(&state, req, actor, room, file_name.0, body.0).await
    }

    /// Upload a file to a direct room you are in, as `/rooms/{name}/files`.
    #[oai(path = "/dm/:id/files", method = "post")]
    async fn upload_to_direct(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
        /// The file's name; a path is cut to its last part.
        name: Query<String>,
        body: Binary<Body>,
    ) -> Result<UploadResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Post).await?;
        direct_room(&state, actor, id.0).await?;
        upload(&state, req, actor, RoomRef::Id(id.0), name.0, body.0).await
    }
}

async fn upload(
    state: &AppState,
    req: &Request,
    actor: Actor,
    room: RoomRef,
    name: String,
    body: Body,
) -> Result<UploadResponse, ApiError> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let upload = NewUpload {
        actor,
        room,
        name,
        declared_type: header(poem::http::header::CONTENT_TYPE).map(str::to_owned),
        declared_size: header(poem::http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
    };
    let idle = state.http_timeouts.request_body;
    let deadlines = Deadlines {
        idle,
        whole: idle * WHOLE_UPLOAD_DEADLINES,
    };
    let file = state
        .files
        .upload(upload, body.into_bytes_stream(), deadlines)
        .await?;
    Ok(UploadResponse::Created(Json(FileEnvelope { file })))
}
