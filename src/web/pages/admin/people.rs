//! The people of the server, as admins see and change them: find them by name, disable and
//! enable, ban (optionally with their messages), promote and demote, sign them out everywhere,
//! or give them a sign-in link. Each change is one form with the person's name and the action,
//! written to the audit log.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{AdminQuery, Outcome, Part, admin_of, admin_view};
use crate::auth::{AccountAction, validate};
use crate::errors::{Code, Failure};
use crate::store::User;
use crate::web::pages::{State, ago, query_value, see_other};
use crate::web::site_origin;

/// People listed at once; a search narrows them down.
const LISTED: usize = 50;

/// One change to one person.
#[derive(Debug, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    action: String,
    /// The search the list was showing, kept across the change.
    #[serde(default)]
    q: String,
    /// With `ban`: their messages go too (a ticked box).
    delete_messages: Option<String>,
}

/// What a form's `action` asks for.
enum Asked {
    Account(AccountAction),
    Ban,
    SignInLink,
}

fn asked(action: &str) -> Option<Asked> {
    Some(match action {
        "disable" => Asked::Account(AccountAction::Disable),
        "enable" => Asked::Account(AccountAction::Enable),
        "promote" => Asked::Account(AccountAction::Promote),
        "demote" => Asked::Account(AccountAction::Demote),
        "end_sessions" => Asked::Account(AccountAction::EndSessions),
        "ban" => Asked::Ban,
        "sign_in_link" => Asked::SignInLink,
        _ => return None,
    })
}

/// What `?done=…&name=…` says after a change to a person that worked.
pub(super) fn done(done: &str, name: Option<&str>) -> Option<String> {
    let name = name.filter(|name| validate::check_username(name).is_ok())?;
    Some(match done {
        "user.disable" => format!("{name} is disabled and signed out everywhere."),
        "user.ban" => format!("{name} is banned: disabled and signed out everywhere."),
        "user.ban-erased" => format!(
            "{name} is banned: disabled and signed out everywhere, and their messages deleted."
        ),
        "user.enable" => format!("{name} may sign in again."),
        "user.promote" => format!("{name} is an admin."),
        "user.demote" => format!("{name} is no longer an admin."),
        "user.end_sessions" => format!("{name} is signed out everywhere."),
        "unchanged" => format!("Nothing changed: {name} was that way already."),
        _ => return None,
    })
}

pub(super) async fn part(state: &State, query: &AdminQuery, outcome: Option<&Outcome>) -> Markup {
    let now = state.clock.now_ms();
    let found = state.auth.find_users(&query.q, LISTED).await;
    html! {
        section.card #people aria-labelledby="people-title" {
            h2 #people-title { "People" }
            form.admin-search method="get" action="/admin#people" role="search" aria-label="People search" {
                label for="admin-q" { "Find people" }
                input #admin-q name="q" type="search" value=(query.q) maxlength="64"
                    autocomplete="off" spellcheck="false";
                button.button type="submit" { "Find" }
            }
            (Outcome::shown(outcome, Part::People))
            @match &found {
                Err(_) => p.muted { "The accounts cannot be read right now." },
                Ok((users, _)) if users.is_empty() => p.muted { "Nobody’s name holds “" (query.q) "”." },
                Ok((users, more)) => {
                    div.table-scroll {
                        table.admin-table {
                            thead { tr { th scope="col" { "Person" } th scope="col" { "Role" } th scope="col" { "State" } th scope="col" { "Joined" } th scope="col" { "Actions" } } }
                            tbody {
                                @for user in users { (row(user, &query.q, now)) }
                            }
                        }
                    }
                    @if *more {
                        p.muted { "More people match: narrow the search to see them." }
                    }
                }
            }
        }
    }
}

/// One person: who, their role and state, and a button for each change that applies.
fn row(user: &User, q: &str, now: u64) -> Markup {
    let name = user.username.as_str();
    let button = |action: &str, text: &str, busy: &str| {
        html! {
            form.inline method="post" action="/admin/users" {
                input type="hidden" name="name" value=(name);
                input type="hidden" name="action" value=(action);
                input type="hidden" name="q" value=(q);
                button.button.secondary type="submit" data-busy-label=(busy)
                    aria-label={ (text) " " (name) } { (text) }
            }
        }
    };
    html! {
        tr {
            th scope="row" {
                (name)
                @if let Some(display) = &user.display_name { br; span.muted { (display) } }
            }
            td { @if user.admin { "Admin" } @else { "Member" } }
            td {
                @if user.deleted { "Deleted" }
                @else if user.disabled { "Disabled" }
                @else { "Active" }
            }
            td { time datetime=(user.created_at) { (ago(now, user.created_at)) } }
            td.admin-actions {
                @if !user.deleted {
                    @if user.disabled {
                        (button("enable", "Enable", "Enabling…"))
                    } @else {
                        (button("disable", "Disable", "Disabling…"))
                        (button("end_sessions", "Sign out everywhere", "Signing out…"))
                    }
                    (ban_form(name, q))
                    @if user.admin {
                        (button("demote", "Remove admin", "Removing…"))
                    } @else {
                        (button("promote", "Make admin", "Promoting…"))
                    }
                    (button("sign_in_link", "Sign-in link", "Making a link…"))
                }
            }
        }
    }
}

/// Banning: disabling as a sanction, with a box to delete the person's messages too.
fn ban_form(name: &str, q: &str) -> Markup {
    let boxed = format!("erase-{name}");
    html! {
        form.inline.ban-form method="post" action="/admin/users" {
            input type="hidden" name="name" value=(name);
            input type="hidden" name="action" value="ban";
            input type="hidden" name="q" value=(q);
            input #(boxed) type="checkbox" name="delete_messages" value="yes";
            label for=(boxed) { "Delete " (name) "’s messages too" }
            button.button.danger type="submit" data-busy-label="Banning…"
                aria-label={ "Ban " (name) } { "Ban" }
        }
    }
}

/// What became of a change that worked.
enum Done {
    /// Back to the page, saying what (`?done=`) was done to whom.
    Back { what: &'static str, name: String },
    /// The admin ended their own session: they are signed out.
    SignedOut,
    /// A sign-in link to show once.
    Link(Outcome),
}

#[handler]
pub async fn act_on_person(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<PersonForm>,
) -> Response {
    let admin = match admin_of(&state, req).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let by = &admin.by;
    let signed_out = |ended: &[crate::store::SessionKey]| ended.contains(&admin.session.key);
    let done: Result<Done, Failure> = match asked(&form.action) {
        None => Err(Failure::new(
            Code::BadRequest,
            "That is not something an admin can do to an account.",
        )),
        Some(Asked::Account(action)) => match state.auth.administer(by, &form.name, action).await {
            Ok(done) if signed_out(&done.ended) => Ok(Done::SignedOut),
            Ok(done) => Ok(Done::Back {
                what: if done.changed {
                    action.audit_name()
                } else {
                    "unchanged"
                },
                name: done.user.username,
            }),
            Err(err) => Err(Failure::from(&err)),
        },
        Some(Asked::Ban) => {
            let erase = form.delete_messages.is_some().then_some(&*state.rooms);
            match state.auth.ban(by, &form.name, erase).await {
                Ok((done, _)) if signed_out(&done.ended) => Ok(Done::SignedOut),
                Ok((done, _)) => Ok(Done::Back {
                    what: if erase.is_some() {
                        "user.ban-erased"
                    } else {
                        "user.ban"
                    },
                    name: done.user.username,
                }),
                Err(err) => Err(Failure::from(&err)),
            }
        }
        Some(Asked::SignInLink) => match state.auth.sign_in_link(by, &form.name).await {
            Ok(link) => Ok(Done::Link(Outcome {
                part: Part::People,
                ok: true,
                text: format!(
                    "A sign-in link for {}: it opens a form for a new password, once, within the hour. Give it to them privately; it is shown only now.",
                    link.user.username
                ),
                link: Some((
                    "Sign-in link",
                    format!("{}/reset/{}", site_origin(req, state.tls), link.token),
                )),
            })),
            Err(err) => Err(Failure::from(&err)),
        },
    };
    let (outcome, status) = match done {
        Ok(Done::Back { what, name }) => {
            return see_other(&format!(
                "/admin?done={what}&name={}&q={}#people",
                query_value(&name),
                query_value(&form.q)
            ));
        }
        Ok(Done::SignedOut) => return see_other("/"),
        Ok(Done::Link(outcome)) => (outcome, StatusCode::OK),
        Err(failure) => {
            let status = failure.status();
            (Outcome::refused(Part::People, failure), status)
        }
    };
    let query = AdminQuery {
        q: form.q,
        ..AdminQuery::default()
    };
    admin_view(&state, &admin, &query, Some(outcome), status).await
}
