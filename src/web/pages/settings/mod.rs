//! `/settings`: your account. One page of sections, each a form of its own that posts to its
//! own address: your profile, your picture, your password, your recovery codes, your
//! signed-in devices, your API tokens, who may message you, notifications, and deleting the
//! account. A change that worked comes back here with
//! `?done=…` (so a reload does not post it again); one that was refused is shown at once, in
//! its section, with what to fix.

mod avatar;
mod delete;
mod devices;
mod messages;
mod notifications;
mod password;
mod profile;
mod recovery;
mod tokens;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::main;
use super::{State, see_other, signed_in, signed_in_page};
use crate::auth::Session;

pub use avatar::remove_avatar;
pub use delete::delete_account;
pub use devices::end_sessions;
pub use messages::save_messages;
pub use notifications::{remove_push, save_shown};
pub use password::change_password;
pub use profile::save_profile;
pub use recovery::new_codes;
pub use tokens::change_tokens;

/// The parts of the page, each with its own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Profile,
    Avatar,
    Messages,
    Password,
    Recovery,
    Devices,
    Tokens,
    Notifications,
    Delete,
}

/// What the last change did, shown in its part of the page.
#[derive(Debug, Clone)]
struct Outcome {
    part: Part,
    ok: bool,
    text: String,
}

impl Outcome {
    fn refused(part: Part, text: impl Into<String>) -> Self {
        Outcome {
            part,
            ok: false,
            text: text.into(),
        }
    }

    /// What `?done=…` says after a change that worked.
    fn done(done: &str) -> Option<Outcome> {
        let (part, text) = match done {
            "messages" => (Part::Messages, "Saved."),
            "profile" => (Part::Profile, "Profile saved."),
            "avatar" => (Part::Avatar, "Picture saved."),
            "avatar-removed" => (
                Part::Avatar,
                "Picture removed: your initials are shown instead.",
            ),
            "password" => (
                Part::Password,
                "Password changed. Every other device was signed out.",
            ),
            "recovered" => (
                Part::Password,
                "You are back in: your password is changed and every other device was signed out. The code you used no longer works.",
            ),
            "reset" => (
                Part::Password,
                "You are back in: your password is changed and every other device was signed out.",
            ),
            "signed-out" => (Part::Devices, "That device was signed out."),
            "signed-out-others" => (Part::Devices, "Every other device was signed out."),
            "token-revoked" => (Part::Tokens, "That token is revoked: it no longer works."),
            "push-removed" => (Part::Notifications, "That browser is notified no more."),
            "notifications" => (Part::Notifications, "Saved."),
            _ => return None,
        };
        Some(Outcome {
            part,
            ok: true,
            text: text.to_owned(),
        })
    }

    /// The message, if it belongs to `part`.
    fn shown_in(outcome: Option<&Outcome>, part: Part) -> Markup {
        html! {
            @if let Some(outcome) = outcome.filter(|o| o.part == part) {
                @if outcome.ok {
                    p.form-ok role="status" { (outcome.text) }
                } @else {
                    p.form-error role="alert" { (outcome.text) }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

/// The whole page, with the outcome of the last change in its part.
async fn settings_view(state: &State, session: &Session, outcome: Option<Outcome>) -> Response {
    let status = match &outcome {
        Some(outcome) if !outcome.ok => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let outcome = outcome.as_ref();
    let devices = devices::part(state, session, outcome).await;
    let tokens = tokens::part(state, session, outcome).await;
    let recovery = recovery::part(state, session, outcome).await;
    let notifications = notifications::part(state, session, outcome).await;
    let markup = html! {
        div.settings {
            h1 { "Settings" }
            (profile::part(&session.user, outcome))
            (avatar::part(&session.user, outcome))
            (password::part(outcome))
            (recovery)
            (devices)
            (tokens)
            (messages::part(&session.user, outcome))
            (notifications)
            (delete::part(outcome))
        }
    };
    signed_in_page(state, &session.user, status, "Settings", None, main(markup)).await
}

#[handler]
pub async fn settings_page(
    req: &Request,
    state: Data<&State>,
    Query(query): Query<SettingsQuery>,
) -> Response {
    match signed_in(&state, req).await {
        Ok(session) => {
            let outcome = query.done.as_deref().and_then(Outcome::done);
            settings_view(&state, &session, outcome).await
        }
        Err(answer) => answer,
    }
}

/// Back to the page after a change that worked, saying so.
fn done(what: &str) -> Response {
    see_other(&format!("/settings?done={what}"))
}
