//! Every open and private room on `/admin`, found by name: an open room with its members, its
//! last activity and a link to it; a private room by its name and member count only, since
//! what is said in it is its members' alone.

use maud::{Markup, html};

use super::AdminQuery;
use crate::access::Administrator;
use crate::store::{Kind, Room};
use crate::web::pages::{State, ago, room_path};

/// Rooms listed at once; a search narrows them down.
const LISTED: usize = 100;

pub(super) async fn part(state: &State, by: &Administrator, query: &AdminQuery) -> Markup {
    let now = state.clock.now_ms();
    let found = state.rooms.directory(by, &query.rq, LISTED).await;
    html! {
        section.card #rooms aria-labelledby="rooms-title" {
            h2 #rooms-title { "Rooms" }
            p.muted { "Private rooms are listed by name and size only; conversations between people are not listed." }
            form.admin-search method="get" action="/admin#rooms" role="search" aria-label="Room search" {
                label for="admin-rq" { "Find rooms" }
                input #admin-rq name="rq" type="search" value=(query.rq) maxlength="64"
                    autocomplete="off" spellcheck="false";
                button.button type="submit" { "Find" }
            }
            @match &found {
                Err(_) => p.muted { "The rooms cannot be read right now." },
                Ok((rooms, _)) if rooms.is_empty() => p.muted { "No room’s name holds “" (query.rq) "”." },
                Ok((rooms, more)) => {
                    div.table-scroll {
                        table.admin-table #room-list {
                            thead { tr { th scope="col" { "Room" } th scope="col" { "Kind" } th scope="col" { "Members" } th scope="col" { "Last active" } } }
                            tbody { @for room in rooms { (row(room, now)) } }
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

fn row(room: &Room, now: u64) -> Markup {
    let name = room.name.as_deref().unwrap_or_default();
    html! {
        tr {
            @if room.kind == Kind::Open {
                th scope="row" { a href=(room_path(name)) { (name) } }
                td { "Open" }
                td { (room.members) }
                td { time datetime=(room.last_activity) { (ago(now, room.last_activity)) } }
            } @else {
                th scope="row" { (name) }
                td { "Private" }
                td { (room.members) }
                td { "—" }
            }
        }
    }
}
