//! Who may sign up and who may make rooms (`GET`/`PUT /api/v1/admin/settings`), and the
//! server's invite links (`POST`/`GET /api/v1/admin/invites`, `DELETE
//! /api/v1/admin/invites/{id}`), for admins only.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::admin;
use crate::auth::{InviteInfo, Settings};
use crate::errors::{Code, Failure};
use crate::store::{RoomCreation, Signup};
use crate::web::api::ApiTags;
use crate::web::error::ApiError;
use crate::web::{AppState, site_origin};

/// Who may make an account by signing up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum SignupSetting {
    /// Anyone.
    Open,
    /// Only with one of the server's invite links.
    Invite,
    /// Nobody: the operator makes accounts (`confab user add`).
    Closed,
}

/// Who may make new named rooms (anyone may start a conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum RoomCreationSetting {
    Everyone,
    Admins,
}

impl From<Signup> for SignupSetting {
    fn from(signup: Signup) -> Self {
        match signup {
            Signup::Open => SignupSetting::Open,
            Signup::Invite => SignupSetting::Invite,
            Signup::Closed => SignupSetting::Closed,
        }
    }
}

impl From<SignupSetting> for Signup {
    fn from(setting: SignupSetting) -> Self {
        match setting {
            SignupSetting::Open => Signup::Open,
            SignupSetting::Invite => Signup::Invite,
            SignupSetting::Closed => Signup::Closed,
        }
    }
}

impl From<RoomCreation> for RoomCreationSetting {
    fn from(who: RoomCreation) -> Self {
        match who {
            RoomCreation::Everyone => RoomCreationSetting::Everyone,
            RoomCreation::Admins => RoomCreationSetting::Admins,
        }
    }
}

impl From<RoomCreationSetting> for RoomCreation {
    fn from(setting: RoomCreationSetting) -> Self {
        match setting {
            RoomCreationSetting::Everyone => RoomCreation::Everyone,
            RoomCreationSetting::Admins => RoomCreation::Admins,
        }
    }
}

#[derive(Debug, Object)]
struct SettingsView {
    signup: SignupSetting,
    /// Whether an admin chose `signup`; if not, the command line's `--open-signup` decides.
    signup_chosen: bool,
    room_creation: RoomCreationSetting,
}

impl From<Settings> for SettingsView {
    fn from(settings: Settings) -> Self {
        SettingsView {
            signup: settings.signup.into(),
            signup_chosen: settings.signup_chosen,
            room_creation: settings.room_creation.into(),
        }
    }
}

/// The settings to change; what is left out stays.
#[derive(Debug, Object)]
struct SettingsChange {
    #[oai(nullable)]
    signup: Option<SignupSetting>,
    #[oai(nullable)]
    room_creation: Option<RoomCreationSetting>,
}

#[derive(Debug, Object)]
struct NewServerInvite {
    /// Seconds it works for; none: until revoked.
    #[oai(
        nullable,
        validator(minimum(value = "60"), maximum(value = "31536000"))
    )]
    expires_in_s: Option<u64>,
    /// Accounts it may make; none: any number.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "1000")))]
    max_uses: Option<u32>,
}

#[derive(Debug, Object)]
struct ServerInviteMade {
    /// The sign-up address with the invite's code: shown this once, never kept.
    url: String,
    /// Names the link for `DELETE /admin/invites/{id}`.
    id: String,
}

/// An invite link, without its code (which is not kept).
#[derive(Debug, Object)]
struct ServerInviteView {
    id: String,
    /// Who made it.
    created_by: String,
    /// Unix milliseconds.
    created_at: u64,
    /// Unix milliseconds; null: until revoked.
    #[oai(nullable)]
    expires_at: Option<u64>,
    /// null: any number.
    #[oai(nullable)]
    max_uses: Option<u32>,
    uses: u32,
    revoked: bool,
    /// It makes an account now.
    usable: bool,
}

impl From<InviteInfo> for ServerInviteView {
    fn from(invite: InviteInfo) -> Self {
        ServerInviteView {
            id: invite.id,
            created_by: invite.created_by,
            created_at: invite.created_at,
            expires_at: invite.expires_at,
            max_uses: invite.max_uses,
            uses: invite.uses,
            revoked: invite.revoked,
            usable: invite.usable,
        }
    }
}

#[derive(Debug, Object)]
struct ServerInviteList {
    /// Newest first.
    invites: Vec<ServerInviteView>,
}

#[derive(ApiResponse)]
enum SettingsResponse {
    #[oai(status = 200)]
    Ok(Json<SettingsView>),
}

#[derive(ApiResponse)]
enum ServerInviteMadeResponse {
    #[oai(status = 201)]
    Created(Json<ServerInviteMade>),
}

#[derive(ApiResponse)]
enum ServerInvitesResponse {
    #[oai(status = 200)]
    Ok(Json<ServerInviteList>),
}

#[derive(ApiResponse)]
enum InviteRevokedResponse {
    /// It no longer works.
    #[oai(status = 204)]
    Done,
}

pub struct AdminServerApi;

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminServerApi {
    /// Who may sign up and who may make rooms. Admins only.
    #[oai(path = "/admin/settings", method = "get")]
    async fn settings(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<SettingsResponse, ApiError> {
        admin(&state, req).await?;
        let settings = state.auth.settings().await?;
        Ok(SettingsResponse::Ok(Json(settings.into())))
    }

    /// Change who may sign up or who may make rooms; the answer is the settings now. A change
    /// is written to the audit log. Admins only.
    #[oai(path = "/admin/settings", method = "put")]
    async fn change_settings(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<SettingsChange>,
    ) -> Result<SettingsResponse, ApiError> {
        let by = admin(&state, req).await?;
        let change = body.0;
        state
            .auth
            .change_settings(
                &by,
                change.signup.map(Signup::from),
                change.room_creation.map(RoomCreation::from),
            )
            .await?;
        let settings = state.auth.settings().await?;
        Ok(SettingsResponse::Ok(Json(settings.into())))
    }

    /// A new invite link to sign up with: its address is in this answer only. 409
    /// `too_many_invites` past 100 working links. Admins only.
    #[oai(path = "/admin/invites", method = "post")]
    async fn create_invite(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewServerInvite>,
    ) -> Result<ServerInviteMadeResponse, ApiError> {
        let by = admin(&state, req).await?;
        let expires_in = body.0.expires_in_s.map(std::time::Duration::from_secs);
        let made = state
            .auth
            .create_server_invite(&by, expires_in, body.0.max_uses)
            .await?;
        let origin = site_origin(req, state.tls);
        Ok(ServerInviteMadeResponse::Created(Json(ServerInviteMade {
            url: format!("{origin}/signup?invite={}", made.code),
            id: made.id,
        })))
    }

    /// Every invite link, newest first. Admins only.
    #[oai(path = "/admin/invites", method = "get")]
    async fn invites(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<ServerInvitesResponse, ApiError> {
        admin(&state, req).await?;
        let invites = state.auth.server_invites().await?;
        Ok(ServerInvitesResponse::Ok(Json(ServerInviteList {
            invites: invites.into_iter().map(ServerInviteView::from).collect(),
        })))
    }

    /// Revoke an invite link: it makes no more accounts. 404 `invite_invalid` for an id that
    /// names no working link. Admins only.
    #[oai(path = "/admin/invites/:id", method = "delete")]
    async fn revoke_invite(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 16))] id: Path<String>,
    ) -> Result<InviteRevokedResponse, ApiError> {
        let by = admin(&state, req).await?;
        if !state.auth.revoke_server_invite(&by, &id.0).await? {
            return Err(ApiError::from(Failure::of(Code::InviteInvalid)));
        }
        Ok(InviteRevokedResponse::Done)
    }
}
