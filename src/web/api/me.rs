//! Your own account: `/api/v1/me` (read it, change its names and DM setting, delete it after
//! your password), `/api/v1/me/sessions` (list, sign one out, sign out everywhere else) and
//! `/api/v1/me/recovery-codes` (a new set, after your password). Signing a session out
//! closes its open sockets at once.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::text::Text;
use super::{ApiTags, UserEnvelope};
use crate::auth::DeviceSession;
use crate::errors::Code;
use crate::people::ProfileChanges;
use crate::store::DmFrom;
use crate::web::AppState;
use crate::web::error::ApiError;

/// A signed-in device.
#[derive(Debug, Object)]
struct SessionView {
    /// Names the session in `DELETE /me/sessions/{id}`.
    id: String,
    /// This request's own session.
    current: bool,
    /// The browser and system, from its user agent: "Firefox on Linux".
    device: String,
    /// The address it signed in from.
    ip: Option<String>,
    /// Unix milliseconds.
    signed_in: u64,
    /// Unix milliseconds, to within ten minutes.
    last_active: u64,
}

impl From<DeviceSession> for SessionView {
    fn from(s: DeviceSession) -> Self {
        SessionView {
            id: s.id,
            current: s.current,
            device: s.device,
            ip: s.ip,
            signed_in: s.signed_in,
            last_active: s.last_active,
        }
    }
}

#[derive(Debug, Object)]
struct SessionList {
    /// This one first, then the most recently active.
    sessions: Vec<SessionView>,
}

/// Your password, to confirm a change that matters.
#[derive(Debug, Object)]
struct PasswordConfirmation {
    password: Text,
}

#[derive(Debug, Object)]
struct RecoveryCodes {
    /// Ten one-time codes; the ones you had before no longer work. Shown this once.
    codes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum DmSetting {
    Everyone,
    Friends,
}

/// Changes to your account: any of them; what is absent stays as it is.
#[derive(Debug, Object)]
struct AccountChanges {
    /// Shown beside your username: 1–64 characters of any script, no control characters.
    /// Empty: none.
    display_name: MaybeUndefined<Text>,
    /// A new username (same rules as at sign-up). Your old one keeps leading to you, and
    /// stays taken, for 30 days.
    #[oai(validator(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9_.\-]+$"))]
    username: MaybeUndefined<Text>,
    /// Who may open a direct room with you: `everyone` or only `friends`.
    dm_from: MaybeUndefined<DmSetting>,
    /// `true`: notifications (pushed, or shown by an open page) say only "New message", not
    /// who wrote, where, or what.
    private_notifications: MaybeUndefined<bool>,
}

#[derive(ApiResponse)]
enum MeResponse {
    /// The signed-in account.
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>),
}

#[derive(ApiResponse)]
enum SessionsResponse {
    #[oai(status = 200)]
    Ok(Json<SessionList>),
}

#[derive(ApiResponse)]
enum SignedOutResponse {
    /// Signed out; its open sockets are closed.
    #[oai(status = 204)]
    Done,
}

/// Deleting your account: your password, and whether your messages go too.
#[derive(Debug, Object)]
struct AccountDeletion {
    password: Text,
    /// Delete every message you wrote as well (in the rooms you belong to); otherwise they
    /// stay, shown as written by "Deleted user".
    #[oai(default)]
    delete_messages: bool,
}

#[derive(ApiResponse)]
enum DeletedResponse {
    /// The account is deleted; every session of it has ended and the cookie is cleared.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum CodesResponse {
    #[oai(status = 201)]
    Created(Json<RecoveryCodes>),
}

pub struct MeApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl MeApi {
    /// Your signed-in devices.
    #[oai(path = "/me/sessions", method = "get")]
    async fn sessions(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<SessionsResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let sessions = state.auth.sessions(&session).await?;
        Ok(SessionsResponse::Ok(Json(SessionList {
            sessions: sessions.into_iter().map(SessionView::from).collect(),
        })))
    }

    /// Sign out every device but this one.
    #[oai(path = "/me/sessions", method = "delete")]
    async fn end_others(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<SignedOutResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.auth.end_other_sessions(&session).await?;
        Ok(SignedOutResponse::Done)
    }

    /// Sign out one of your devices (this one too, if you name it). 404 `session_not_found`
    /// for an id that is not one of yours.
    #[oai(path = "/me/sessions/:id", method = "delete")]
    async fn end_one(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<SignedOutResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.auth.end_session(&session, &id.0).await?;
        Ok(SignedOutResponse::Done)
    }

    /// Ten new recovery codes, after your password; the old ones stop working.
    #[oai(path = "/me/recovery-codes", method = "post")]
    async fn new_codes(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<PasswordConfirmation>,
    ) -> Result<CodesResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let codes = state
            .auth
            .new_recovery_codes(&session, &body.password)
            .await?;
        Ok(CodesResponse::Created(Json(RecoveryCodes { codes })))
    }

    /// Delete your account, after your password: it is disabled and anonymised ("Deleted
    /// user"), its sessions end, its picture and recovery codes go. 400
    /// `wrong_current_password` changes nothing.
    #[oai(path = "/me", method = "delete")]
    async fn delete_account(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<AccountDeletion>,
    ) -> Result<DeletedResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let erase = body.delete_messages.then_some(&*state.rooms);
        state
            .auth
            .delete_account(&session, &body.password, erase)
            .await?;
        Ok(DeletedResponse::Done(crate::web::cookie::clear_session(
            state.tls,
        )))
    }

    /// The signed-in account.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, state: Data<&Arc<AppState>>, req: &Request) -> Result<MeResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        Ok(MeResponse::Ok(Json(UserEnvelope::of(&session.user))))
    }

    /// Change your account's settings.
    #[oai(path = "/me", method = "patch")]
    async fn update_me(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<AccountChanges>,
    ) -> Result<MeResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let changes = body.0;
        let username = match changes.username {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Value(name) => Some(name.0),
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    Code::InvalidUsername,
                    "Every account has a username; leave it out to keep yours.",
                ));
            }
        };
        let display_name = match changes.display_name {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Value(name) => Some(name.0),
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    Code::InvalidDisplayName,
                    "To have no display name, send an empty one.",
                ));
            }
        };
        let dm_from = match changes.dm_from {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Value(DmSetting::Everyone) => Some(DmFrom::Everyone),
            MaybeUndefined::Value(DmSetting::Friends) => Some(DmFrom::Friends),
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    Code::BadRequest,
                    "dm_from is `everyone` or `friends`; leave it out to keep it as it is.",
                ));
            }
        };
        let private_notifications = match changes.private_notifications {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Value(private) => Some(private),
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    Code::BadRequest,
                    "private_notifications is true or false; leave it out to keep it as it is.",
                ));
            }
        };
        let changes = ProfileChanges {
            username,
            display_name,
            dm_from,
            private_notifications,
        };
        let user = state
            .people
            .change_profile(session.user.id, changes)
            .await?;
        Ok(MeResponse::Ok(Json(UserEnvelope::of(&user))))
    }
}
