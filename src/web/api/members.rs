//! A room's members and invite links: `/api/v1/rooms/{name}/members`,
//! `/api/v1/rooms/{name}/invites` and `/api/v1/invites/{code}`. Owners add and remove members
//! and make links; anyone may leave; a link makes whoever follows it a member.

use std::sync::Arc;
use std::time::Duration;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::names::RoomName;
use super::rooms::RoomEnvelope;
use super::text::Text;
use crate::people::Person;
use crate::rooms::RoomRef;
use crate::rooms::view::RoomSummary;
use crate::web::client_ip;
use crate::web::error::ApiError;
use crate::web::{AppState, invite_url};

/// How long a link lasts when the request does not say: 7 days.
pub const DEFAULT_INVITE_SECS: u64 = 7 * 24 * 3600;

/// A member of a room.
#[derive(Debug, Object)]
struct MemberView {
    #[oai(flatten)]
    person: Person,
    /// `owner` or `member`.
    role: String,
    /// Unix milliseconds.
    joined_at: u64,
    online: bool,
}

#[derive(Debug, Object)]
struct MemberList {
    members: Vec<MemberView>,
}

/// Someone to add.
#[derive(Debug, Object)]
struct NewMember {
    #[oai(validator(min_length = 1, max_length = 64))]
    username: Text,
}

/// An invite link to make.
#[derive(Debug, Object)]
struct NewInvite {
    /// Seconds until it expires (default 7 days); 0: it never expires.
    #[oai(validator(minimum(value = "0"), maximum(value = "31536000")))]
    expires_in_s: Option<u64>,
    /// How many people may use it (default: no limit).
    #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
    max_uses: Option<u32>,
}

/// An invite link. `url` is only in the answer that makes it: the code is not kept.
#[derive(Debug, Object)]
struct InviteView {
    /// Names the link for revoking; it cannot be used to join.
    id: String,
    #[oai(skip_serializing_if_is_none)]
    url: Option<String>,
    /// Unix milliseconds; null: never expires.
    #[oai(nullable)]
    expires_at: Option<u64>,
    /// null: no limit.
    #[oai(nullable)]
    max_uses: Option<u32>,
    uses: u32,
    revoked: bool,
    #[oai(skip_serializing_if_is_none)]
    created_by: Option<String>,
}

#[derive(Debug, Object)]
struct InviteEnvelope {
    invite: InviteView,
}

#[derive(Debug, Object)]
struct InviteList {
    invites: Vec<InviteView>,
}

#[derive(ApiResponse)]
enum MembersResponse {
    #[oai(status = 200)]
    Ok(Json<MemberList>),
}

#[derive(ApiResponse)]
enum DoneResponse {
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum InviteCreated {
    #[oai(status = 201)]
    Created(Json<InviteEnvelope>),
}

#[derive(ApiResponse)]
enum InvitesResponse {
    #[oai(status = 200)]
    Ok(Json<InviteList>),
}

#[derive(ApiResponse)]
enum AcceptedResponse {
    /// You are a member now (or were already).
    #[oai(status = 200)]
    Ok(Json<RoomEnvelope>),
}

pub struct MembersApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl MembersApi {
    /// The members of a room you may see, longest-standing first.
    #[oai(path = "/rooms/:name/members", method = "get")]
    async fn members(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<MembersResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let members = state
            .rooms
            .members(session.actor(), RoomRef::Name(name.0.0))
            .await?
            .into_iter()
            .map(|m| MemberView {
                online: state.chat.hub.is_online(m.person.user_id),
                person: m.person,
                role: m.role.as_str().to_owned(),
                joined_at: m.joined_at,
            })
            .collect();
        Ok(MembersResponse::Ok(Json(MemberList { members })))
    }

    /// Add someone by username; owners only (others: 404 if they cannot see the room, 403 if
    /// they can).
    #[oai(path = "/rooms/:name/members", method = "post")]
    async fn add(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<NewMember>,
    ) -> Result<DoneResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let room = RoomRef::Name(name.0.0);
        state
            .rooms
            .add_member(session.actor(), room, body.0.username.0)
            .await?;
        Ok(DoneResponse::Done)
    }

    /// Remove someone (owners), or leave (your own username). Their open sockets stop
    /// following the room at once.
    #[oai(path = "/rooms/:name/members/:username", method = "delete")]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        #[oai(validator(min_length = 1, max_length = 64))] username: Path<String>,
    ) -> Result<DoneResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let room = RoomRef::Name(name.0.0);
        state
            .rooms
            .remove_member(session.actor(), room, username.0, client_ip(req))
            .await?;
        Ok(DoneResponse::Done)
    }

    /// Make an invite link; owners only. The answer is the only time its address is shown.
    #[oai(path = "/rooms/:name/invites", method = "post")]
    async fn create_invite(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<NewInvite>,
    ) -> Result<InviteCreated, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let room = RoomRef::Name(name.0.0);
        let expires_in = match body.0.expires_in_s.unwrap_or(DEFAULT_INVITE_SECS) {
            0 => None,
            secs => Some(Duration::from_secs(secs)),
        };
        let invite = state
            .rooms
            .create_invite(session.actor(), room, expires_in, body.0.max_uses)
            .await?;
        Ok(InviteCreated::Created(Json(InviteEnvelope {
            invite: InviteView {
                url: Some(invite_url(req, state.tls, &invite.code)),
                id: invite.id,
                expires_at: invite.expires_at,
                max_uses: invite.max_uses,
                uses: 0,
                revoked: false,
                created_by: Some(session.user.username),
            },
        })))
    }

    /// A room's invite links with how often each was used; owners only.
    #[oai(path = "/rooms/:name/invites", method = "get")]
    async fn invites(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<InvitesResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let room = RoomRef::Name(name.0.0);
        let invites = state
            .rooms
            .invites(session.actor(), room)
            .await?
            .into_iter()
            .map(|invite| InviteView {
                id: invite.id,
                url: None,
                expires_at: invite.expires_at,
                max_uses: invite.max_uses,
                uses: invite.uses,
                revoked: invite.revoked,
                created_by: Some(invite.created_by),
            })
            .collect();
        Ok(InvitesResponse::Ok(Json(InviteList { invites })))
    }

    /// Revoke an invite link; owners only.
    #[oai(path = "/rooms/:name/invites/:id", method = "delete")]
    async fn revoke(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        #[oai(validator(min_length = 1, max_length = 64))] id: Path<String>,
    ) -> Result<DoneResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let room = RoomRef::Name(name.0.0);
        state
            .rooms
            .revoke_invite(session.actor(), room, id.0)
            .await?;
        Ok(DoneResponse::Done)
    }

    /// Follow an invite link: you become a member of its room. 404 `invite_invalid` for a
    /// link that is unknown, expired, used up or revoked (one answer for all).
    #[oai(path = "/invites/:code", method = "post")]
    async fn accept(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(min_length = 1, max_length = 64))] code: Path<String>,
    ) -> Result<AcceptedResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let visible = state.rooms.accept_invite(session.actor(), &code.0).await?;
        let summary = RoomSummary::new(
            &session.actor(),
            &visible.room,
            visible.membership.as_ref(),
            Vec::new(),
        );
        Ok(AcceptedResponse::Ok(Json(RoomEnvelope { room: summary })))
    }
}
