//! `/api/v1/auth/*` and `/api/v1/me`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::text::Text;
use super::{ApiTags, UserEnvelope};
use crate::chat::CloseReason;
use crate::people::PeopleError;
use crate::store::DmFrom;
use crate::web::error::ApiError;
use crate::web::{AppState, cookie, device};

/// The username and password of a new account.
#[derive(Debug, Object)]
struct NewAccount {
    /// 3–32 characters of `A-Z a-z 0-9 _ . -`; unique regardless of case.
    #[oai(validator(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9_.\-]+$"))]
    username: Text,
    /// 8–1024 characters (not bytes), no composition rules.
    #[oai(validator(min_length = 8, max_length = 1024))]
    password: Text,
}

/// Username and password of an existing account. Not checked against the sign-up rules: any
/// pair that is not an account's gets the same "incorrect" answer.
#[derive(Debug, Object)]
struct Credentials {
    username: Text,
    password: Text,
}

/// Current and new password.
#[derive(Debug, Object)]
struct PasswordChange {
    /// The password the account has now.
    current: Text,
    /// 8–1024 characters (not bytes), no composition rules.
    #[oai(validator(min_length = 8, max_length = 1024))]
    new: Text,
}

/// A username, one recovery code and the new password.
#[derive(Debug, Object)]
struct Recovery {
    username: Text,
    /// One of the account's recovery codes, dashes and case as you like.
    code: Text,
    /// 8–1024 characters (not bytes), no composition rules.
    #[oai(validator(min_length = 8, max_length = 1024))]
    new_password: Text,
}

/// The new account and its recovery codes, shown this once.
#[derive(Debug, Object)]
struct NewAccountEnvelope {
    user: super::UserView,
    /// Ten one-time codes that can set a new password at `/recover`; only their hashes are
    /// kept, so this is the only time they can be read.
    recovery_codes: Vec<String>,
}

#[derive(ApiResponse)]
enum SignupResponse {
    /// Account created and signed in.
    #[oai(status = 201)]
    Created(
        Json<NewAccountEnvelope>,
        #[oai(header = "Set-Cookie")] String,
    ),
}

#[derive(ApiResponse)]
enum RecoverResponse {
    /// Password replaced, the code used up, every other session ended, and signed in.
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum LoginResponse {
    /// Signed in with a new session.
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum LogoutResponse {
    /// Signed out; the session is deleted and the cookie cleared.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum PasswordResponse {
    /// Password changed; every other session of the account has ended.
    #[oai(status = 204)]
    Done,
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
}

#[derive(ApiResponse)]
enum MeResponse {
    /// The signed-in account.
    #[oai(status = 200)]
    Ok(Json<UserEnvelope>),
}

pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Create an account and sign in.
    #[oai(path = "/auth/signup", method = "post")]
    async fn signup(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewAccount>,
    ) -> Result<SignupResponse, ApiError> {
        let signed_up = state
            .auth
            .sign_up(&body.username, &body.password, &device(req))
            .await?;
        state.end_presented_session(req).await;
        let signed_in = signed_up.signed_in;
        Ok(SignupResponse::Created(
            Json(NewAccountEnvelope {
                user: (&signed_in.user).into(),
                recovery_codes: signed_up.recovery_codes,
            }),
            cookie::set_session(&signed_in.token, state.tls),
        ))
    }

    /// Set a new password with a recovery code, and sign in. An unknown user, a wrong code and
    /// a used one get the same 401 `recovery_failed`; attempts count against the sign-in
    /// limits.
    #[oai(path = "/auth/recover", method = "post")]
    async fn recover(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<Recovery>,
    ) -> Result<RecoverResponse, ApiError> {
        let recovered = state
            .auth
            .recover(&body.username, &body.code, &body.new_password, &device(req))
            .await?;
        state.chat.hub.close_sessions(&recovered.ended);
        state.end_presented_session(req).await;
        let signed_in = recovered.signed_in;
        Ok(RecoverResponse::Ok(
            Json(UserEnvelope::of(&signed_in.user)),
            cookie::set_session(&signed_in.token, state.tls),
        ))
    }

    /// Sign in. Every sign-in starts a new session with a new token.
    #[oai(path = "/auth/login", method = "post")]
    async fn login(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<Credentials>,
    ) -> Result<LoginResponse, ApiError> {
        let signed_in = state
            .auth
            .sign_in(&body.username, &body.password, &device(req))
            .await?;
        state.end_presented_session(req).await;
        Ok(LoginResponse::Ok(
            Json(UserEnvelope::of(&signed_in.user)),
            cookie::set_session(&signed_in.token, state.tls),
        ))
    }

    /// Sign out: the session is deleted server-side and its open sockets are closed.
    #[oai(path = "/auth/logout", method = "post")]
    async fn logout(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<LogoutResponse, ApiError> {
        if let Some(token) = cookie::session_token(req.headers(), state.tls)
            && let Some(key) = state.auth.sign_out(token).await?
        {
            state.chat.hub.close_sessions(&[key]);
        }
        Ok(LogoutResponse::Done(cookie::clear_session(state.tls)))
    }

    /// Change the password; every other session of the account ends.
    #[oai(path = "/auth/password", method = "post")]
    async fn password(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<PasswordChange>,
    ) -> Result<PasswordResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let ended = state
            .auth
            .change_password(&session, &body.current, &body.new)
            .await?;
        state.chat.hub.close_sessions(&ended);
        Ok(PasswordResponse::Done)
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
        let mut user = session.user;
        let changes = body.0;
        // Checked before anything changes, so a refused request changes nothing.
        if let MaybeUndefined::Value(name) = &changes.display_name {
            crate::people::check_display_name(name).map_err(PeopleError::InvalidDisplayName)?;
        }
        let username = match changes.username {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Value(name) => Some(name.0),
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    "invalid_username",
                    "Every account has a username; leave it out to keep yours.",
                ));
            }
        };
        if let Some(name) = &username {
            crate::auth::validate::check_username(name).map_err(PeopleError::InvalidUsername)?;
        }
        let setting = match changes.dm_from {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Value(setting) => Some(setting),
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    "bad_request",
                    "dm_from is `everyone` or `friends`; leave it out to keep it as it is.",
                ));
            }
        };
        let mut profile_changed = false;
        if let Some(name) = username
            && name != user.username
        {
            state.people.rename(user.id, &name).await?;
            user.username = name;
            profile_changed = true;
        }
        let display_name = match changes.display_name {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(ApiError::bad_request(
                    "invalid_display_name",
                    "To have no display name, send an empty one.",
                ));
            }
            MaybeUndefined::Value(name) => Some(name.0),
        };
        if let Some(name) = display_name {
            let stored = state.people.set_display_name(user.id, &name).await?;
            profile_changed |= stored != user.display_name;
            user.display_name = stored;
        }
        if let Some(setting) = setting {
            let dm_from = match setting {
                DmSetting::Everyone => DmFrom::Everyone,
                DmSetting::Friends => DmFrom::Friends,
            };
            state.people.set_dm_from(user.id, dm_from).await?;
            user.dm_from = dm_from;
        }
        // Their open pages reconnect, and learn the new name from `hello`.
        if profile_changed {
            state
                .chat
                .hub
                .close_user(user.id, CloseReason::ProfileChanged);
        }
        Ok(MeResponse::Ok(Json(UserEnvelope::of(&user))))
    }
}
