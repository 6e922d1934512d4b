//! API tokens over the API, for a signed-in browser: `POST /api/v1/tokens` makes one (its
//! secret is in the answer, and nowhere else ever), `GET /api/v1/tokens` lists them without
//! secrets, `DELETE /api/v1/tokens/{id}` revokes one. A token cannot manage tokens.

use std::sync::Arc;
use std::time::Duration;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::text::Text;
use crate::access::{Scope, Scopes};
use crate::auth::ApiTokenInfo;
use crate::web::AppState;
use crate::web::error::ApiError;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum TokenScope {
    /// List your rooms (your conversations too), read their history, search them.
    Read,
    /// Post messages, react to them, upload files.
    Post,
}

impl From<TokenScope> for Scope {
    fn from(scope: TokenScope) -> Scope {
        match scope {
            TokenScope::Read => Scope::Read,
            TokenScope::Post => Scope::Post,
        }
    }
}

/// A token to make.
#[derive(Debug, Object)]
struct NewToken {
    /// What it is for: 1–64 characters.
    #[oai(validator(max_length = 64))]
    name: Text,
    /// At least one.
    #[oai(validator(min_items = 1, max_items = 2))]
    scopes: Vec<TokenScope>,
    /// Seconds it works for, from 60 to ten years; absent or null: until revoked.
    #[oai(
        nullable,
        validator(minimum(value = "60"), maximum(value = "315360000"))
    )]
    expires_in_s: Option<u64>,
}

/// A token as its list shows it: never its secret.
#[derive(Debug, Object)]
struct TokenView {
    /// Names it for revoking; does not let anyone use it.
    id: String,
    name: String,
    /// `read`, `post`.
    scopes: Vec<String>,
    /// Unix milliseconds.
    created_at: u64,
    /// Unix milliseconds; null: until revoked.
    #[oai(nullable)]
    expires_at: Option<u64>,
    /// Unix milliseconds of its last use (to the minute); null: never used.
    #[oai(nullable)]
    last_used: Option<u64>,
    /// Past its expiry: it no longer works.
    expired: bool,
}

impl From<ApiTokenInfo> for TokenView {
    fn from(info: ApiTokenInfo) -> Self {
        TokenView {
            id: info.id,
            name: info.name,
            scopes: info.scopes.names().into_iter().map(str::to_owned).collect(),
            created_at: info.created_at,
            expires_at: info.expires_at,
            last_used: info.last_used,
            expired: info.expired,
        }
    }
}

/// A new token: `token` is its secret, shown this once.
#[derive(Debug, Object)]
struct MadeToken {
    /// Send it as `Authorization: Bearer TOKEN`.
    token: String,
    id: String,
    name: String,
    scopes: Vec<String>,
    created_at: u64,
    #[oai(nullable)]
    expires_at: Option<u64>,
}

#[derive(ApiResponse)]
enum MadeResponse {
    #[oai(status = 201)]
    Created(Json<MadeToken>),
}

#[derive(Debug, Object)]
struct TokenList {
    /// Newest first.
    tokens: Vec<TokenView>,
}

#[derive(ApiResponse)]
enum ListResponse {
    #[oai(status = 200)]
    Ok(Json<TokenList>),
}

#[derive(ApiResponse)]
enum RevokeResponse {
    /// Revoked: the token is refused (401 `invalid_token`) from now on.
    #[oai(status = 204)]
    Done,
}

pub struct TokensApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl TokensApi {
    /// Make an API token for a script or a bot, with the scopes it needs. It answers with the
    /// token's secret, the only time it is shown; only a hash of it is kept. 409
    /// `too_many_tokens` past 50. A signed-in browser only.
    #[oai(path = "/tokens", method = "post")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewToken>,
    ) -> Result<MadeResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let NewToken {
            name,
            scopes,
            expires_in_s,
        } = body.0;
        let scopes = Scopes::of(scopes.into_iter().map(Scope::from));
        let made = state
            .auth
            .create_api_token(
                &session.user,
                &name.0,
                scopes,
                expires_in_s.map(Duration::from_secs),
            )
            .await?;
        let view = TokenView::from(made.info);
        Ok(MadeResponse::Created(Json(MadeToken {
            token: made.token,
            id: view.id,
            name: view.name,
            scopes: view.scopes,
            created_at: view.created_at,
            expires_at: view.expires_at,
        })))
    }

    /// Your API tokens, newest first, with when each was last used; never their secrets.
    #[oai(path = "/tokens", method = "get")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<ListResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let tokens = state.auth.api_tokens(session.user.id).await?;
        Ok(ListResponse::Ok(Json(TokenList {
            tokens: tokens.into_iter().map(TokenView::from).collect(),
        })))
    }

    /// Revoke one of your API tokens: it is refused from now on. 404 `token_not_found` for an
    /// id that is not one of yours.
    #[oai(path = "/tokens/:id", method = "delete")]
    async fn revoke(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<RevokeResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.auth.revoke_api_token(session.user.id, &id.0).await?;
        Ok(RevokeResponse::Done)
    }
}
