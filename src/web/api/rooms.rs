//! `/api/v1/rooms` and a room's history.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::rooms::RoomRef;
use crate::rooms::input::check_room_name;
use crate::rooms::view::MessageView;
use crate::store::{HistoryQuery, Room};
use crate::web::AppState;
use crate::web::error::ApiError;

/// How many rooms the list shows.
const ROOM_LIST_LIMIT: usize = 50;

/// Messages in a history page when the request does not say.
const DEFAULT_LIMIT: u32 = 50;

/// The room name the API documentation shows.
fn example_room() -> String {
    "lobby".into()
}

/// A room with its activity.
#[derive(Debug, Object)]
struct RoomView {
    id: u64,
    /// The name as first created; null for a direct room.
    name: Option<String>,
    /// `open`, `private` or `direct`.
    kind: String,
    /// Whether you are a member.
    member: bool,
    /// Unix milliseconds of the newest message (or of creation).
    last_activity: u64,
    /// Id of the newest message (0 when there is none).
    last_message_id: u64,
    /// Distinct users online now.
    online: u64,
}

#[derive(Debug, Object)]
struct RoomList {
    rooms: Vec<RoomView>,
}

#[derive(Debug, Object)]
struct MessagePage {
    room: Option<String>,
    /// Oldest first.
    messages: Vec<MessageView>,
    /// More messages exist beyond this page in the requested direction.
    more: bool,
}

#[derive(ApiResponse)]
enum RoomListResponse {
    #[oai(status = 200)]
    Ok(Json<RoomList>),
}

#[derive(ApiResponse)]
enum MessagesResponse {
    #[oai(status = 200)]
    Ok(Json<MessagePage>),
}

pub struct RoomsApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl RoomsApi {
    /// The open rooms with the most recent activity and every room you are a member of,
    /// newest activity first, with how many people are online in each.
    #[oai(path = "/rooms", method = "get")]
    async fn rooms(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<RoomListResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let listing = state
            .rooms
            .listing(session.user.id, ROOM_LIST_LIMIT)
            .await?;
        let view = |room: Room, member: bool| RoomView {
            online: state.chat.hub.online_count(room.id) as u64,
            id: room.id,
            kind: room.kind.as_str().to_owned(),
            member,
            name: room.name,
            last_activity: room.last_activity,
            last_message_id: room.last_id,
        };
        let member_of: std::collections::HashSet<u64> =
            listing.mine.iter().map(|(room, _)| room.id).collect();
        let mut rooms: Vec<RoomView> = listing
            .mine
            .into_iter()
            .map(|(room, _)| view(room, true))
            .collect();
        rooms.extend(
            listing
                .open
                .into_iter()
                .filter(|room| !member_of.contains(&room.id))
                .map(|room| view(room, false)),
        );
        rooms.sort_by_key(|room| std::cmp::Reverse(room.last_activity));
        Ok(RoomListResponse::Ok(Json(RoomList { rooms })))
    }

    /// A page of a room's history, oldest first. Without `before` or `after`, the newest
    /// messages.
    #[oai(path = "/rooms/:name/messages", method = "get")]
    async fn messages(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case: 1–64 characters once surrounding white space is trimmed,
        /// no control characters.
        // `check_room_name` as a regular expression: white space as `str::trim` removes it,
        // then 1–64 characters that are not control characters (Unicode Cc: U+0000–U+001F,
        // U+007F–U+009F) and neither start nor end with white space, then white space again.
        // Its escapes read alike in Rust's regex, Python and ECMAScript; a unit test checks it
        // against `check_room_name`.
        #[oai(
            example = "example_room",
            validator(
                pattern = r"^[\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
            )
        )]
        name: Path<String>,
        /// Only messages with a smaller id.
        // The bounds say in the schema what `uint64` leaves unsaid: ids are never negative,
        // and they stay within the integers a JSON number carries exactly (2^53 - 1), which
        // the schema's `maximum`, a double, can also state exactly.
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        before: Query<Option<u64>>,
        /// Only messages with a larger id. With `before` too: the messages between the two,
        /// from `after` on.
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
        after: Query<Option<u64>>,
        /// How many messages at most: 1–200, default 50.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<MessagesResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let name = check_room_name(&name)
            .map_err(|reason| ApiError::bad_request("invalid_room", reason))?
            .to_owned();
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let query = HistoryQuery::from_bounds(before.0, after.0);
        let page = state
            .rooms
            .history(session.user.id, RoomRef::Name(name), query, limit as usize)
            .await?;
        Ok(MessagesResponse::Ok(Json(MessagePage {
            room: page.room.name,
            messages: page.messages,
            more: page.more,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::OpenApiService;
    use poem_openapi::validation::{Pattern, Validator};

    /// The room name pattern as the published schema states it.
    fn published_pattern() -> Pattern {
        let spec: serde_json::Value =
            serde_json::from_str(&OpenApiService::new(RoomsApi, "t", "1").spec()).unwrap();
        let pattern =
            spec["paths"]["/rooms/{name}/messages"]["get"]["parameters"][0]["schema"]["pattern"]
                .as_str()
                .expect("the name parameter has a pattern")
                .to_owned();
        Pattern::new(Box::leak(pattern.into_boxed_str()))
    }

    #[test]
    fn the_schema_pattern_accepts_exactly_the_room_names_check_room_name_accepts() {
        let pattern = published_pattern();
        // Every character that white space, control or plain could treat differently, alone,
        // padded, and inside a name.
        let specials = (0u32..0x300)
            .chain([
                0x1680, 0x180e, 0x2000, 0x200a, 0x200b, 0x2028, 0x2029, 0x202f,
            ])
            .chain([0x205f, 0x2060, 0x3000, 0xfeff, 0x1_f600, 0x10_ffff])
            .filter_map(char::from_u32);
        let mut names: Vec<String> = Vec::new();
        for c in specials {
            names.extend([
                c.to_string(),
                format!("a{c}"),
                format!("{c}a"),
                format!("a{c}b"),
                format!("{c}{c}"),
            ]);
        }
        for n in [63, 64, 65] {
            names.extend([
                "é".repeat(n),
                format!("  {}\t\n", "x".repeat(n)),
                format!("\u{3000}a{}b ", " ".repeat(n.saturating_sub(2))),
            ]);
        }
        names.extend(["".into(), " ".into(), "Lobby".into(), "café ☕".into()]);
        for name in &names {
            assert_eq!(
                pattern.check(name),
                check_room_name(name).is_ok(),
                "{name:?}"
            );
        }
    }
}
