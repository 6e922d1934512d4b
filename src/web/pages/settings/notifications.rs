//! What calls you back: this browser's notifications, turned on from its button (the
//! permission, then a push subscription so it is told even with no confab page open), every
//! browser so subscribed with a button to stop it, what a notification shows, and where each
//! room's level is chosen.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::devices::device_row;
use super::{Outcome, Part, done, settings_view};
use crate::auth::Session;
use crate::people::ProfileChanges;
use crate::web::pages::{State, ago, layout, signed_in};

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    subscription: String,
}

#[derive(Debug, Deserialize)]
pub struct ShownForm {
    /// `message` (who wrote, where, and the start of it) or `private` ("New message" only).
    #[serde(default)]
    shown: String,
}

pub(super) async fn part(state: &State, session: &Session, outcome: Option<&Outcome>) -> Markup {
    let now = state.clock.now_ms();
    let devices = state.push.devices(session).await;
    let private = session.user.private_notifications;
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
                            (device_row(&device.name, device.this_session, html! {
                                "through " (device.service) " · since "
                                time datetime=(device.created_at) { (ago(now, device.created_at)) }
                            }, html! {
                                form.inline method="post" action="/settings/push" {
                                    input type="hidden" name="subscription" value=(device.id);
                                    button.button type="submit" data-busy-label="Stopping…"
                                        aria-label={ "Stop notifying " (device.name) } { "Stop" }
                                }
                            }))
                        }
                    }
                }
            }
            form.stack method="post" action="/settings/notifications" {
                fieldset.choices {
                    legend { "What a notification shows" }
                    label.choice {
                        input type="radio" name="shown" value="message" checked[!private];
                        " Who wrote, where, and the start of the message"
                    }
                    label.choice {
                        input type="radio" name="shown" value="private" checked[private];
                        " Only “New message” (private)"
                    }
                }
                p.hint { "Private notifications show nothing of a message on a locked phone or a shared screen; opening one still takes you to its room." }
                button.button.primary type="submit" data-busy-label="Saving…" { "Save" }
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

/// `POST /settings/notifications`: what notifications show.
#[handler]
pub async fn save_shown(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<ShownForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let private = match form.shown.as_str() {
        "message" => false,
        "private" => true,
        _ => {
            let refused =
                Outcome::refused(Part::Notifications, "Choose what a notification shows.");
            return settings_view(&state, &session, Some(refused)).await;
        }
    };
    let changes = ProfileChanges {
        private_notifications: Some(private),
        ..ProfileChanges::default()
    };
    match state.people.change_profile(session.user.id, changes).await {
        Ok(_) => done("notifications"),
        Err(err) => {
            tracing::error!(error = %err, "cannot save what someone's notifications show");
            layout::unavailable_page()
        }
    }
}
