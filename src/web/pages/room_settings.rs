//! `/rooms/{name}/settings`: a room's details and members for everyone in it; for its owners
//! also renaming it, its topic and kind, adding and removing members, and its invite links.
//! Every change is a plain form (`POST` with an `action`), so it works without JavaScript.

use std::time::Duration;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::avatar::small_avatar;
use super::chat::split_room_path;
use super::layout::main;
use super::{State, ago, room_path, see_other, signed_in, signed_in_page};
use crate::access::Actor;
use crate::errors::Failure;
use crate::rooms::input::{ROOM_NAME_MAX, TOPIC_MAX};
use crate::rooms::{InviteInfo, Member, NewInvite, RoomError, RoomRef};
use crate::store::{Kind, Role, User};
use crate::web::invite_url;

/// A settings form as the browser posts it; which fields matter depends on `action`.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    max_uses: String,
    #[serde(default)]
    invite: String,
}

/// What the page says after a change: done, or why not.
pub enum Notice {
    Done(String),
    Failed(String),
    Invite(String),
}

/// Invite expiries offered, in seconds (none: never).
const EXPIRIES: [(&str, &str, Option<u64>); 4] = [
    ("1h", "1 hour", Some(3600)),
    ("1d", "1 day", Some(86_400)),
    ("7d", "7 days", Some(7 * 86_400)),
    ("never", "Never", None),
];

fn when(ms: Option<u64>, now: u64) -> String {
    match ms {
        None => "never".into(),
        Some(at) if at <= now => "expired".into(),
        Some(at) => format!("in {}", ago(at, now).trim_end_matches(" ago")),
    }
}

fn members_section(
    members: &[Member],
    me: &User,
    manage: bool,
    name: &str,
    online: &dyn Fn(u64) -> bool,
) -> Markup {
    html! {
        section.card aria-labelledby="members-heading" {
            h2 #members-heading { "Members " span.muted { "(" (members.len()) ")" } }
            ul.member-rows {
                @for member in members {
                    @let person = &member.person;
                    li {
                        (small_avatar(person)) " "
                        a href=(format!("/u/{}", person.username)) { (person.username) }
                        @if let Some(shown) = &person.display_name { " " span.muted { (shown) } }
                        @if member.role == Role::Owner { " " span.badge { "owner" } }
                        @if online(person.user_id) { " " span.badge.online { "online" } }
                        @if manage && person.user_id != me.id {
                            form.inline method="post" action=(format!("{}/settings", room_path(name))) {
                                input type="hidden" name="action" value="remove";
                                input type="hidden" name="username" value=(person.username);
                                button.button.secondary.small type="submit" data-busy-label="Removing…" {
                                    "Remove" span.visually-hidden { " " (person.username) }
                                }
                            }
                        }
                    }
                }
            }
            @if manage {
                form.row-form method="post" action=(format!("{}/settings", room_path(name))) {
                    input type="hidden" name="action" value="add";
                    label for="add-username" { "Add someone by username" }
                    div.row {
                        input #add-username name="username" type="text" required maxlength="32"
                            autocomplete="off" autocapitalize="none" spellcheck="false";
                        button.button.primary type="submit" data-busy-label="Adding…" { "Add" }
                    }
                }
            }
        }
    }
}

fn invites_section(invites: &[InviteInfo], name: &str, now: u64) -> Markup {
    let action = format!("{}/settings", room_path(name));
    html! {
        section.card aria-labelledby="invites-heading" {
            h2 #invites-heading { "Invite links" }
            form.stack method="post" action=(action) {
                input type="hidden" name="action" value="invite";
                label for="invite-expires" { "Expires after" }
                select #invite-expires name="expires" {
                    @for (value, label, _) in EXPIRIES {
                        option value=(value) selected[value == "7d"] { (label) }
                    }
                }
                label for="invite-uses" { "How many people may use it " span.muted { "(empty: no limit)" } }
                input #invite-uses name="max_uses" type="number" min="1" max="100000" inputmode="numeric";
                button.button.primary type="submit" data-busy-label="Making the link…" { "Make an invite link" }
            }
            @if !invites.is_empty() {
                table.invites {
                    caption.visually-hidden { "Invite links of this room" }
                    thead { tr { th scope="col" { "Made by" } th scope="col" { "Used" } th scope="col" { "Expires" } th scope="col" { "State" } th scope="col" { span.visually-hidden { "Revoke" } } } }
                    tbody {
                        @for invite in invites {
                            tr {
                                td { (invite.created_by) }
                                td { (invite.uses) @if let Some(max) = invite.max_uses { " of " (max) } }
                                td { (when(invite.expires_at, now)) }
                                td { @if invite.revoked { "revoked" } @else if invite.usable { "usable" } @else { "no longer usable" } }
                                td {
                                    @if invite.usable {
                                        form.inline method="post" action=(action) {
                                            input type="hidden" name="action" value="revoke";
                                            input type="hidden" name="invite" value=(invite.id);
                                            button.button.secondary.small type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn export_section(name: &str) -> Markup {
    let href = format!("/api/v1{}/export", room_path(name));
    html! {
        section.card aria-labelledby="export-heading" {
            h2 #export-heading { "Download the room" }
            p.muted {
                "Every message, who wrote it, and every attached file, in one zip: JSON Lines any tool can read, and the files as they were sent."
            }
            p { a.button.secondary href=(href) download { "Download " (name) " (zip)" } }
        }
    }
}

fn details_section(name: &str, topic: &str, kind: Kind) -> Markup {
    html! {
        section.card aria-labelledby="details-heading" {
            h2 #details-heading { "Name, topic and who can find it" }
            form.stack method="post" action=(format!("{}/settings", room_path(name))) {
                input type="hidden" name="action" value="update";
                label for="room-name" { "Name" }
                input #room-name name="name" type="text" value=(name) required maxlength=(ROOM_NAME_MAX) autocomplete="off";
                label for="room-topic" { "Topic" }
                input #room-topic name="topic" type="text" value=(topic) maxlength=(TOPIC_MAX) autocomplete="off";
                fieldset.choices {
                    legend { "Who can find it" }
                    label.choice { input type="radio" name="kind" value="private" checked[kind == Kind::Private]; " Private: members only" }
                    label.choice { input type="radio" name="kind" value="open" checked[kind == Kind::Open]; " Open: anyone here can join by its name" }
                }
                button.button.primary type="submit" data-busy-label="Saving…" { "Save" }
            }
        }
    }
}

/// The settings page of a room this person may see; others get the page of a room that does
/// not exist.
pub async fn page(
    state: &State,
    user: &User,
    name: &str,
    notice: Option<(StatusCode, Notice)>,
) -> Response {
    let summary = match state
        .rooms
        .summary(Actor::signed_in(user), RoomRef::Name(name.to_owned()))
        .await
    {
        Ok(summary) => summary,
        Err(RoomError::NotFound) => return super::not_found_room_page(state, user).await,
        Err(err) => return super::room_error_page(state, user, &err).await,
    };
    let room_name = summary.name.clone().unwrap_or_default();
    let id = RoomRef::Id(summary.id);
    let may = summary.may;
    let members = match state
        .rooms
        .members(Actor::signed_in(user), id.clone())
        .await
    {
        Ok(members) => members,
        Err(err) => return super::room_error_page(state, user, &err).await,
    };
    let invites = if may.invite {
        state
            .rooms
            .invites(Actor::signed_in(user), id.clone())
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let kind = if summary.kind == "private" {
        Kind::Private
    } else {
        Kind::Open
    };
    let now = state.clock.now_ms();
    let online = |user_id: u64| state.chat.hub.is_online(user_id);
    let (status, notice) = match notice {
        Some((status, notice)) => (status, Some(notice)),
        None => (StatusCode::OK, None),
    };
    let markup = html! {
        section.card {
            p { a href=(room_path(&room_name)) { "← Back to " (room_name) } }
            h1 { "Settings of " (room_name) }
            p.muted {
                (if kind == Kind::Private { "A private room: only its members can find it." } else { "An open room: anyone here can join it by its name." })
            }
            @match &notice {
                Some(Notice::Done(text)) => p.form-ok role="status" { (text) },
                Some(Notice::Failed(text)) => p.form-error role="alert" { (text) },
                Some(Notice::Invite(url)) => div.form-ok role="status" {
                    p { "Here is the invite link. Copy it now: it is shown only once." }
                    p { input.invite-link #invite-link type="text" readonly value=(url) aria-label="Invite link"; }
                },
                None => {},
            }
        }
        @if may.manage { (details_section(&room_name, summary.topic.as_deref().unwrap_or_default(), kind)) }
        (members_section(&members, user, may.manage, &room_name, &online))
        @if may.invite { (invites_section(&invites, &room_name, now)) }
        @if may.export { (export_section(&room_name)) }
        @if may.leave { section.card {
            h2 { "Leave" }
            p.muted { "You can come back only if the room is open, or someone adds or invites you again." }
            form.inline method="post" action=(format!("{}/settings", room_path(&room_name))) {
                input type="hidden" name="action" value="leave";
                button.button.secondary type="submit" data-busy-label="Leaving…" { "Leave " (room_name) }
            }
        } }
    };
    signed_in_page(
        state,
        user,
        status,
        &format!("Settings of {room_name}"),
        Some(summary.id),
        main(markup),
    )
    .await
}

/// `POST /rooms/{name}/settings`: one change, then the page again with what became of it.
#[handler]
pub async fn change(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<SettingsForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let Some((name, Some("settings"))) = split_room_path(req.uri().path()) else {
        return super::error_page(StatusCode::NOT_FOUND, "There is nothing here.");
    };
    let user = &session.user;
    let room = match state
        .rooms
        .find(Actor::signed_in(user), RoomRef::Name(name.clone()))
        .await
    {
        Ok(visible) => RoomRef::Id(visible.room.id),
        Err(RoomError::NotFound) => return super::not_found_room_page(&state, user).await,
        Err(err) => return super::room_error_page(&state, user, &err).await,
    };
    let rooms = &state.rooms;
    let outcome: Result<Notice, RoomError> = match form.action.as_str() {
        "add" => rooms
            .add_member(
                Actor::signed_in(user),
                room,
                form.username.trim().to_owned(),
            )
            .await
            .map(|()| Notice::Done(format!("{} is a member now.", form.username.trim()))),
        "remove" => rooms
            .remove_member(Actor::signed_in(user), room, form.username.clone())
            .await
            .map(|()| Notice::Done(format!("{} was removed.", form.username))),
        "leave" => match rooms
            .remove_member(Actor::signed_in(user), room, user.username.clone())
            .await
        {
            Ok(()) => return see_other("/rooms"),
            Err(err) => Err(err),
        },
        "update" => {
            let kind = match form.kind.as_str() {
                "open" => Some(Kind::Open),
                "private" => Some(Kind::Private),
                _ => None,
            };
            let topic = Some(Some(form.topic.clone()).filter(|t| !t.trim().is_empty()));
            let new_name = form.name.trim().to_owned();
            match rooms
                .update(
                    Actor::signed_in(user),
                    room,
                    Some(new_name.clone()),
                    topic,
                    kind,
                )
                .await
            {
                // The page moves with the room's name.
                Ok(()) => return see_other(&format!("{}/settings", room_path(&new_name))),
                Err(err) => Err(err),
            }
        }
        "invite" => {
            let expires = EXPIRIES
                .iter()
                .find(|(value, _, _)| *value == form.expires)
                .map_or(Some(7 * 86_400), |(_, _, secs)| *secs);
            let max_uses = form.max_uses.trim().parse::<u32>().ok().filter(|n| *n > 0);
            rooms
                .create_invite(
                    Actor::signed_in(user),
                    room,
                    expires.map(Duration::from_secs),
                    max_uses,
                )
                .await
                .map(|NewInvite { code, .. }| Notice::Invite(invite_url(req, state.tls, &code)))
        }
        "revoke" => rooms
            .revoke_invite(Actor::signed_in(user), room, form.invite.clone())
            .await
            .map(|()| Notice::Done("The link was revoked.".into())),
        _ => {
            let text = "That is not something this page does.";
            return super::error_page(StatusCode::BAD_REQUEST, text);
        }
    };
    let notice = match outcome {
        Ok(notice) => (StatusCode::OK, notice),
        Err(err) => {
            let failure = Failure::from(&err);
            if failure.status().is_server_error() {
                return super::room_error_page(&state, user, &err).await;
            }
            (failure.status(), Notice::Failed(failure.message))
        }
    };
    page(&state, user, &name, Some(notice)).await
}
