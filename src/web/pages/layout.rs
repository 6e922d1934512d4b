//! The frame every page shares: head, header with sign-in state, main.

use maud::{DOCTYPE, Markup, html};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::page;
use crate::store::User;
use crate::web::Assets;

/// Page head: metadata, styles, icon and the small form script.
pub fn head(assets: &Assets, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
            meta name="color-scheme" content="light dark";
            title { (title) " · confab" }
            link rel="icon" type="image/svg+xml" href=(assets.url("favicon.svg"));
            link rel="stylesheet" href=(assets.url("app.css"));
            script src=(assets.url("forms.js")) defer {}
        }
    }
}

/// A sign-out button (a form: signing out changes state, so it is a POST).
pub fn sign_out_button(class: &str) -> Markup {
    html! {
        form.inline method="post" action="/logout" {
            button.(class) type="submit" data-busy-label="Signing out…" { "Sign out" }
        }
    }
}

/// A page with the site header.
pub fn layout(assets: &Assets, title: &str, user: Option<&User>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(assets, title))
            body {
                a.skip-link href="#main" { "Skip to content" }
                header.site-header {
                    a.brand href="/" aria-label="confab home" {
                        img src=(assets.url("favicon.svg")) alt="" width="24" height="24";
                        span { "confab" }
                    }
                    nav aria-label="Account" {
                        @if let Some(user) = user {
                            a href="/rooms" { "Rooms" }
                            span.whoami { "Signed in as " strong { (user.username) } }
                            (sign_out_button("button secondary"))
                        } @else {
                            a href="/login" { "Sign in" }
                            a.button href="/signup" { "Sign up" }
                        }
                    }
                }
                main #main tabindex="-1" { (main) }
            }
        }
    }
}

/// A page that explains an error. Used for 404s, refused requests and the like.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let assets = Assets::shared();
    let markup = layout(
        assets,
        title,
        None,
        html! {
            section.card.narrow {
                h1 { (title) }
                p { (message) }
                p { a.button href="/" { "Go to the home page" } }
            }
        },
    );
    page(status, markup).into_response()
}
