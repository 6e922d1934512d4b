//! Direct rooms as pages: `/dm/{people}` (`/dm/alice`, `/dm/alice,bob`) shows the direct room
//! of you and those people, or, when there is none yet, the chat page ready for the first
//! message, which makes the room (the socket's `send` to `people`, or without JavaScript the
//! form's `POST /dm`). Nothing is made by a GET, and a conversation started here is never made
//! empty.

use maud::html;
use percent_encoding::percent_decode_str;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::chat::{ChatRoom, chat_main};
use super::layout::{main, room_title};
use super::{State, dm_path, see_other, signed_in, signed_in_page};
use crate::access::Actor;
use crate::errors::Failure;
use crate::people::PeopleError;
use crate::rooms::changes::StartDirect;
use crate::rooms::input::{check_client_id, check_message_text};
use crate::rooms::{RoomError, RoomRef};
use crate::store::User;

/// The first message's form: the other people, by username, separated by commas, and the
/// message.
#[derive(Debug, Deserialize)]
pub struct DirectForm {
    #[serde(default)]
    usernames: String,
    #[serde(default)]
    text: String,
    /// Made with the page, so the same form sent twice stores one message.
    #[serde(default)]
    client_id: String,
}

/// The usernames of a `/dm/…` path or a form, without the signed-in person.
fn people(list: &str, me: &User) -> Vec<String> {
    let mut names: Vec<String> = list
        .split([',', ' '])
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case(&me.username))
        .map(str::to_owned)
        .collect();
    names.sort_by_key(|name| name.to_lowercase());
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    names
}

async fn refused(state: &State, user: &User, names: &[String], err: &RoomError) -> Response {
    let failure = Failure::from(err);
    if failure.status().is_server_error() {
        return super::room_error_page(state, user, err).await;
    }
    let body = main(html! {
        section.card.narrow {
            h1 { "Cannot start this conversation" }
            p role="alert" { (failure.message) }
            @if !names.is_empty() { p { a href={ "/u/" (names[0]) } { "See " (names[0]) "’s profile" } } }
        }
    });
    let status = failure.status();
    signed_in_page(state, user, status, "Direct message", None, body).await
}

#[handler]
pub async fn direct_page(req: &Request, state: Data<&State>) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let user = &session.user;
    let raw = req.uri().path().strip_prefix("/dm/").unwrap_or_default();
    // `/dm/{people}/m/{id}`: a message's permalink in the direct room.
    let (raw, message) = match raw.split_once("/m/") {
        Some((people, id)) => (people, Some(id)),
        None => (raw, None),
    };
    let Ok(list) = percent_decode_str(raw).decode_utf8() else {
        return super::error_page(StatusCode::BAD_REQUEST, "That address names no one.");
    };
    let names = people(&list, user);
    if names.is_empty() {
        return see_other("/people");
    }
    if let Some(id) = message {
        return match state.rooms.find_direct(Actor::signed_in(user), names).await {
            Ok(Some(visible)) => {
                super::permalink::page(&state, user, RoomRef::Id(visible.room.id), id).await
            }
            // The same answer as for a message that is not there: a direct room's existence
            // is not told to outsiders.
            Ok(None) => super::room_error_page(&state, user, &RoomError::MessageNotFound).await,
            Err(err) => super::room_error_page(&state, user, &err).await,
        };
    }
    match state
        .rooms
        .find_direct(Actor::signed_in(user), names.clone())
        .await
    {
        Ok(Some(visible)) => {
            let summary = match state
                .rooms
                .summary(Actor::signed_in(user), RoomRef::Id(visible.room.id))
                .await
            {
                Ok(summary) => summary,
                Err(err) => return super::room_error_page(&state, user, &err).await,
            };
            let title = room_title(&summary, &user.username);
            let body = chat_main(ChatRoom::Existing(&summary), &title);
            signed_in_page(&state, user, StatusCode::OK, &title, Some(summary.id), body).await
        }
        Ok(None) => {
            // The page names its people as they are called now (a name given up still leads
            // to its owner for a while, in any case), as the room will once it is made.
            let mut current = Vec::with_capacity(names.len());
            for name in &names {
                match state.people.profile(user.id, name).await {
                    Ok(profile) => current.push(profile.user.username),
                    Err(PeopleError::Store(err)) => {
                        return super::room_error_page(&state, user, &err.into()).await;
                    }
                    Err(_) => {
                        let err = RoomError::UserNotFound;
                        return refused(&state, user, &names, &err).await;
                    }
                }
            }
            if current != names {
                let current: Vec<&str> = current.iter().map(String::as_str).collect();
                return see_other(&dm_path(&current));
            }
            let title = names.join(", ");
            let body = chat_main(ChatRoom::NewDirect(&names), &title);
            signed_in_page(&state, user, StatusCode::OK, &title, None, body).await
        }
        Err(err) => refused(&state, user, &names, &err).await,
    }
}

/// `POST /dm`: the first message to these people, which makes their direct room with it (or
/// finds the room); then the room's page.
#[handler]
pub async fn start(req: &Request, state: Data<&State>, Form(form): Form<DirectForm>) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let user = &session.user;
    let names = people(&form.usernames, user);
    if let Err(problem) = check_message_text(&form.text) {
        let status = Failure::from(problem).status();
        let text = "Type a message: the conversation starts with it.";
        return super::error_page(status, text);
    }
    if let Err(failure) = state.take_message_turn(user.id) {
        let mut page = super::failure_page(&failure);
        if let Some(seconds) = failure.retry_after {
            page.headers_mut()
                .insert(poem::http::header::RETRY_AFTER, seconds.into());
        }
        return page;
    }
    let start = StartDirect {
        usernames: names.clone(),
        actor: Actor::signed_in(user),
        text: form.text,
        client_id: Some(form.client_id).filter(|id| check_client_id(id)),
    };
    match state.rooms.start_direct(start).await {
        Ok(_) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            see_other(&dm_path(&names))
        }
        Err(err) => refused(&state, user, &names, &err).await,
    }
}
