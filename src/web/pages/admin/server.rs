//! Who may sign up and who may make rooms, and the server's invite links, on `/admin`. A saved
//! setting and a revoked link come back to the page with `?done=…`; a new link is shown at
//! once, the only time its address exists anywhere.

use std::time::Duration;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Admin, AdminQuery, Outcome, Part, admin_of, admin_view};
use crate::auth::{InviteInfo, Settings, signup_name};
use crate::errors::{Code, Failure};
use crate::store::{RoomCreation, Signup};
use crate::web::pages::{State, ago, see_other};
use crate::web::site_origin;

/// How long a new invite link may work, as the form offers it.
const LIFETIMES: [(&str, &str, Option<u64>); 4] = [
    ("1d", "1 day", Some(86_400)),
    ("7d", "7 days", Some(7 * 86_400)),
    ("30d", "30 days", Some(30 * 86_400)),
    ("never", "Until revoked", None),
];

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    signup: String,
    #[serde(default)]
    room_creation: String,
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    /// `create` or `revoke`.
    #[serde(default)]
    action: String,
    /// For `create`: one of [`LIFETIMES`].
    #[serde(default)]
    lifetime: String,
    /// For `create`: how many accounts it may make; empty for any number.
    #[serde(default)]
    max_uses: String,
    /// For `revoke`: the link's id.
    #[serde(default)]
    id: String,
}

pub(super) async fn part(state: &State, outcome: Option<&Outcome>) -> Markup {
    let settings = state.auth.settings().await;
    let invites = state.auth.server_invites().await;
    let now = state.clock.now_ms();
    html! {
        section.card #server aria-labelledby="server-title" {
            h2 #server-title { "Sign-up and rooms" }
            (Outcome::shown(outcome, Part::Server))
            @match settings {
                Err(_) => p.muted { "The settings cannot be read right now." },
                Ok(settings) => (settings_form(&settings)),
            }
        }
        section.card #invites aria-labelledby="invites-title" {
            h2 #invites-title { "Invite links" }
            p.muted { "Anyone with a working link can make an account, even while sign-up is by invitation only (not while it is closed)." }
            (Outcome::shown(outcome, Part::Invites))
            form.row-form method="post" action="/admin/invites" {
                input type="hidden" name="action" value="create";
                div.row {
                    label for="invite-lifetime" { "Works for" }
                    select #invite-lifetime name="lifetime" {
                        @for (value, text, _) in LIFETIMES {
                            option value=(value) selected[value == "7d"] { (text) }
                        }
                    }
                    label for="invite-uses" { "Accounts it may make" }
                    input #invite-uses name="max_uses" type="number" min="1" max="1000"
                        placeholder="any number" inputmode="numeric";
                    button.button.primary type="submit" data-busy-label="Making a link…" { "Make an invite link" }
                }
            }
            @match &invites {
                Err(_) => p.muted { "The invite links cannot be read right now." },
                Ok(invites) if invites.is_empty() => p.muted { "No invite links yet." },
                Ok(invites) => {
                    div.table-scroll {
                        table.admin-table {
                            thead { tr { th scope="col" { "Link" } th scope="col" { "Made" } th scope="col" { "Used" } th scope="col" { "State" } th scope="col" { span.visually-hidden { "Actions" } } } }
                            tbody { @for invite in invites { (invite_row(invite, now)) } }
                        }
                    }
                }
            }
        }
    }
}

fn settings_form(settings: &Settings) -> Markup {
    let choice = |name: &str, value: &str, text: &str, checked: bool| {
        html! {
            label.choice { input type="radio" name=(name) value=(value) checked[checked]; " " (text) }
        }
    };
    let signup = settings.signup;
    let admins_only = settings.room_creation == RoomCreation::Admins;
    html! {
        form.stack method="post" action="/admin/settings" {
            fieldset.choices {
                legend { "Who may make an account" }
                (choice("signup", "open", "Anyone who finds the server", signup == Signup::Open))
                (choice("signup", "invite", "Only people with an invite link", signup == Signup::Invite))
                (choice("signup", "closed", "Nobody: accounts are made with confab user add", signup == Signup::Closed))
            }
            @if !settings.signup_chosen {
                p.hint { "Nobody has chosen here yet, so the server's --open-signup setting decides: sign-up is " (signup_name(signup)) "." }
            }
            fieldset.choices {
                legend { "Who may make new rooms" }
                (choice("room_creation", "everyone", "Everyone", !admins_only))
                (choice("room_creation", "admins", "Only admins", admins_only))
            }
            p.hint { "Conversations between people are not rooms: anyone may start one." }
            button.button.primary type="submit" data-busy-label="Saving…" { "Save" }
        }
    }
}

fn invite_row(invite: &InviteInfo, now: u64) -> Markup {
    let state = if invite.revoked {
        "Revoked".to_owned()
    } else if !invite.usable && invite.max_uses.is_some_and(|max| invite.uses >= max) {
        "Used up".to_owned()
    } else if !invite.usable {
        "Expired".to_owned()
    } else {
        match invite.expires_at {
            Some(at) => format!("Works for {}", until(now, at)),
            None => "Works until revoked".to_owned(),
        }
    };
    html! {
        tr {
            th scope="row" { code { (invite.id) } }
            td { (invite.created_by) ", " time datetime=(invite.created_at) { (ago(now, invite.created_at)) } }
            td {
                (invite.uses)
                @if let Some(max) = invite.max_uses { " of " (max) }
            }
            td { (state) }
            td {
                @if invite.usable {
                    form.inline method="post" action="/admin/invites" {
                        input type="hidden" name="action" value="revoke";
                        input type="hidden" name="id" value=(invite.id);
                        button.button.secondary type="submit" data-busy-label="Revoking…"
                            aria-label={ "Revoke invite " (invite.id) } { "Revoke" }
                    }
                }
            }
        }
    }
}

/// How long until `then`, as a person says it.
fn until(now: u64, then: u64) -> String {
    let secs = then.saturating_sub(now) / 1000;
    match secs {
        0..=3599 => format!("{} more min", (secs / 60).max(1)),
        3600..=86_399 => format!("{} more h", secs / 3600),
        _ => format!("{} more days", secs / 86_400),
    }
}

/// The setting a form's value names; `None` for anything else.
fn parse_signup(value: &str) -> Option<Signup> {
    Some(match value {
        "open" => Signup::Open,
        "invite" => Signup::Invite,
        "closed" => Signup::Closed,
        _ => return None,
    })
}

fn parse_room_creation(value: &str) -> Option<RoomCreation> {
    Some(match value {
        "everyone" => RoomCreation::Everyone,
        "admins" => RoomCreation::Admins,
        _ => return None,
    })
}

#[handler]
pub async fn change_settings(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<SettingsForm>,
) -> Response {
    let admin = match admin_of(&state, req).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let by = &admin.by;
    let (Some(signup), Some(room_creation)) = (
        parse_signup(&form.signup),
        parse_room_creation(&form.room_creation),
    ) else {
        let failure = Failure::new(Code::BadRequest, "Choose one answer to each question.");
        let refused = (
            Outcome::refused(Part::Server, failure),
            StatusCode::BAD_REQUEST,
        );
        return refused_view(&state, &admin, refused).await;
    };
    match state
        .auth
        .change_settings(by, Some(signup), Some(room_creation))
        .await
    {
        Ok(true) => see_other("/admin?done=settings#server"),
        Ok(false) => see_other("/admin?done=settings-unchanged#server"),
        Err(err) => {
            let failure = Failure::from(&err);
            let status = failure.status();
            refused_view(
                &state,
                &admin,
                (Outcome::refused(Part::Server, failure), status),
            )
            .await
        }
    }
}

#[handler]
pub async fn change_invites(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<InviteForm>,
) -> Response {
    let admin = match admin_of(&state, req).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let by = &admin.by;
    let refuse = |failure: Failure| {
        let status = failure.status();
        (Outcome::refused(Part::Invites, failure), status)
    };
    let (outcome, status) = match form.action.as_str() {
        "create" => {
            let lifetime = LIFETIMES.iter().find(|(value, ..)| *value == form.lifetime);
            let max_uses = match form.max_uses.trim() {
                "" => Some(None),
                typed => typed
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .map(Some),
            };
            let (Some((_, _, seconds)), Some(max_uses)) = (lifetime, max_uses) else {
                return refused_view(&state, &admin, refuse(Failure::new(
                    Code::BadRequest,
                    "Choose how long the link works, and a number of accounts from 1 to 1000 (or none).",
                )))
                .await;
            };
            let expires_in = seconds.map(Duration::from_secs);
            match state
                .auth
                .create_server_invite(by, expires_in, max_uses)
                .await
            {
                Ok(made) => {
                    let url = format!(
                        "{}/signup?invite={}",
                        site_origin(req, state.tls),
                        made.code
                    );
                    let made = Outcome {
                        part: Part::Invites,
                        ok: true,
                        text: "A new invite link: give it to the people you invite. It is shown only now.".to_owned(),
                        link: Some(("Invite link", url)),
                    };
                    (made, StatusCode::OK)
                }
                Err(err) => refuse(Failure::from(&err)),
            }
        }
        "revoke" => match state.auth.revoke_server_invite(by, &form.id).await {
            Ok(true) => return see_other("/admin?done=invite-revoked#invites"),
            Ok(false) => refuse(Failure::new(
                Code::InviteInvalid,
                "No working invite link has that id.",
            )),
            Err(err) => refuse(Failure::from(&err)),
        },
        _ => refuse(Failure::new(
            Code::BadRequest,
            "That is not something to do with an invite link.",
        )),
    };
    admin_view(
        &state,
        &admin,
        &AdminQuery::default(),
        Some(outcome),
        status,
    )
    .await
}

/// The page again, with a refusal in its section.
async fn refused_view(
    state: &State,
    admin: &Admin,
    (outcome, status): (Outcome, StatusCode),
) -> Response {
    admin_view(state, admin, &AdminQuery::default(), Some(outcome), status).await
}
