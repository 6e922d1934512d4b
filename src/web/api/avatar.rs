//! Your picture: `PUT /api/v1/me/avatar` with the image as the body and its type in
//! `Content-Type`, `DELETE /api/v1/me/avatar` to go back to initials. The server decodes the
//! upload under limits and keeps only its own re-encoding (see `crate::images`).

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiRequest, ApiResponse, OpenApi};

use super::{ApiTags, UserEnvelope};
use crate::web::AppState;
use crate::web::error::ApiError;

/// A picture: PNG, JPEG, WebP or GIF (its first frame), at most 5 MiB and 4096×4096 pixels.
/// Its type is read from its bytes; `Content-Type` only has to be one of these.
#[derive(ApiRequest)]
enum AvatarUpload {
    #[oai(content_type = "image/png")]
    Png(Binary<Vec<u8>>),
    #[oai(content_type = "image/jpeg")]
    Jpeg(Binary<Vec<u8>>),
    #[oai(content_type = "image/webp")]
    WebP(Binary<Vec<u8>>),
    #[oai(content_type = "image/gif")]
    Gif(Binary<Vec<u8>>),
    /// Refused with 400 `bad_image` (unless the bytes are one of the others): an SVG can
    /// carry script.
    #[oai(content_type = "image/svg+xml")]
    Svg(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
enum AvatarResponse {
    /// The account, with its new `avatar_url`.
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>),
}

pub struct AvatarApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AvatarApi {
    /// Set your picture. It is cropped square from the middle and served at 256 and 64
    /// pixels; 400 `bad_image` says why a file will not do, 413 when it is over 5 MiB.
    #[oai(path = "/me/avatar", method = "put")]
    async fn set_avatar(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: AvatarUpload,
    ) -> Result<AvatarResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let bytes = match body {
            AvatarUpload::Png(bytes)
            | AvatarUpload::Jpeg(bytes)
            | AvatarUpload::WebP(bytes)
            | AvatarUpload::Gif(bytes)
            | AvatarUpload::Svg(bytes) => bytes.0,
        };
        let user = state.people.set_avatar(session.user.id, bytes).await?;
        Ok(AvatarResponse::Ok(Json(UserEnvelope::of(&user))))
    }

    /// Remove your picture: your initials are shown instead.
    #[oai(path = "/me/avatar", method = "delete")]
    async fn remove_avatar(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<AvatarResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let user = state.people.remove_avatar(session.user.id).await?;
        Ok(AvatarResponse::Ok(Json(UserEnvelope::of(&user))))
    }
}
