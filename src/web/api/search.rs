//! `/api/v1/search`: the messages you may read that match a search, newest first.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::access::Scope;
use crate::errors::{Code, Failure};
use crate::rooms::view::MessageView;
use crate::search::{self, BEFORE_RULE, Position};
use crate::web::AppState;
use crate::web::error::ApiError;

/// A page of results.
#[derive(Debug, Object)]
struct SearchResults {
    /// Newest first, at most 50. Each names its room: `room_id`, and `room`, null for a
    /// direct room.
    results: Vec<MessageView>,
    /// Older results follow: ask again with `before` set from the last result.
    more: bool,
}

#[derive(ApiResponse)]
enum SearchResponse {
    #[oai(status = 200)]
    Ok(Json<SearchResults>),
}

pub struct SearchApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl SearchApi {
    /// Messages you may read now (every open room, and the private and direct rooms you are
    /// in) holding every word of `q`, the last word matching as a prefix, newest first.
    /// Words are matched whole, in any case and without accents; `from:USERNAME` and
    /// `in:ROOM` filter.
    #[oai(path = "/search", method = "get")]
    async fn search(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// The search: words, `from:USERNAME`, `in:ROOM`; at most 300 characters.
        q: Query<String>,
        /// Only results older than this: the last result's `ts.room_id.id`.
        before: Query<Option<String>>,
    ) -> Result<SearchResponse, ApiError> {
        let actor = super::acting(&state, req, Scope::Read).await?;
        let query = search::Query::parse(&q.0)?;
        let before =
            match before.0.as_deref() {
                Some(before) => Some(Position::parse(before).ok_or_else(|| {
                    ApiError::from(Failure::new(Code::InvalidSearch, BEFORE_RULE))
                })?),
                None => None,
            };
        let found = state.rooms.search(actor, query, before).await?;
        Ok(SearchResponse::Ok(Json(SearchResults {
            results: found.messages,
            more: found.more,
        })))
    }
}
