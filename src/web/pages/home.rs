//! `/`: what confab is, and the way in.

use maud::html;
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use super::layout::{layout, main};
use super::{State, page};
use crate::web::Assets;

#[handler]
pub async fn home(req: &Request, state: Data<&State>) -> Response {
    let session = state.session(req).await.ok().flatten();
    let user = session.as_ref().map(|s| &s.user);
    let content = html! {
            section.hero {
                h1 { "Chat with your people, on your own server." }
                p.lead { "Pick a room by name, invite others to it, and talk live. Everything stays on this server." }
                @if let Some(user) = user {
                    p { "Welcome back, " strong { (user.username) } "." }
                    p.actions { a.button.primary href="/rooms" { "Go to the rooms" } }
                } @else {
                    p.actions {
                        a.button.primary href="/signup" { "Create an account" }
                        a.button.secondary href="/login" { "Sign in" }
                    }
                }
            }
    };
    match user {
        Some(user) => {
            super::signed_in_page(&state, user, StatusCode::OK, "Welcome", None, main(content))
                .await
        }
        None => page(
            StatusCode::OK,
            layout(Assets::shared(), "Welcome", None, content),
        ),
    }
}

/// Browsers ask for `/favicon.ico` on their own; send them to the real icon.
#[handler]
pub fn favicon() -> Response {
    Response::builder()
        .status(StatusCode::MOVED_PERMANENTLY)
        .header(header::LOCATION, Assets::shared().url("favicon.svg"))
        .finish()
        .into_response()
}
