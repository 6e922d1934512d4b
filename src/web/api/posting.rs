//! Posting a message over HTTP: `POST /api/v1/rooms/{name}/messages` and
//! `POST /api/v1/dm/{id}/messages`, for scripts, bots (with an API token) and attaching files
//! without a socket; and reacting to one, `POST …/messages/{id}/reactions`. Each takes the path
//! a socket's `send` or `react` takes (the same checks, the same writer), and reaches every open
//! socket the same way. The routes sit beside each history's `GET` (in `rooms.rs` and
//! `direct.rs`): an OpenAPI path is described by one API.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use super::text::Text;
use crate::access::Actor;
use crate::errors::{Code, Failure};
use crate::files::parse_file_ids;
use crate::rooms::RoomRef;
use crate::rooms::changes::{NewPost, Posted, React};
use crate::rooms::input::{check_client_id, check_emoji, check_post_text};
use crate::rooms::view::MessageView;
use crate::web::AppState;
use crate::web::error::ApiError;

/// A message to post.
#[derive(Debug, Object)]
pub(super) struct NewMessage {
    /// 1–4000 characters; may be empty when files are attached.
    text: Text,
    /// Uploads of yours to this room, not sent before: at most 10 ids.
    #[oai(default)]
    files: Vec<String>,
    /// The id of a message of this room it answers.
    #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))]
    reply_to: Option<u64>,
    /// An idempotency key (at most 64 characters): posting again with the same key answers
    /// the message posted first.
    client_id: Option<String>,
}

/// A reaction to add, or to take back if it is yours already.
#[derive(Debug, Object)]
pub(super) struct NewReaction {
    /// One emoji.
    #[oai(validator(max_length = 16))]
    emoji: Text,
}

#[derive(ApiResponse)]
pub(super) enum ReactResponse {
    /// Added, or taken back; every socket following the room sees the message anew.
    #[oai(status = 204)]
    Done,
}

/// `{"message": {…}}`.
#[derive(Debug, Object)]
pub(super) struct MessageEnvelope {
    message: MessageView,
}

#[derive(ApiResponse)]
pub(super) enum PostResponse {
    /// Stored and sent to everyone in the room.
    #[oai(status = 201)]
    Created(Json<MessageEnvelope>),
    /// The `client_id` was used before by you in this room: the message posted then.
    #[oai(status = 200)]
    Earlier(Json<MessageEnvelope>),
}

pub(super) async fn post(
    state: &AppState,
    actor: Actor,
    room: RoomRef,
    message: NewMessage,
) -> Result<PostResponse, ApiError> {
    let files = parse_file_ids(&message.files)
        .map_err(|text| ApiError::bad_request(Code::BadRequest, text))?;
    let text = message.text.0;
    check_post_text(&text, !files.is_empty()).map_err(|p| ApiError::from(Failure::from(p)))?;
    if let Some(id) = &message.client_id
        && !check_client_id(id)
    {
        let text = "client_id must be at most 64 characters.";
        return Err(ApiError::bad_request(Code::BadRequest, text));
    }
    state.take_message_turn(actor.user_id)?;
    let room_id = state.rooms.find(actor, room).await?.room.id;
    let calls_here = text.to_ascii_lowercase().contains("@here");
    let post = NewPost {
        room_id,
        actor,
        online: if calls_here {
            state.chat.hub.online_users(room_id)
        } else {
            Vec::new()
        },
        text: if text.trim().is_empty() {
            String::new()
        } else {
            text
        },
        client_id: message.client_id,
        reply_to: message.reply_to,
        files,
    };
    Ok(match state.rooms.apply(post).await? {
        Posted::New(message) => PostResponse::Created(Json(MessageEnvelope { message })),
        Posted::Duplicate(message) => PostResponse::Earlier(Json(MessageEnvelope { message })),
    })
}

/// Adds `actor`'s reaction to message `id` of the room, or takes it back: the socket's `react`.
pub(super) async fn react(
    state: &AppState,
    actor: Actor,
    room: RoomRef,
    id: u64,
    reaction: NewReaction,
) -> Result<ReactResponse, ApiError> {
    check_emoji(&reaction.emoji).map_err(|text| ApiError::bad_request(Code::BadEmoji, text))?;
    state.take_message_turn(actor.user_id)?;
    let room_id = state.rooms.find(actor, room).await?.room.id;
    let change = React {
        by: actor,
        room_id,
        id,
        emoji: reaction.emoji.0,
    };
    state.rooms.apply(change).await?;
    Ok(ReactResponse::Done)
}
