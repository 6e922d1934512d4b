//! `/admin`: running the server, for its admins. One page of sections: the people (find,
//! disable, enable and ban, promote and demote, sign out everywhere, a sign-in link), the rooms
//! (find, archive, delete), who may sign up and make rooms, the server's invite links, and the audit log (read a page at a
//! time, or download whole). To anyone else the address does not exist:
//! a member gets the very 404 of a path never used, so the refusal shows nothing of the area,
//! not even that it is there, let alone who the admins are.

mod audit;
mod people;
mod rooms;
mod server;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::main;
use super::{State, failure_page, signed_in, signed_in_page};
use crate::access::Administrator;
use crate::auth::Session;
use crate::errors::{Code, Failure};
use crate::web::client_ip;

pub use audit::download_audit;
pub use people::act_on_person;
pub use rooms::act_on_room;
pub use server::{change_invites, change_settings};

/// What the page is asked to show: a search for people, a page of the log, the outcome of the
/// last change.
#[derive(Debug, Default, Deserialize)]
pub struct AdminQuery {
    /// Find people whose name holds this.
    #[serde(default)]
    q: String,
    /// Find rooms whose name holds this.
    #[serde(default)]
    rq: String,
    /// The audit log from before this entry.
    before: Option<u64>,
    /// The change that worked (an action's audit name, or `unchanged`).
    done: Option<String>,
    /// Whom it was done to.
    name: Option<String>,
}

/// The sections of the page that changes come back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    People,
    Rooms,
    Server,
    Invites,
}

/// What the last change did, shown in its section.
#[derive(Debug, Clone)]
struct Outcome {
    part: Part,
    ok: bool,
    text: String,
    /// A link to hand over (a sign-in link, an invite link), shown once.
    link: Option<(&'static str, String)>,
}

impl Outcome {
    fn refused(part: Part, failure: Failure) -> Outcome {
        Outcome {
            part,
            ok: false,
            text: failure.message,
            link: None,
        }
    }

    /// What `?done=…&name=…` says after a change that worked.
    fn done(done: Option<&str>, name: Option<&str>) -> Option<Outcome> {
        let server = |text: &str| (Part::Server, text.to_owned());
        let (part, text) = match done? {
            "settings" => server("Saved."),
            "settings-unchanged" => server("Nothing changed."),
            "invite-revoked" => (
                Part::Invites,
                "That invite link no longer works.".to_owned(),
            ),
            done if done.starts_with("room") => (Part::Rooms, rooms::done(done, name)?),
            done => (Part::People, people::done(done, name)?),
        };
        Some(Outcome {
            part,
            ok: true,
            text,
            link: None,
        })
    }

    /// The outcome, if it belongs to `part`.
    fn shown(outcome: Option<&Outcome>, part: Part) -> Markup {
        html! {
            @if let Some(outcome) = outcome.filter(|o| o.part == part) {
                @if outcome.ok {
                    div.form-ok role="status" {
                        p { (outcome.text) }
                        @if let Some((label, link)) = &outcome.link {
                            @let id = format!("{}-link", label.to_lowercase().replace(' ', "-"));
                            p { label for=(id) { (label) } }
                            input.shown-link #(id) type="text" readonly value=(link) spellcheck="false";
                        }
                    }
                } @else {
                    p.form-error role="alert" { (outcome.text) }
                }
            }
        }
    }
}

/// An admin asking: their session, and who they are for the audit log.
struct Admin {
    session: Session,
    by: Administrator,
}

/// The session of an admin, with who they are for the audit log, or the answer for anyone
/// else: sign in first when signed out, and for a member the 404 of a path that does not exist.
async fn admin_of(state: &State, req: &Request) -> Result<Admin, Response> {
    let session = signed_in(state, req).await?;
    match Administrator::admin(&session.user, client_ip(req)) {
        Ok(by) => Ok(Admin { session, by }),
        Err(_) => Err(failure_page(&Failure::of(Code::NotFound))),
    }
}

/// The whole page, with the outcome of the last change.
async fn admin_view(
    state: &State,
    Admin { session, by }: &Admin,
    query: &AdminQuery,
    outcome: Option<Outcome>,
    status: StatusCode,
) -> Response {
    let outcome = outcome.as_ref();
    let people = people::part(state, query, outcome).await;
    let rooms = rooms::part(state, by, query, outcome).await;
    let server = server::part(state, outcome).await;
    let audit = audit::part(state, query.before).await;
    let markup = html! {
        div.admin {
            h1 { "Administration" }
            nav.admin-sections aria-label="Sections" {
                a href="#people" { "People" }
                a href="#rooms" { "All rooms" }
                a href="#server" { "Sign-up and rooms" }
                a href="#invites" { "Invite links" }
                a href="#audit" { "Audit log" }
            }
            (people)
            (rooms)
            (server)
            (audit)
        }
    };
    signed_in_page(
        state,
        &session.user,
        status,
        "Administration",
        None,
        main(markup),
    )
    .await
}

#[handler]
pub async fn admin_page(
    req: &Request,
    state: Data<&State>,
    Query(query): Query<AdminQuery>,
) -> Response {
    let admin = match admin_of(&state, req).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let outcome = Outcome::done(query.done.as_deref(), query.name.as_deref());
    admin_view(&state, &admin, &query, outcome, StatusCode::OK).await
}
