//! Server-rendered pages (maud). Everything but the live chat works without JavaScript; the
//! browser code lives in `ui/` and is loaded from hashed asset URLs (no inline script).

mod account;
mod admin;
mod avatar;
mod chat;
mod direct;
mod home;
mod invite;
mod layout;
mod people;
mod permalink;
mod recovery;
mod room_settings;
mod rooms;
mod search;
mod settings;

use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use poem::http::{StatusCode, header};
use poem::web::{Html, Redirect};
use poem::{IntoResponse, Response, Route, get};

use super::Assets;

pub use account::{LoginForm, SignupForm};
pub use layout::error_page;
pub use rooms::JoinQuery;

use crate::access::Actor;
use crate::auth::Session;
use crate::errors::{Code, Failure};
use crate::rooms::RoomError;
use crate::store::User;

/// Adds the page routes to the server's routes.
pub fn routes(route: Route) -> Route {
    route
        .at("/", get(home::home))
        .at("/signup", get(account::signup_page).post(account::signup))
        .at("/login", get(account::login_page).post(account::login))
        .at("/logout", get(account::logout_page).post(account::logout))
        .at(
            "/recover",
            get(recovery::recover_page).post(recovery::recover),
        )
        .at(
            "/reset/:token",
            get(recovery::reset_page).post(recovery::reset),
        )
        .at("/rooms", get(rooms::rooms_page).post(rooms::create_room))
        .at(
            "/rooms/*name",
            get(chat::room_page).post(room_settings::change),
        )
        .at(
            "/invite/:code",
            get(invite::invite_page).post(invite::accept),
        )
        .at("/dm", poem::post(direct::start))
        .at("/people", get(people::people_page))
        .at("/search", get(search::search_page))
        .at(
            "/u/:username",
            get(people::profile_page).post(people::person_action),
        )
        .at(
            "/settings",
            get(settings::settings_page).post(settings::save_messages),
        )
        .at("/settings/profile", poem::post(settings::save_profile))
        .at(
            "/settings/avatar/remove",
            poem::post(settings::remove_avatar),
        )
        .at("/settings/delete", poem::post(settings::delete_account))
        .at("/settings/password", poem::post(settings::change_password))
        .at("/settings/recovery-codes", poem::post(settings::new_codes))
        .at("/settings/sessions", poem::post(settings::end_sessions))
        .at("/settings/tokens", poem::post(settings::change_tokens))
        .at("/settings/push", poem::post(settings::remove_push))
        .at("/settings/notifications", poem::post(settings::save_shown))
        .at("/dm/*people", get(direct::direct_page))
        .at("/admin", get(admin::admin_page))
        .at("/admin/users", poem::post(admin::act_on_person))
        .at("/admin/rooms", poem::post(admin::act_on_room))
        .at("/admin/settings", poem::post(admin::change_settings))
        .at("/admin/invites", poem::post(admin::change_invites))
        .at("/admin/audit.jsonl", get(admin::download_audit))
        .at("/favicon.ico", get(home::favicon))
}

/// What a query value keeps unencoded: letters, digits and the unreserved `-._~` (so an
/// invite code, which uses `-` and `_`, reads the same in `?next=`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` encoded for a query string's value: `?next={…}`, `?q={…}`.
pub fn query_value(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

/// The path of a room's chat page. Every character but letters and digits is encoded, `.`
/// too: a room named `..` must not become a path a browser shortens.
pub fn room_path(name: &str) -> String {
    format!("/rooms/{}", utf8_percent_encode(name, NON_ALPHANUMERIC))
}

/// The path of the direct room with these people (and you): `/dm/alice,bob`.
pub fn dm_path(usernames: &[&str]) -> String {
    let names: Vec<String> = usernames
        .iter()
        .map(|name| utf8_percent_encode(name, NON_ALPHANUMERIC).to_string())
        .collect();
    format!("/dm/{}", names.join(","))
}

/// The session of a page's request, or the answer to give instead: to sign in (and back
/// here afterwards), or 503 when the database cannot tell.
pub async fn signed_in(state: &super::AppState, req: &poem::Request) -> Result<Session, Response> {
    match state.session(req).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(login_redirect(req)),
        Err(_) => Err(layout::unavailable_page()),
    }
}

/// 303 to the sign-in page, which comes back to this page afterwards.
pub fn login_redirect(req: &poem::Request) -> Response {
    let back = req.uri().path_and_query().map_or("/", |p| p.as_str());
    see_other(&format!(
        "/login?next={}",
        query_value(safe_next(Some(back)))
    ))
}

/// "No such room" for a name that is taken by a room this person cannot see: nothing is
/// created and nothing else is said.
pub async fn not_found_room(state: &super::AppState, user: &User, name: &str) -> Response {
    let body = layout::main(maud::html! {
        section.card.narrow {
            h1 { "No such room" }
            p { "The name “" (name) "” is taken by a room you are not a member of." }
            p { a.button href="/rooms" { "Back to the rooms" } }
        }
    });
    signed_in_page(
        state,
        user,
        StatusCode::NOT_FOUND,
        "No such room",
        None,
        body,
    )
    .await
}

/// The page of a room that does not exist, or that this person may not see: the same for both.
pub async fn not_found_room_page(state: &super::AppState, user: &User) -> Response {
    room_error_page(state, user, &RoomError::NotFound).await
}

/// The page for a refused room operation, in the app shell.
pub async fn room_error_page(state: &super::AppState, user: &User, err: &RoomError) -> Response {
    failed_page(state, user, &Failure::from(err)).await
}

/// The page for a failure inside the app shell, for someone signed in: its status and words.
pub async fn failed_page(state: &super::AppState, user: &User, failure: &Failure) -> Response {
    if data_failed(failure) {
        return layout::unavailable_page();
    }
    let status = failure.status();
    let body = layout::main(maud::html! {
        section.card.narrow {
            h1 { (status.canonical_reason().unwrap_or("Error")) }
            p { (failure.message) }
            p { a.button href="/rooms" { "Back to the rooms" } }
        }
    });
    signed_in_page(state, user, status, "Error", None, body).await
}

/// The page for any failure outside the app shell: its status and its words, or, when the
/// server could not read or write its data, the page that tries again by itself.
pub fn failure_page(failure: &Failure) -> Response {
    if data_failed(failure) {
        return layout::unavailable_page();
    }
    layout::error_page(failure.status(), &failure.message)
}

/// The server could not read or write its data, most likely for a moment (a disk fault while
/// the database is reopened): a page answers 503 and tries again by itself, where the API
/// gives the code's own status.
fn data_failed(failure: &Failure) -> bool {
    matches!(failure.code, Code::Unavailable | Code::StorageError)
}

/// A signed-in page in the app shell, with the person's rooms in the sidebar. If they cannot
/// be read, the page is still shown, with an empty sidebar that the live connection fills.
pub async fn signed_in_page(
    state: &super::AppState,
    user: &crate::store::User,
    status: StatusCode,
    title: &str,
    current: Option<u64>,
    body: maud::Markup,
) -> Response {
    let rooms = match state.rooms.sidebar(Actor::signed_in(user)).await {
        Ok(rooms) => rooms,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the rooms for a sidebar");
            Vec::new()
        }
    };
    let friends: Vec<layout::SidebarFriend> = match state.people.friends(user.id).await {
        Ok(friends) => friends
            .into_iter()
            .filter(|f| f.state == crate::store::Friendship::Friends)
            .map(|f| layout::SidebarFriend {
                online: state.chat.hub.is_online(f.user.id),
                person: crate::people::Person::of(&f.user),
                last_seen: f.last_seen,
            })
            .collect(),
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the friends for a sidebar");
            Vec::new()
        }
    };
    let shell = layout::Shell {
        user,
        rooms: &rooms,
        friends: &friends,
        current,
        now: state.clock.now_ms(),
    };
    page(status, layout::shell(Assets::shared(), title, &shell, body))
}

/// How long ago a time was, as a person says it.
pub fn ago(now_ms: u64, then_ms: u64) -> String {
    let secs = now_ms.saturating_sub(then_ms) / 1000;
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// 303 to `path` (after a form post, or to the sign-in page).
pub fn see_other(path: &str) -> Response {
    Redirect::see_other(path).into_response()
}

/// Where to go after signing in: only paths on this site, never `//other.example`. The path
/// must be printable ASCII, as the site's own (percent-encoded) links are: browsers drop tabs
/// and line breaks from a `Location` (`/<TAB>/other.example` would lead off the site), and a
/// header cannot carry control characters at all.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path
        }
        _ => "/rooms",
    }
}

/// A rendered page with a status. Pages show who is signed in, so browsers must not keep
/// them: after signing out, Back must not show the signed-in page again.
pub fn page(status: StatusCode, markup: maud::Markup) -> Response {
    Html(markup.into_string())
        .with_status(status)
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

type State = Arc<super::AppState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(safe_next(Some("/rooms/lobby")), "/rooms/lobby");
        assert_eq!(safe_next(Some("//evil.example")), "/rooms");
        assert_eq!(safe_next(Some("https://evil.example")), "/rooms");
        assert_eq!(safe_next(Some("/\\evil.example")), "/rooms");
        assert_eq!(safe_next(None), "/rooms");
    }

    #[test]
    fn next_paths_the_browser_would_rewrite_are_refused() {
        for sneaky in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/rooms\0",
            "/rooms/café",
        ] {
            assert_eq!(safe_next(Some(sneaky)), "/rooms", "{sneaky:?}");
        }
        assert_eq!(safe_next(Some("/rooms/caf%C3%A9")), "/rooms/caf%C3%A9");
    }

    #[test]
    fn room_paths_are_encoded() {
        assert_eq!(room_path("42"), "/rooms/42");
        assert_eq!(room_path("a b/c"), "/rooms/a%20b%2Fc");
        assert_eq!(room_path("café"), "/rooms/caf%C3%A9");
        assert_eq!(room_path(".."), "/rooms/%2E%2E");
    }

    #[test]
    fn query_values_keep_unreserved_characters() {
        assert_eq!(query_value("/invite/a-b_c.d~e"), "%2Finvite%2Fa-b_c.d~e");
        assert_eq!(query_value("a b&c=d"), "a%20b%26c%3Dd");
    }
}
