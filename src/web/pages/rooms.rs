//! `/rooms`: join any room by name; busy rooms and your recent rooms.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::main;
use super::{State, room_path, see_other};
use crate::rooms::input::{ROOM_NAME_MAX, check_room_name};
use crate::store::Room;

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

fn ago(now_ms: u64, then_ms: u64) -> String {
    let secs = now_ms.saturating_sub(then_ms) / 1000;
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

fn room_item(room: &Room, online: usize, now: u64, when: u64) -> Markup {
    let name = room.name.as_deref().unwrap_or_default();
    html! {
        li {
            a.room-link href=(room_path(name)) {
                span.room-name { (name) }
                span.room-meta {
                    @if online > 0 { span.online-dot aria-hidden="true" {} (online) " online · " }
                    (ago(now, when))
                }
            }
        }
    }
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
    let typed = query.room.unwrap_or_default();
    let listing = match state.rooms.listing(session.user.id, ACTIVE_ROOMS).await {
        Ok(listing) => listing,
        Err(_) => {
            return super::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The room list could not be read. Try again in a moment.",
            );
        }
    };
    let (active, mine) = (listing.open, listing.mine);
    let now = state.clock.now_ms();
    let markup = html! {
        section.card {
            h1 { "Join a room" }
            (join_form(&typed, error))
        }
        div.room-columns {
            section.card {
                h2 { "Active rooms" }
                @if active.is_empty() {
                    p.empty-state { "No rooms yet. Type a name above to start the first one." }
                } @else {
                    ul.room-list {
                        @for room in &active {
                            (room_item(room, state.chat.hub.online_count(room.id), now, room.last_activity))
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
                        @for (room, _) in &mine {
                            (room_item(room, state.chat.hub.online_count(room.id), now, room.last_activity))
                        }
                    }
                }
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    super::signed_in_page(&state, &session.user, status, "Rooms", None, main(markup)).await
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
