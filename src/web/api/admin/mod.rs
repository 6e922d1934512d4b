//! Running the server over the API, for admins: `GET /api/v1/admin/users` (find people),
//! `POST /api/v1/admin/users/{username}/actions` (disable, enable, ban, promote, demote, end
//! sessions), `POST /api/v1/admin/users/{username}/sign-in-link`, `GET /api/v1/admin/rooms`
//! (every open and private room, private ones by name and size only) and `GET
//! /api/v1/admin/audit` (the audit log, newest first); who may sign up and make rooms, and the
//! server's invite links, are in `server.rs`. To anyone else every one of these is 404
//! `not_found`, the answer of an address that does not exist.

mod rooms;
mod server;

pub use rooms::AdminRoomsApi;
pub use server::AdminServerApi;

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use crate::access::Administrator;
use crate::auth::AccountAction;
use crate::errors::{Code, Failure};
use crate::store::{Audited, User};
use crate::web::error::ApiError;
use crate::web::{AppState, client_ip, site_origin};

/// An account as an admin sees it.
#[derive(Debug, Object)]
struct AccountView {
    id: u64,
    username: String,
    #[oai(nullable)]
    display_name: Option<String>,
    /// Unix milliseconds.
    created_at: u64,
    admin: bool,
    /// May not sign in.
    disabled: bool,
    /// Deleted by its owner (it stays disabled).
    deleted: bool,
}

impl From<&User> for AccountView {
    fn from(user: &User) -> Self {
        AccountView {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            created_at: user.created_at,
            admin: user.admin,
            disabled: user.disabled,
            deleted: user.deleted,
        }
    }
}

#[derive(Debug, Object)]
struct AccountList {
    /// At most `limit`, by username.
    users: Vec<AccountView>,
    /// More accounts match than were listed.
    more: bool,
}

/// What to do to an account.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
enum ActionName {
    /// No more signing in; every session ends and its sockets close.
    Disable,
    Enable,
    /// Disable as a sanction, always logged; with `delete_messages`, every message they wrote
    /// (in the rooms they belong to, and open rooms) is deleted too.
    Ban,
    /// Make them an admin.
    Promote,
    /// Make them an admin no longer (not the last admin who can sign in).
    Demote,
    /// Sign them out on every device.
    EndSessions,
}

impl ActionName {
    /// The action, unless it is a ban (which takes more than an account).
    fn account_action(self) -> Option<AccountAction> {
        Some(match self {
            ActionName::Disable => AccountAction::Disable,
            ActionName::Enable => AccountAction::Enable,
            ActionName::Promote => AccountAction::Promote,
            ActionName::Demote => AccountAction::Demote,
            ActionName::EndSessions => AccountAction::EndSessions,
            ActionName::Ban => return None,
        })
    }
}

#[derive(Debug, Object)]
struct ActionRequest {
    action: ActionName,
    /// With `ban`: delete every message they wrote as well.
    #[oai(default)]
    delete_messages: bool,
}

#[derive(Debug, Object)]
struct ActionDone {
    /// The account as it is now.
    user: AccountView,
    /// Whether anything changed (promoting an admin changes nothing, and writes nothing to the
    /// audit log).
    changed: bool,
    /// How many sessions ended.
    sessions_ended: u64,
    /// How many of their messages were deleted (a ban with `delete_messages`).
    messages_deleted: u64,
}

#[derive(Debug, Object)]
struct SignInLink {
    /// Opens a form for a new password, once, within the hour.
    url: String,
    /// Unix milliseconds.
    expires_at: u64,
}

/// One entry of the audit log.
#[derive(Debug, Object)]
struct AuditView {
    id: u64,
    /// Unix milliseconds.
    at: u64,
    /// The admin's user id; null for the operator at the server's machine.
    #[oai(nullable)]
    by_id: Option<u64>,
    /// The admin's username at the time, or `operator`.
    by: String,
    /// The admin's address, or `command line`.
    from: String,
    /// What was done: `user.disable`, `message.delete`, …
    action: String,
    /// What it was done to.
    target: String,
    #[oai(nullable)]
    detail: Option<String>,
}

impl From<Audited> for AuditView {
    fn from(audited: Audited) -> Self {
        let entry = audited.entry;
        AuditView {
            id: audited.id,
            at: entry.at,
            by_id: entry.by_id,
            by: entry.by,
            from: entry.from,
            action: entry.action,
            target: entry.target,
            detail: entry.detail,
        }
    }
}

#[derive(Debug, Object)]
struct AuditPage {
    /// Newest first.
    entries: Vec<AuditView>,
    /// Older entries remain: ask again with `before` the last id here.
    more: bool,
}

#[derive(ApiResponse)]
enum AccountsResponse {
    #[oai(status = 200)]
    Ok(Json<AccountList>),
}

#[derive(ApiResponse)]
enum ActionResponse {
    #[oai(status = 200)]
    Ok(Json<ActionDone>),
}

#[derive(ApiResponse)]
enum LinkResponse {
    #[oai(status = 201)]
    Created(Json<SignInLink>),
}

#[derive(ApiResponse)]
enum AuditResponse {
    #[oai(status = 200)]
    Ok(Json<AuditPage>),
}

/// The admin asking, or the answer for anyone else: 401 signed out, 404 signed in.
pub(super) async fn admin(state: &AppState, req: &Request) -> Result<Administrator, ApiError> {
    let session = super::signed_in(state, req).await?;
    Administrator::admin(&session.user, client_ip(req))
        .map_err(|_| ApiError::from(Failure::of(Code::NotFound)))
}

pub struct AdminApi;

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminApi {
    /// Accounts whose username or display name holds `q` (every account without it), by
    /// username. Admins only.
    #[oai(path = "/admin/users", method = "get")]
    async fn users(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] q: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u32>>,
    ) -> Result<AccountsResponse, ApiError> {
        admin(&state, req).await?;
        let limit = limit.0.unwrap_or(50) as usize;
        let (users, more) = state
            .auth
            .find_users(q.0.as_deref().unwrap_or(""), limit)
            .await?;
        Ok(AccountsResponse::Ok(Json(AccountList {
            users: users.iter().map(AccountView::from).collect(),
            more,
        })))
    }

    /// Disable, enable or ban an account, make it an admin or no longer one, or end its
    /// sessions; written to the audit log. 404 `user_not_found`, 403 `account_deleted`, 409 `last_admin`
    /// for the last admin who can sign in. Admins only.
    #[oai(path = "/admin/users/:username/actions", method = "post")]
    async fn act(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] username: Path<String>,
        body: Json<ActionRequest>,
    ) -> Result<ActionResponse, ApiError> {
        let by = admin(&state, req).await?;
        let ActionRequest {
            action,
            delete_messages,
        } = body.0;
        let (done, deleted) = match action.account_action() {
            Some(action) => (state.auth.administer(&by, &username.0, action).await?, 0),
            None => {
                let erase = delete_messages.then_some(&*state.rooms);
                state.auth.ban(&by, &username.0, erase).await?
            }
        };
        Ok(ActionResponse::Ok(Json(ActionDone {
            user: AccountView::from(&done.user),
            changed: done.changed,
            sessions_ended: done.ended.len() as u64,
            messages_deleted: deleted as u64,
        })))
    }

    /// A one-time sign-in link for someone who cannot sign in: it opens a form for a new
    /// password, once, within the hour. Written to the audit log. Admins only.
    #[oai(path = "/admin/users/:username/sign-in-link", method = "post")]
    async fn sign_in_link(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] username: Path<String>,
    ) -> Result<LinkResponse, ApiError> {
        let by = admin(&state, req).await?;
        let link = state.auth.sign_in_link(&by, &username.0).await?;
        let origin = site_origin(req, state.tls);
        Ok(LinkResponse::Created(Json(SignInLink {
            url: format!("{origin}/reset/{}", link.token),
            expires_at: link.expires_at,
        })))
    }

    /// The audit log, newest first: every administrative and moderation action, who did it,
    /// from where and when. Admins only.
    #[oai(path = "/admin/audit", method = "get")]
    async fn audit(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "1"), maximum(value = "9007199254740991")))] before: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u32>>,
    ) -> Result<AuditResponse, ApiError> {
        admin(&state, req).await?;
        let limit = limit.0.unwrap_or(50) as usize;
        let mut entries = state.auth.audit_newest(before.0, limit + 1).await?;
        let more = entries.len() > limit;
        entries.truncate(limit);
        Ok(AuditResponse::Ok(Json(AuditPage {
            entries: entries.into_iter().map(AuditView::from).collect(),
            more,
        })))
    }
}
