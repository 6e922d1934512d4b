//! `/api/v1/auth/*`: signing up, in and out, recovery, and changing the password.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::text::Text;
use super::{ApiTags, UserEnvelope};
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
    /// The code of a server invite link (`/signup?invite=CODE`): needed when sign-up is by
    /// invitation, and used up by the new account.
    #[oai(nullable, validator(max_length = 64))]
    invite: Option<String>,
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

pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Create an account and sign in. 403 `signup_closed` when sign-up is closed, 403
    /// `invite_required` when it is by invitation and no `invite` came, 404 `invite_invalid`
    /// for an invite that is unknown, expired, used up or revoked.
    #[oai(path = "/auth/signup", method = "post")]
    async fn signup(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewAccount>,
    ) -> Result<SignupResponse, ApiError> {
        let signed_up = state
            .auth
            .sign_up(
                &body.username,
                &body.password,
                body.invite.as_deref(),
                &device(req),
            )
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
        let signed_in = state
            .auth
            .recover(&body.username, &body.code, &body.new_password, &device(req))
            .await?;
        state.end_presented_session(req).await;
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
        if let Some(token) = cookie::session_token(req.headers(), state.tls) {
            state.auth.sign_out(token).await?;
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
        state
            .auth
            .change_password(&session, &body.current, &body.new)
            .await?;
        Ok(PasswordResponse::Done)
    }
}
