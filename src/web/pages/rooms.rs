//! `/rooms`: join an open room by name, make a new (private or open) room, the busiest open
//! rooms and your own.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::main;
use super::{State, ago, room_path, see_other};
use crate::access::Actor;
use crate::errors::Failure;
use crate::rooms::input::{ROOM_NAME_MAX, TOPIC_MAX, check_room_name};
use crate::store::Kind;

const ACTIVE_ROOMS: usize = 20;

/// The join box's query string: `/rooms?room=NAME`. Without `room`, the page lists rooms.
#[derive(Debug, Deserialize)]
pub struct JoinQuery {
    pub room: Option<String>,
}

impl JoinQuery {
    /// Parses a query string (without the `?`) the way poem's `Query` extractor does.
    pub fn parse(query: &str) -> Result<Self, serde_urlencoded::de::Error> {
        serde_urlencoded::from_str(query)
    }

    /// Where the join box sends the browser: `None` when no room was asked for, else the
    /// chat page of the checked name, or why the name was refused.
    pub fn destination(&self) -> Option<Result<String, &'static str>> {
        let typed = self.room.as_deref()?;
        Some(check_room_name(typed).map(room_path))
    }
}

fn join_form(value: &str, error: Option<&str>) -> Markup {
    html! {
        form.join-form method="get" action="/rooms" role="search" {
            label for="room" { "Room name" }
            div.row {
                input #room name="room" type="text" value=(value) required maxlength=(ROOM_NAME_MAX)
                    placeholder="e.g. lobby or 42" autocomplete="off" autofocus
                    aria-describedby=[error.map(|_| "room-error")];
                button.button.primary type="submit" data-busy-label="Joining…" { "Join" }
            }
            @if let Some(error) = error {
                p.form-error #room-error role="alert" { (error) }
            }
            p.hint { "Type any name or number. A new room is created when the first person joins." }
        }
    }
}

/// A room in a list; `badges` are the person's unread and mention counts, for their own rooms.
fn room_item(
    name: Option<&str>,
    online: usize,
    now: u64,
    when: u64,
    badges: Option<Markup>,
) -> Markup {
    let name = name.unwrap_or_default();
    html! {
        li {
            a.room-link href=(room_path(name)) {
                span.room-name { (name) }
                @if let Some(badges) = badges { span.room-badges { (badges) } }
                span.room-meta {
                    @if online > 0 { span.online-dot aria-hidden="true" {} (online) " online · " }
                    (ago(now, when))
                }
            }
        }
    }
}

/// The "new room" form as the browser posts it.
#[derive(Debug, Deserialize)]
pub struct NewRoomForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    topic: String,
}

fn new_room_form(form: Option<&NewRoomForm>, error: Option<&str>) -> Markup {
    let (name, topic) = form.map_or(("", ""), |f| (f.name.as_str(), f.topic.as_str()));
    let open = form.is_some_and(|f| f.kind == "open");
    html! {
        form.stack.new-room method="post" action="/rooms" {
            @if let Some(error) = error {
                p.form-error #new-room-error role="alert" { (error) }
            }
            label for="new-room-name" { "Name" }
            input #new-room-name name="name" type="text" value=(name) required maxlength=(ROOM_NAME_MAX)
                autocomplete="off" aria-describedby=[error.map(|_| "new-room-error")];
            label for="new-room-topic" { "Topic " span.muted { "(optional)" } }
            input #new-room-topic name="topic" type="text" value=(topic) maxlength=(TOPIC_MAX) autocomplete="off";
            fieldset.choices {
                legend { "Who can find it" }
                label.choice {
                    input type="radio" name="kind" value="private" checked[!open];
                    " Private: only the people you add or invite"
                }
                label.choice {
                    input type="radio" name="kind" value="open" checked[open];
                    " Open: anyone here can join by its name"
                }
            }
            button.button.primary type="submit" data-busy-label="Creating…" { "Create room" }
        }
    }
}

/// The rooms page: `typed` and `error` refill the join box, `new_room` the new-room form.
async fn rooms_view(
    state: &State,
    user: &crate::store::User,
    status: StatusCode,
    typed: &str,
    join_error: Option<&str>,
    new_room: Option<(&NewRoomForm, &str)>,
) -> Response {
    let listing = match state
        .rooms
        .listing(Actor::signed_in(user), ACTIVE_ROOMS)
        .await
    {
        Ok(listing) => listing,
        Err(_) => return super::layout::unavailable_page(),
    };
    let active = listing.open;
    let mine: Vec<_> = listing
        .mine
        .into_iter()
        .filter(|room| room.kind != Kind::Direct.as_str())
        .collect();
    let now = state.clock.now_ms();
    let markup = html! {
        section.card {
            h1 { "Join a room" }
            (join_form(typed, join_error))
        }
        section.card #new {
            h2 { "New room" }
            (new_room_form(new_room.map(|(form, _)| form), new_room.map(|(_, error)| error)))
        }
        div.room-columns {
            section.card {
                h2 { "Active rooms" }
                @if active.is_empty() {
                    p.empty-state { "No open rooms yet. Type a name above to start the first one." }
                } @else {
                    ul.room-list {
                        @for room in &active {
                            (room_item(room.name.as_deref(), state.chat.hub.online_count(room.id), now, room.last_activity, None))
                        }
                    }
                }
            }
            section.card {
                h2 { "Your rooms" }
                @if mine.is_empty() {
                    p.empty-state { "Rooms you join will show up here." }
                } @else {
                    ul.room-list {
                        @for room in &mine {
                            (room_item(room.name.as_deref(), state.chat.hub.online_count(room.id), now, room.last_activity, Some(super::layout::unread_badges(room))))
                        }
                    }
                }
            }
        }
    };
    super::signed_in_page(state, user, status, "Rooms", None, main(markup)).await
}

#[handler]
pub async fn rooms_page(
    req: &Request,
    state: Data<&State>,
    Query(query): Query<JoinQuery>,
) -> Response {
    let session = match super::signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let error = match query.destination() {
        Some(Ok(path)) => return see_other(&path),
        Some(Err(reason)) => Some(reason),
        None => None,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let typed = query.room.unwrap_or_default();
    rooms_view(&state, &session.user, status, &typed, error, None).await
}

/// `POST /rooms`: makes the room and goes to it; a refusal shows the form again.
#[handler]
pub async fn create_room(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<NewRoomForm>,
) -> Response {
    let session = match super::signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let kind = if form.kind == "open" {
        Kind::Open
    } else {
        Kind::Private
    };
    let topic = Some(form.topic.clone()).filter(|t| !t.trim().is_empty());
    match state
        .rooms
        .create(session.actor(), kind, form.name.clone(), topic)
        .await
    {
        Ok(visible) => see_other(&room_path(visible.room.name.as_deref().unwrap_or_default())),
        Err(err) if Failure::from(&err).status().is_server_error() => {
            super::layout::unavailable_page()
        }
        Err(err) => {
            let Failure { message, code, .. } = Failure::from(&err);
            let status = code.status();
            rooms_view(
                &state,
                &session.user,
                status,
                "",
                None,
                Some((&form, &message)),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_join_box_leads_to_the_encoded_chat_page() {
        let destination = |query: &str| JoinQuery::parse(query).unwrap().destination();
        assert_eq!(destination(""), None);
        assert_eq!(destination("other=1"), None);
        assert_eq!(destination("classroom=1"), None);
        assert_eq!(destination("room=lobby"), Some(Ok("/rooms/lobby".into())));
        assert_eq!(
            destination("room=+Big+Room%2F2+"),
            Some(Ok("/rooms/Big%20Room%2F2".into()))
        );
        assert_eq!(destination("room="), Some(Err("Room name is empty.")));
        assert!(matches!(destination("room=a%0Ab"), Some(Err(_))));
        assert!(JoinQuery::parse("room=a&room=b").is_err());
    }
}
