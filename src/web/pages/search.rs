//! `/search`: search every message you may read. The form is also in the header of every
//! signed-in page; results are rendered on the server, newest first, 50 a page, with the
//! matching words marked, each leading to its permalink. It works without JavaScript.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::{main, room_href, room_title};
use super::permalink::item;
use super::{State, query_value, signed_in, signed_in_page};
use crate::access::Actor;
use crate::errors::{Code, Failure};
use crate::rooms::Results;
use crate::search::{self, BEFORE_RULE, Position};
use crate::store::User;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    before: Option<String>,
}

#[handler]
pub async fn search_page(
    req: &Request,
    state: Data<&State>,
    Query(params): Query<SearchParams>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let user = &session.user;
    let typed = params.q.unwrap_or_default();
    let answer = match typed.trim().is_empty() {
        true => None,
        false => Some(find(&state, user, &typed, params.before.as_deref()).await),
    };
    let status = match &answer {
        Some(Err(failure)) if super::data_failed(failure) => {
            return super::layout::unavailable_page();
        }
        Some(Err(failure)) => failure.status(),
        _ => StatusCode::OK,
    };
    let title = if typed.trim().is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {}", typed.trim())
    };
    let me = user.username.to_ascii_lowercase();
    let body = main(html! {
        section.card.search-card {
            h1 { "Search" }
            (form(&typed, "search-page-q"))
            p.muted {
                "Every word must be in a message; the last may be the start of a word. "
                code { "from:alice" } " and " code { "in:general" } " narrow it down."
            }
        }
        @match &answer {
            None => {}
            Some(Err(failure)) => {
                p.form-error role="alert" { (failure.message) }
            }
            Some(Ok((query, found))) => (results(&typed, query, found, &me)),
        }
    });
    signed_in_page(&state, user, status, &title, None, body).await
}

/// The results of a search, or why there are none.
async fn find(
    state: &State,
    user: &User,
    typed: &str,
    before: Option<&str>,
) -> Result<(search::Query, Results), Failure> {
    let query = search::Query::parse(typed).map_err(|err| Failure::from(&err))?;
    let before = match before {
        Some(before) => Some(
            Position::parse(before)
                .ok_or_else(|| Failure::new(Code::InvalidSearch, BEFORE_RULE))?,
        ),
        None => None,
    };
    let found = state
        .rooms
        .search(Actor::signed_in(user), query.clone(), before)
        .await
        .map_err(|err| Failure::from(&err))?;
    Ok((query, found))
}

/// The search form, as the page and the header show it.
pub fn form(typed: &str, id: &str) -> Markup {
    html! {
        form.search-form method="get" action="/search" role="search" {
            label for=(id) { "Search messages" }
            div.row {
                input #(id) name="q" type="search" value=(typed) maxlength="300"
                    autocomplete="off" spellcheck="false" enterkeyhint="search";
                button.button.primary type="submit" { "Search" }
            }
        }
    }
}

fn results(typed: &str, query: &search::Query, found: &Results, me: &str) -> Markup {
    let marks = |term: &str| query.marks(term);
    let next = found
        .messages
        .last()
        .filter(|_| found.more)
        .map(|last| Position {
            ts: last.ts,
            room_id: last.room_id,
            id: last.id,
        });
    html! {
        section.search-results aria-labelledby="results-heading" {
            h2 #results-heading {
                @if found.messages.is_empty() { "No messages found" }
                @else if found.more { "Newest " (found.messages.len()) " results" }
                @else { (found.messages.len()) " " (if found.messages.len() == 1 { "result" } else { "results" }) }
            }
            ol.search-list {
                @for message in &found.messages {
                    @if let Some(room) = found.rooms.get(&message.room_id) {
                        li.search-result {
                            a.result-room href=(format!("{}/m/{}", room_href(room, me), message.id)) {
                                @if room.kind == "direct" { "Conversation with " }
                                (room_title(room, me))
                            }
                            ol.message-list.static {
                                (item(message, false, me, Some(&marks)))
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                p {
                    a.button.secondary href=(format!("/search?q={}&before={next}", query_value(typed))) {
                        "Older results"
                    }
                }
            }
        }
    }
}
