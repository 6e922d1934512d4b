//! People: `/api/v1/users` (search by the start of a username, a profile),
//! `/api/v1/friends/{username}` (request or accept; decline or unfriend),
//! and `/api/v1/blocks/{username}`.
//! Friendship changes reach both people's open sockets at once.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::people::Person;
use crate::web::AppState;
use crate::web::error::ApiError;

/// Someone, as a list shows them.
#[derive(Debug, Object)]
struct ListedPerson {
    #[oai(flatten)]
    person: Person,
    online: bool,
}

#[derive(Debug, Object)]
struct PeopleList {
    users: Vec<ListedPerson>,
}

/// Someone's profile, as you see it.
#[derive(Debug, Object)]
struct ProfileView {
    #[oai(flatten)]
    person: Person,
    /// Unix milliseconds.
    created_at: u64,
    online: bool,
    /// When their last socket closed (Unix milliseconds), if ever.
    last_seen: Option<u64>,
    /// `friends`, `asked` (you asked them), `incoming` (they asked you) or `none`.
    friendship: String,
    /// You blocked them.
    blocked: bool,
}

/// A friend, or a request either way.
#[derive(Debug, Object)]
struct FriendView {
    #[oai(flatten)]
    person: Person,
    /// `friends`, `asked` or `incoming`.
    state: String,
    online: bool,
    last_seen: Option<u64>,
}

#[derive(Debug, Object)]
struct FriendList {
    friends: Vec<FriendView>,
}

/// Where you now stand with someone.
#[derive(Debug, Object)]
struct FriendState {
    /// `friends` (they had asked you), or `asked` (your request waits for them).
    state: String,
}

#[derive(ApiResponse)]
enum PeopleResponse {
    #[oai(status = 200)]
    Ok(Json<PeopleList>),
}

#[derive(ApiResponse)]
enum ProfileResponse {
    #[oai(status = 200)]
    Ok(Json<ProfileView>),
}

#[derive(ApiResponse)]
enum FriendsResponse {
    #[oai(status = 200)]
    Ok(Json<FriendList>),
}

#[derive(ApiResponse)]
enum FriendResponse {
    #[oai(status = 200)]
    Ok(Json<FriendState>),
}

#[derive(ApiResponse)]
enum DoneResponse {
    #[oai(status = 204)]
    Done,
}

pub struct PeopleApi;

#[OpenApi(tag = "ApiTags::People")]
impl PeopleApi {
    /// People whose username starts with `q` (everyone, by username, without it); at most 50.
    #[oai(path = "/users", method = "get")]
    async fn search(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(max_length = 64))] q: Query<Option<String>>,
    ) -> Result<PeopleResponse, ApiError> {
        super::signed_in(&state, req).await?;
        let users = state
            .people
            .search(q.0.as_deref().unwrap_or_default())
            .await?
            .into_iter()
            .map(|user| ListedPerson {
                online: state.chat.hub.is_online(user.id),
                person: Person::of(&user),
            })
            .collect();
        Ok(PeopleResponse::Ok(Json(PeopleList { users })))
    }

    /// Someone's profile.
    #[oai(path = "/users/:username", method = "get")]
    async fn profile(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(min_length = 1, max_length = 64))] username: Path<String>,
    ) -> Result<ProfileResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let profile = state.people.profile(session.user.id, &username.0).await?;
        Ok(ProfileResponse::Ok(Json(ProfileView {
            online: state.chat.hub.is_online(profile.user.id),
            person: Person::of(&profile.user),
            created_at: profile.user.created_at,
            last_seen: profile.last_seen,
            friendship: profile.friendship.map_or("none", |f| f.as_str()).to_owned(),
            blocked: profile.blocked,
        })))
    }

    /// Your friends and pending requests, friends first.
    #[oai(path = "/friends", method = "get")]
    async fn friends(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<FriendsResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let friends = state
            .people
            .friends(session.user.id)
            .await?
            .into_iter()
            .map(|friend| FriendView {
                online: state.chat.hub.is_online(friend.user.id),
                person: Person::of(&friend.user),
                state: friend.state.as_str().to_owned(),
                last_seen: friend.last_seen,
            })
            .collect();
        Ok(FriendsResponse::Ok(Json(FriendList { friends })))
    }

    /// Send a friend request, or accept theirs. 403 `friend_refused` when a block stands
    /// between you.
    #[oai(path = "/friends/:username", method = "post")]
    async fn befriend(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(min_length = 1, max_length = 64))] username: Path<String>,
    ) -> Result<FriendResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let now = state.people.befriend(session.user, username.0).await?;
        Ok(FriendResponse::Ok(Json(FriendState {
            state: now.as_str().to_owned(),
        })))
    }

    /// Decline their request, withdraw yours, or unfriend.
    #[oai(path = "/friends/:username", method = "delete")]
    async fn unfriend(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(min_length = 1, max_length = 64))] username: Path<String>,
    ) -> Result<DoneResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.people.unfriend(session.user, username.0).await?;
        Ok(DoneResponse::Done)
    }

    /// Block someone: no direct rooms or friend requests between you, and their messages
    /// collapsed for you. It ends a friendship.
    #[oai(path = "/blocks/:username", method = "post")]
    async fn block(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(min_length = 1, max_length = 64))] username: Path<String>,
    ) -> Result<DoneResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.people.block(session.user, username.0).await?;
        Ok(DoneResponse::Done)
    }

    /// Unblock someone.
    #[oai(path = "/blocks/:username", method = "delete")]
    async fn unblock(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(min_length = 1, max_length = 64))] username: Path<String>,
    ) -> Result<DoneResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.people.unblock(session.user.id, username.0).await?;
        Ok(DoneResponse::Done)
    }
}
