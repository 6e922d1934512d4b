//! Every open and private room on `/admin`, found by name: an open room with its members, its
//! last activity and a link to it; a private room by its name and member count only, since
//! what is said in it is its members' alone. Each can be archived (read only), opened again,
//! or deleted with everything said in it, after a box is ticked to confirm.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{AdminQuery, Outcome, Part, admin_of, admin_view};
use crate::errors::{Code, Failure};
use crate::rooms::input::check_room_name;
use crate::store::{Kind, Room};
use crate::web::pages::{State, ago, query_value, room_path, see_other};

/// Rooms listed at once; a search narrows them down.
const LISTED: usize = 100;

#[derive(Debug, Deserialize)]
pub struct RoomForm {
    /// The room's name.
    #[serde(default)]
    name: String,
    /// `archive`, `unarchive` or `delete`.
    #[serde(default)]
    action: String,
    /// For `delete`: the box saying the admin means it.
    confirm: Option<String>,
    /// The search the list was showing, to come back to.
    #[serde(default)]
    rq: String,
}

/// What `?done=…&name=…` says after a change to a room.
pub(super) fn done(done: &str, name: Option<&str>) -> Option<String> {
    let name = name.filter(|name| check_room_name(name).is_ok_and(|n| n == *name))?;
    Some(match done {
        "room.archive" => format!("{name} is archived: it can be read, and nothing in it changes."),
        "room.unarchive" => format!("{name} is open again."),
        "room.delete" => format!("{name} is deleted, with everything said in it."),
        "room-unchanged" => format!("Nothing changed: {name} was that way already."),
        _ => return None,
    })
}

pub(super) async fn part(
    state: &State,
    by: &crate::access::Administrator,
    query: &AdminQuery,
    outcome: Option<&Outcome>,
) -> Markup {
    let now = state.clock.now_ms();
    let found = state.rooms.directory(by, &query.rq, LISTED).await;
    html! {
        section.card #rooms aria-labelledby="rooms-title" {
            h2 #rooms-title { "All rooms" }
            p.muted { "Private rooms are listed by name and size only; conversations between people are not listed." }
            form.admin-search method="get" action="/admin#rooms" role="search" aria-label="Room search" {
                label for="admin-rq" { "Find rooms" }
                input #admin-rq name="rq" type="search" value=(query.rq) maxlength="64"
                    autocomplete="off" spellcheck="false";
                button.button type="submit" { "Find" }
            }
            (Outcome::shown(outcome, Part::Rooms))
            @match &found {
                Err(_) => p.muted { "The rooms cannot be read right now." },
                Ok((rooms, _)) if rooms.is_empty() => p.muted { "No room’s name holds “" (query.rq) "”." },
                Ok((rooms, more)) => {
                    div.table-scroll {
                        table.admin-table #room-list {
                            thead { tr { th scope="col" { "Room" } th scope="col" { "Kind" } th scope="col" { "Members" } th scope="col" { "Last active" } th scope="col" { "Actions" } } }
                            tbody { @for room in rooms { (row(room, &query.rq, now)) } }
                        }
                    }
                    @if *more {
                        p.muted { "More rooms match: narrow the search to see them." }
                    }
                }
            }
        }
    }
}

fn row(room: &Room, rq: &str, now: u64) -> Markup {
    let name = room.name.as_deref().unwrap_or_default();
    let archived = room.archived_at.is_some();
    let kind = match (room.kind, archived) {
        (Kind::Open, false) => "Open",
        (Kind::Open, true) => "Open, archived",
        (_, false) => "Private",
        (_, true) => "Private, archived",
    };
    let (action, text, busy) = if archived {
        ("unarchive", "Unarchive", "Opening…")
    } else {
        ("archive", "Archive", "Archiving…")
    };
    let confirm = format!("delete-{}", room.id);
    html! {
        tr {
            @if room.kind == Kind::Open {
                th scope="row" { a href=(room_path(name)) { (name) } }
            } @else {
                th scope="row" { (name) }
            }
            td { (kind) }
            td { (room.members) }
            @if room.kind == Kind::Open {
                td { time datetime=(room.last_activity) { (ago(now, room.last_activity)) } }
            } @else {
                td { "—" }
            }
            td.admin-actions {
                form.inline method="post" action="/admin/rooms" {
                    input type="hidden" name="name" value=(name);
                    input type="hidden" name="action" value=(action);
                    input type="hidden" name="rq" value=(rq);
                    button.button.secondary type="submit" data-busy-label=(busy)
                        aria-label={ (text) " " (name) } { (text) }
                }
                form.inline.ban-form method="post" action="/admin/rooms" {
                    input type="hidden" name="name" value=(name);
                    input type="hidden" name="action" value="delete";
                    input type="hidden" name="rq" value=(rq);
                    input #(confirm) type="checkbox" name="confirm" value="yes" required;
                    label for=(confirm) { "Delete " (name) " and everything said in it, for good" }
                    button.button.danger type="submit" data-busy-label="Deleting…"
                        aria-label={ "Delete " (name) } { "Delete" }
                }
            }
        }
    }
}

#[handler]
pub async fn act_on_room(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<RoomForm>,
) -> Response {
    let admin = match admin_of(&state, req).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let by = &admin.by;
    let done: Result<&str, Failure> = match form.action.as_str() {
        "archive" | "unarchive" => {
            let archived = form.action == "archive";
            match state.rooms.archive(by, &form.name, archived).await {
                Ok(true) if archived => Ok("room.archive"),
                Ok(true) => Ok("room.unarchive"),
                Ok(false) => Ok("room-unchanged"),
                Err(err) => Err(Failure::from(&err)),
            }
        }
        "delete" if form.confirm.as_deref() != Some("yes") => Err(Failure::new(
            Code::BadRequest,
            "Tick the box to confirm that the room and everything said in it should go.",
        )),
        "delete" => match state.rooms.delete_room(by, &form.name).await {
            Ok(()) => Ok("room.delete"),
            Err(err) => Err(Failure::from(&err)),
        },
        _ => Err(Failure::new(
            Code::BadRequest,
            "That is not something an admin can do to a room.",
        )),
    };
    match done {
        Ok(what) => see_other(&format!(
            "/admin?done={what}&name={}&rq={}#rooms",
            query_value(form.name.trim()),
            query_value(&form.rq)
        )),
        Err(failure) => {
            let status = failure.status();
            let query = AdminQuery {
                rq: form.rq,
                ..AdminQuery::default()
            };
            let outcome = Outcome::refused(Part::Rooms, failure);
            admin_view(&state, &admin, &query, Some(outcome), status).await
        }
    }
}
