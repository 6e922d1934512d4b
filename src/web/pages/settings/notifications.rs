//! What calls you back: this browser's notifications, turned on from its button (the
//! permission, then a push subscription so it is told even with no confab page open), every
//! browser so subscribed with a button to stop it, and where each room's level is chosen.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, done, settings_view};
use crate::auth::Session;
use crate::web::pages::{State, ago, signed_in};

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    subscription: String,
}

pub(super) async fn part(state: &State, session: &Session, outcome: Option<&Outcome>) -> Markup {
    let now = state.clock.now_ms();
    let devices = state.push.devices(session).await;
    html! {
        section.card #notifications aria-labelledby="notifications-title" {
            h2 #notifications-title { "Notifications" }
            (Outcome::shown_in(outcome, Part::Notifications))
            p #device-push-state role="status" {
                "Notifications on this device need JavaScript."
            }
            button.button.secondary #device-push type="button" hidden { "Turn on for this browser" }
            @match &devices {
                Err(_) => p.muted { "Your notified browsers cannot be read right now." },
                Ok(devices) if devices.is_empty() => {},
                Ok(devices) => {
                    h3 { "Browsers notified while confab is closed" }
                    ul.device-list {
                        @for device in devices {
                            li.device aria-label=(device.name) {
                                div.device-about {
                                    strong { (device.name) }
                                    @if device.this_session { " " span.current-device { "This device" } }
                                    div.muted {
                                        "through " (device.service) " · since "
                                        time datetime=(device.created_at) { (ago(now, device.created_at)) }
                                    }
                                }
                                form.inline method="post" action="/settings/push" {
                                    input type="hidden" name="subscription" value=(device.id);
                                    button.button type="submit" data-busy-label="Stopping…"
                                        aria-label={ "Stop notifying " (device.name) } { "Stop" }
                                }
                            }
                        }
                    }
                }
            }
            p.hint {
                "Each room notifies you as you choose, from its menu beside its name: every message "
                "in a direct conversation and mentions of you elsewhere, unless you choose otherwise."
            }
        }
    }
}

/// `POST /settings/push`: stop notifying one browser.
#[handler]
pub async fn remove_push(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<RemoveForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let removed = match form.subscription.parse::<u64>() {
        Ok(id) => state.push.unsubscribe(session.user.id, id).await,
        Err(_) => Err(crate::push::PushError::NotFound),
    };
    match removed {
        Ok(()) => done("push-removed"),
        Err(err) => {
            let failure = crate::errors::Failure::from(&err);
            let refused = Outcome::refused(Part::Notifications, failure.message);
            settings_view(&state, &session, Some(refused)).await
        }
    }
}
