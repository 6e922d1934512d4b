//! Server-rendered pages (maud). Everything but the live chat works without JavaScript; the
//! browser code lives in `ui/` and is loaded from hashed asset URLs (no inline script).

mod account;
mod chat;
mod home;
mod layout;
mod rooms;

use std::sync::Arc;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use poem::http::{StatusCode, header};
use poem::web::{Html, Redirect};
use poem::{IntoResponse, Response, Route, get};

pub use account::{LoginForm, SignupForm};
pub use layout::error_page;
pub use rooms::JoinQuery;

/// Adds the page routes to the server's routes.
pub fn routes(route: Route) -> Route {
    route
        .at("/", get(home::home))
        .at("/signup", get(account::signup_page).post(account::signup))
        .at("/login", get(account::login_page).post(account::login))
        .at("/logout", get(account::logout_page).post(account::logout))
        .at("/rooms", get(rooms::rooms_page))
        .at("/rooms/*name", get(chat::chat_page))
        .at("/favicon.ico", get(home::favicon))
}

/// The path of a room's chat page.
pub fn room_path(name: &str) -> String {
    format!("/rooms/{}", utf8_percent_encode(name, NON_ALPHANUMERIC))
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
    }
}
