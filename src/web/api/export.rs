//! `GET /api/v1/rooms/{name}/export`: a room's owners download it, its messages, members and
//! files, as the zip `crate::export` describes. Anyone else who can see the room gets 403; a
//! private room someone is not in answers 404, as for no room.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::Path;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, OpenApi};
use tokio::io::{AsyncRead, ReadBuf};

use super::ApiTags;
use super::names::RoomName;
use crate::files::names::{clean_name, content_disposition};
use crate::operator::actions::format_utc;
use crate::rooms::{ExportTurn, RoomRef};
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

/// The zip as it is downloaded, holding its owner's turn until the download ends.
struct Download {
    file: tokio::fs::File,
    _turn: ExportTurn,
}

impl AsyncRead for Download {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().file).poll_read(cx, buf)
    }
}

pub struct ExportApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl ExportApi {
    /// Download a room you own: its members, every message and every attached file. 403 for
    /// a member who does not own it, 404 for a room you cannot see (as for no room), 429
    /// while your previous download is still under way.
    #[oai(path = "/rooms/:name/export", method = "get")]
    async fn export(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<ExportResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let export = state
            .rooms
            .export(session.actor(), RoomRef::Name(name.0.0), &state.files)
            .await?;
        let day = &format_utc(state.clock.now_ms())[..10];
        let room = export
            .room
            .name
            .unwrap_or_default()
            .replace(['/', '\\'], "-");
        let file_name = clean_name(&format!("{room}-{day}.zip"));
        let body = Body::from_async_read(Download {
            file: tokio::fs::File::from_std(export.file),
            _turn: export.turn,
        });
        Ok(ExportResponse::Ok(
            Binary(body),
            content_disposition(&file_name, false),
        ))
    }
}
