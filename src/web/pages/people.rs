//! `/people` (everyone, searchable by the start of a username, with your friends and
//! requests first) and `/u/{username}` (a profile), each with "Message", friend and block
//! buttons: plain forms, so they work without JavaScript.

use std::collections::HashMap;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::avatar::{Size, avatar};
use super::layout::main;
use super::{State, ago, safe_next, see_other, signed_in, signed_in_page};
use crate::errors::Failure;
use crate::people::{PeopleError, Profile};
use crate::store::{Friendship, User};

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// A friend or block button's form.
#[derive(Debug, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    action: String,
    /// The page to come back to.
    back: Option<String>,
}

/// Someone as a list names them: their display name with the username beside it, or the
/// username alone.
fn person_name(user: &User) -> Markup {
    html! {
        (avatar(user, Size::Medium)) " "
        @if let Some(display_name) = &user.display_name {
            (display_name) " " span.handle { (user.username) }
        } @else {
            (user.username)
        }
    }
}

/// "Message": the conversation with them, ready for the first message (nothing is made
/// until it is sent).
fn message_button(username: &str) -> Markup {
    html! {
        a.button.primary.small href=(super::dm_path(&[username])) {
            "Message" span.visually-hidden { " " (username) }
        }
    }
}

/// The friend button that fits where two people stand.
fn friend_button(username: &str, state: Option<Friendship>, back: &str) -> Markup {
    let (action, label) = match state {
        None => ("friend", "Add friend"),
        Some(Friendship::Incoming) => ("friend", "Accept friend request"),
        Some(Friendship::Asked) => ("unfriend", "Cancel friend request"),
        Some(Friendship::Friends) => ("unfriend", "Unfriend"),
    };
    html! {
        form.inline method="post" action={ "/u/" (username) } {
            input type="hidden" name="action" value=(action);
            input type="hidden" name="back" value=(back);
            button.button.secondary.small type="submit" {
                (label) span.visually-hidden { " " (username) }
            }
            @if state == Some(Friendship::Incoming) {
                button.button.secondary.small type="submit" name="action" value="unfriend" {
                    "Decline" span.visually-hidden { " " (username) }
                }
            }
        }
    }
}

fn presence(online: bool, last_seen: Option<u64>, now: u64) -> Markup {
    html! {
        @if online {
            span.presence.online { span.presence-dot aria-hidden="true" {} "online now" }
        } @else if let Some(at) = last_seen {
            span.presence { "last seen " (ago(now, at)) }
        } @else {
            span.presence { "not seen yet" }
        }
    }
}

#[handler]
pub async fn people_page(
    req: &Request,
    state: Data<&State>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let me = &session.user;
    let q = query.q.unwrap_or_default();
    let (found, friends) = match (
        state.people.search(&q).await,
        state.people.friends(me.id).await,
    ) {
        (Ok(found), Ok(friends)) => (found, friends),
        _ => return super::layout::unavailable_page(),
    };
    let standing: HashMap<u64, Friendship> = friends.iter().map(|f| (f.user.id, f.state)).collect();
    let now = state.clock.now_ms();
    let back = if q.is_empty() {
        "/people".to_owned()
    } else {
        format!("/people?q={}", super::query_value(&q))
    };
    let markup = html! {
        section.card {
            h1 { "People" }
            form.join-form method="get" action="/people" role="search" {
                label for="people-q" { "Find someone by username" }
                div.row {
                    input #people-q name="q" type="search" value=(q) maxlength="32" autocomplete="off"
                        autocapitalize="none" spellcheck="false";
                    button.button.primary type="submit" { "Search" }
                }
            }
        }
        @if !friends.is_empty() {
            section.card aria-labelledby="friends-heading" {
                h2 #friends-heading { "Friends and requests" }
                ul.people-list {
                    @for friend in &friends {
                        li {
                            a.person href={ "/u/" (friend.user.username) } { (person_name(&friend.user)) }
                            @match friend.state {
                                Friendship::Friends => { (presence(state.chat.hub.is_online(friend.user.id), friend.last_seen, now)) }
                                Friendship::Incoming => { span.badge { "wants to be friends" } }
                                Friendship::Asked => { span.badge { "request sent" } }
                            }
                            span.person-actions {
                                (message_button(&friend.user.username))
                                (friend_button(&friend.user.username, Some(friend.state), &back))
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="everyone-heading" {
            h2 #everyone-heading { @if q.is_empty() { "Everyone" } @else { "Usernames starting with “" (q) "”" } }
            @if found.iter().all(|u| u.id == me.id) {
                p.empty-state { "Nobody found." }
            } @else {
                ul.people-list {
                    @for user in found.iter().filter(|u| u.id != me.id) {
                        li {
                            a.person href={ "/u/" (user.username) } { (person_name(user)) }
                            @if state.chat.hub.is_online(user.id) { span.presence.online { span.presence-dot aria-hidden="true" {} "online" } }
                            span.person-actions {
                                (message_button(&user.username))
                                (friend_button(&user.username, standing.get(&user.id).copied(), &back))
                            }
                        }
                    }
                }
            }
        }
    };
    signed_in_page(&state, me, StatusCode::OK, "People", None, main(markup)).await
}

fn profile_markup(profile: &Profile, me: &User, online: bool, now: u64) -> Markup {
    let user = &profile.user;
    let back = format!("/u/{}", user.username);
    html! {
        section.card.narrow {
            div.profile-head {
                (avatar(user, Size::Large))
                div {
                    h1 { (user.display_name.as_deref().unwrap_or(&user.username)) }
                    @if user.display_name.is_some() { p.muted { (user.username) } }
                }
            }
            p { (presence(online, profile.last_seen, now)) }
            p.muted { "Here since " (crate::operator::actions::format_utc(user.created_at)) " UTC" }
            @if user.id == me.id {
                p { "This is you. " a href="/settings" { "Your settings" } }
            } @else {
                @match profile.friendship {
                    Some(Friendship::Friends) => { p { "You are friends." } },
                    Some(Friendship::Incoming) => { p { (user.username) " wants to be your friend." } },
                    Some(Friendship::Asked) => { p { "Your friend request waits for an answer." } },
                    None => {},
                }
                p.actions {
                    (message_button(&user.username))
                    (friend_button(&user.username, profile.friendship, &back))
                    form.inline method="post" action={ "/u/" (user.username) } {
                        input type="hidden" name="back" value=(back);
                        @if profile.blocked {
                            button.button.secondary.small type="submit" name="action" value="unblock" { "Unblock" }
                        } @else {
                            button.button.secondary.small type="submit" name="action" value="block" { "Block" }
                        }
                    }
                }
                @if profile.blocked {
                    p.muted { "You blocked " (user.username) ": no direct messages or friend requests between you, and their messages are collapsed for you." }
                }
            }
        }
    }
}

async fn people_error(state: &State, me: &User, err: PeopleError) -> Response {
    let failure = Failure::from(&err);
    if failure.status().is_server_error() {
        return super::failure_page(&failure);
    }
    people_message(state, me, failure.status(), &failure.message).await
}

async fn people_message(state: &State, me: &User, status: StatusCode, text: &str) -> Response {
    let body = main(html! {
        section.card.narrow {
            h1 { (status.canonical_reason().unwrap_or("Error")) }
            p role="alert" { (text) }
            p { a.button href="/people" { "Back to people" } }
        }
    });
    signed_in_page(state, me, status, "People", None, body).await
}

#[handler]
pub async fn profile_page(
    req: &Request,
    state: Data<&State>,
    Path(username): Path<String>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let me = &session.user;
    match state.people.profile(me.id, &username).await {
        Ok(profile) => {
            let online = state.chat.hub.is_online(profile.user.id);
            let markup = profile_markup(&profile, me, online, state.clock.now_ms());
            let title = profile.user.username.clone();
            signed_in_page(&state, me, StatusCode::OK, &title, None, main(markup)).await
        }
        Err(err) => people_error(&state, me, err).await,
    }
}

/// `POST /u/{username}`: befriend (or accept), unfriend (or decline, or cancel), block or
/// unblock; then back to the page the button was on.
#[handler]
pub async fn person_action(
    req: &Request,
    state: Data<&State>,
    Path(username): Path<String>,
    Form(form): Form<PersonForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let me = session.user.clone();
    let people = &state.people;
    let done = match form.action.as_str() {
        "friend" => people
            .befriend(me.clone(), username.clone())
            .await
            .map(|_| ()),
        "unfriend" => people.unfriend(me.clone(), username.clone()).await,
        "block" => people.block(me.clone(), username.clone()).await,
        "unblock" => people.unblock(me.id, username.clone()).await,
        _ => {
            let text = "That is not something this page does.";
            return people_message(&state, &me, StatusCode::BAD_REQUEST, text).await;
        }
    };
    match done {
        Ok(()) => see_other(safe_next(form.back.as_deref())),
        Err(err) => people_error(&state, &me, err).await,
    }
}
