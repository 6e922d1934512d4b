//! `GET /api/v1/rooms/{name}/export`: a room's owners download it, its messages, members and
//! files, as the zip `crate::export` describes. Anyone else who can see the room gets 403; a
//! private room someone is not in answers 404, as for no room.

use std::sync::Arc;

use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::Path;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::names::RoomName;
use crate::files::names::{clean_name, content_disposition};
use crate::operator::actions::format_utc;
use crate::rooms::RoomRef;
use crate::web::AppState;
use crate::web::error::ApiError;

#[derive(ApiResponse)]
enum ExportResponse {
    /// The room as a zip: `rooms.jsonl`, `messages.jsonl`, `users.jsonl`, `files/SHA256` and
    /// `export.json`, which lists every entry with its size and SHA-256.
    #[oai(status = 200, content_type = "application/zip")]
    Ok(
        Binary<Body>,
        /// `attachment`, named after the room and the day.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

pub struct ExportApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl ExportApi {
    /// Download a room you own: its members, every message and every attached file. 403 for
    /// a member who does not own it, 404 for a room you cannot see (as for no room).
    #[oai(path = "/rooms/:name/export", method = "get")]
    async fn export(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<ExportResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let export = {
            // Held while the zip is written: every file its snapshot names stays to be copied.
            let _hold = state.files.hold_removals().await;
            state
                .rooms
                .export(
                    session.actor(),
                    RoomRef::Name(name.0.0),
                    state.files.blobs(),
                )
                .await?
        };
        let day = &format_utc(state.clock.now_ms())[..10];
        let room = export
            .room
            .name
            .unwrap_or_default()
            .replace(['/', '\\'], "-");
        let file_name = clean_name(&format!("{room}-{day}.zip"));
        let body = Body::from_async_read(tokio::fs::File::from_std(export.file));
        Ok(ExportResponse::Ok(
            Binary(body),
            content_disposition(&file_name, false),
        ))
    }
}
