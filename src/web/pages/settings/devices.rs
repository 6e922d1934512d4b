//! Your signed-in devices: what and where each is, when it was last active, and signing one
//! out, or all but this one.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, done, settings_view};
use crate::auth::Session;
use crate::web::pages::{State, account, ago, signed_in};

/// Which sessions to end: one by its id, or `others`.
#[derive(Debug, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    session: String,
}

pub(super) async fn part(state: &State, session: &Session, outcome: Option<&Outcome>) -> Markup {
    let now = state.clock.now_ms();
    let sessions = state.auth.sessions(session).await;
    html! {
        section.card #devices aria-labelledby="devices-title" {
            h2 #devices-title { "Signed-in devices" }
            (Outcome::shown_in(outcome, Part::Devices))
            @match &sessions {
                Err(_) => p.muted { "Your devices cannot be read right now." },
                Ok(sessions) => {
                    ul.device-list {
                        @for device in sessions {
                            (device_row(&device.device, device.current, html! {
                                (device.ip.as_deref().unwrap_or("address unknown"))
                                " · last active "
                                time datetime=(device.last_active) { (ago(now, device.last_active)) }
                            }, html! {
                                @if !device.current {
                                    form.inline method="post" action="/settings/sessions" {
                                        input type="hidden" name="session" value=(device.id);
                                        button.button type="submit" data-busy-label="Signing out…"
                                            aria-label={ "Sign out " (device.device) } { "Sign out" }
                                    }
                                }
                            }))
                        }
                    }
                    @if sessions.len() > 1 {
                        form.inline method="post" action="/settings/sessions" {
                            input type="hidden" name="session" value="others";
                            button.button type="submit" data-busy-label="Signing out…" { "Sign out everywhere else" }
                        }
                    }
                }
            }
        }
    }
}

#[handler]
pub async fn end_sessions(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<EndForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let ended = if form.session == "others" {
        state.auth.end_other_sessions(&session).await
    } else {
        state
            .auth
            .end_session(&session, &form.session)
            .await
            .map(|key| vec![key])
    };
    match ended {
        Ok(keys) => {
            if keys.contains(&session.key) {
                // The person signed out the device they are on.
                return crate::web::pages::see_other("/");
            }
            done(if form.session == "others" {
                "signed-out-others"
            } else {
                "signed-out"
            })
        }
        Err(err) => {
            let text = account::refusal(&err).1;
            settings_view(
                &state,
                &session,
                Some(Outcome::refused(Part::Devices, text)),
            )
            .await
        }
    }
}

/// One browser in a list of them (signed in, or notified): its name, "This device" when it is
/// the one asking, a line `about` it, and the `control` that ends it.
pub(super) fn device_row(name: &str, this_device: bool, about: Markup, control: Markup) -> Markup {
    html! {
        li.device aria-label=(name) {
            div.device-about {
                strong { (name) }
                @if this_device { " " span.current-device { "This device" } }
                div.muted { (about) }
            }
            (control)
        }
    }
}
