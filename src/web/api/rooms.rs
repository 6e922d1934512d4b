//! `/api/v1/rooms` and a room's history.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::chat::MessageLog;
use crate::chat::names::check_room_name;
use crate::store::{MessageRange, Page, StoreError, StoredMessage};
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

/// Which part of a room's history a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// Only `before`, only `after`, or neither.
    Range(MessageRange),
    /// Both: the messages with `after < id < before`, oldest first, from `after` on.
    Between { after: u64, before: u64 },
}

impl Wanted {
    fn of(before: Option<u64>, after: Option<u64>) -> Self {
        match (before, after) {
            (Some(before), None) => Wanted::Range(MessageRange::Before(before)),
            (None, Some(after)) => Wanted::Range(MessageRange::After(after)),
            (None, None) => Wanted::Range(MessageRange::Latest),
            (Some(before), Some(after)) => Wanted::Between { after, before },
        }
    }

    fn read(self, log: &impl MessageLog, room_id: u64, limit: usize) -> Result<Page, StoreError> {
        let (after, before) = match self {
            Wanted::Range(range) => return log.read_range(room_id, range, limit),
            Wanted::Between { after, before } => (after, before),
        };
        let mut page = log.read_range(room_id, MessageRange::After(after), limit)?;
        let inside = page.messages.iter().take_while(|m| m.id < before).count();
        if inside < page.messages.len() {
            page.messages.truncate(inside);
            page.more = false;
        } else if page.more {
            // The page is full and inside the range: is the next message inside it too?
            let last = page.messages.last().map_or(after, |m| m.id);
            let next = log.read_range(room_id, MessageRange::After(last), 1)?;
            page.more = next.messages.first().is_some_and(|m| m.id < before);
        }
        Ok(page)
    }
}

/// A room with its activity.
#[derive(Debug, Object)]
struct RoomView {
    /// The name as first created.
    name: String,
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

/// A chat message.
#[derive(Debug, Object)]
struct MessageView {
    room: String,
    /// Increases strictly within a room; never reused.
    id: u64,
    user: String,
    text: String,
    /// Unix milliseconds.
    ts: u64,
    #[oai(skip_serializing_if_is_none)]
    client_id: Option<String>,
}

impl MessageView {
    fn new(room: &str, m: StoredMessage) -> Self {
        MessageView {
            room: room.to_owned(),
            id: m.id,
            user: m.user,
            text: m.text,
            ts: m.ts,
            client_id: m.client_id,
        }
    }
}

#[derive(Debug, Object)]
struct MessagePage {
    room: String,
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
    /// Rooms with the most recent activity, and how many people are online in each.
    #[oai(path = "/rooms", method = "get")]
    async fn rooms(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<RoomListResponse, ApiError> {
        state
            .session(req)
            .await
            .ok_or_else(ApiError::not_signed_in)?;
        let store = Arc::clone(&state.store);
        let rooms = tokio::task::spawn_blocking(move || store.active_rooms(ROOM_LIST_LIMIT))
            .await
            .map_err(|_| ApiError::from(StoreError::Unavailable))??;
        let rooms = rooms
            .into_iter()
            .map(|room| RoomView {
                online: state.chat.hub.online_count(room.id) as u64,
                name: room.name,
                last_activity: room.last_activity,
                last_message_id: room.last_id,
            })
            .collect();
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
        state
            .session(req)
            .await
            .ok_or_else(ApiError::not_signed_in)?;
        let name = check_room_name(&name)
            .map_err(|reason| ApiError::bad_request("invalid_room", reason))?
            .to_owned();
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let wanted = Wanted::of(before.0, after.0);
        let store = Arc::clone(&state.store);
        let found = tokio::task::spawn_blocking(move || {
            let Some(room) = store.find_room(&name)? else {
                return Ok(None);
            };
            let page = wanted.read(store.as_ref(), room.id, limit as usize)?;
            Ok::<_, StoreError>(Some((room, page)))
        })
        .await
        .map_err(|_| ApiError::from(StoreError::Unavailable))?
        .map_err(ApiError::from)?;
        let Some((room, page)) = found else {
            return Err(ApiError::not_found(
                "room_not_found",
                "No room has that name yet.",
            ));
        };
        let messages = page
            .messages
            .into_iter()
            .map(|m| MessageView::new(&room.name, m))
            .collect();
        Ok(MessagesResponse::Ok(Json(MessagePage {
            room: room.name,
            messages,
            more: page.more,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewMessage, Store};
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

    fn store_with_messages(count: usize) -> (tempfile::TempDir, Store, u64) {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let room = store.find_or_create_room("r", 0).unwrap().id;
        let batch: Vec<NewMessage> = (0..count)
            .map(|i| NewMessage {
                room_id: room,
                user_id: 1,
                user: "alice".into(),
                text: format!("m{i}"),
                client_id: None,
            })
            .collect();
        store.append_batch(&batch, 1).unwrap();
        (dir, store, room)
    }

    fn read(
        store: &Store,
        room: u64,
        before: Option<u64>,
        after: Option<u64>,
        limit: usize,
    ) -> (Vec<u64>, bool) {
        let page = Wanted::of(before, after).read(store, room, limit).unwrap();
        (page.messages.iter().map(|m| m.id).collect(), page.more)
    }

    #[test]
    fn before_and_after_together_read_the_messages_between_them() {
        let (_dir, store, room) = store_with_messages(10);
        assert_eq!(
            read(&store, room, Some(8), Some(2), 3),
            (vec![3, 4, 5], true)
        );
        assert_eq!(read(&store, room, Some(8), Some(5), 3), (vec![6, 7], false));
        assert_eq!(
            read(&store, room, Some(8), Some(4), 3),
            (vec![5, 6, 7], false)
        );
        assert_eq!(
            read(&store, room, Some(8), Some(2), 200),
            (vec![3, 4, 5, 6, 7], false)
        );
        assert_eq!(read(&store, room, Some(3), Some(2), 5), (vec![], false));
        assert_eq!(read(&store, room, Some(2), Some(9), 5), (vec![], false));
        assert_eq!(
            read(&store, room, Some(u64::MAX), Some(8), 1),
            (vec![9], true)
        );
        // One bound alone, or none, reads as before.
        assert_eq!(read(&store, room, Some(4), None, 2), (vec![2, 3], true));
        assert_eq!(read(&store, room, None, Some(8), 5), (vec![9, 10], false));
        assert_eq!(read(&store, room, None, None, 2), (vec![9, 10], true));
    }
}
