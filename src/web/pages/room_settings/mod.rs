//! `/rooms/{name}/settings`: a room's details and members for everyone in it; for its owners
//! also renaming it, its topic and kind, adding and removing members, and its invite links; for
//! each member what notifies them from it.
//! Every change is a plain form (`POST` with an `action`), so it works without JavaScript.

use std::time::Duration;

use maud::html;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

mod sections;

use sections::{
    EXPIRIES, details_section, export_section, invites_section, members_section,
    notifications_section, webhooks_section,
};

use super::chat::split_room_path;
use super::layout::main;
use super::{State, room_path, see_other, signed_in, signed_in_page};
use crate::access::Actor;
use crate::errors::Failure;
use crate::rooms::changes::SetLevel;
use crate::rooms::{NewInvite, RoomError, RoomRef};
use crate::store::{Kind, Level, User};
use crate::web::client_ip;
use crate::web::invite_url;
use crate::webhooks::WebhookError;

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
    #[serde(default)]
    level: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    mentions_of: String,
    #[serde(default)]
    webhook: String,
}

/// What the page says after a change: done, or why not.
pub enum Notice {
    Done(String),
    Failed(String),
    Invite(String),
    /// A new webhook's secret, shown once.
    Secret(String),
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
    let webhooks = if may.webhooks {
        state
            .webhooks
            .list(Actor::signed_in(user), id.clone())
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
                Some(Notice::Secret(secret)) => div.form-ok role="status" {
                    p { "The webhook is made. Here is its secret, to check each delivery's " code { "X-Confab-Signature" } ". Copy it now: it is shown only once." }
                    p { input.invite-link #webhook-secret type="text" readonly value=(secret) aria-label="Webhook secret"; }
                },
                None => {},
            }
        }
        @if may.manage { (details_section(&room_name, summary.topic.as_deref().unwrap_or_default(), kind)) }
        @if let Some(level) = &summary.notifications { (notifications_section(&room_name, level)) }
        (members_section(&members, user, &may, &room_name, &online))
        @if may.invite { (invites_section(&invites, &room_name, now)) }
        @if may.webhooks { (webhooks_section(&webhooks, &room_name, now)) }
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
    if let Some(outcome) = webhook_change(&state, user, &room, &form).await {
        return settled(&state, user, &name, outcome).await;
    }
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
            .remove_member(
                Actor::signed_in(user),
                room,
                form.username.clone(),
                client_ip(req),
            )
            .await
            .map(|()| Notice::Done(format!("{} was removed.", form.username))),
        "leave" => match rooms
            .remove_member(Actor::signed_in(user), room, user.username.clone(), None)
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
        "notify" => match Level::parse(&form.level) {
            Some(level) => rooms
                .apply(SetLevel {
                    actor: Actor::signed_in(user),
                    room,
                    level,
                })
                .await
                .map(|_| Notice::Done("Saved.".into())),
            None => {
                let refused = Notice::Failed("Choose what to be notified of.".into());
                return page(
                    &state,
                    user,
                    &name,
                    Some((StatusCode::BAD_REQUEST, refused)),
                )
                .await;
            }
        },
        "revoke" => rooms
            .revoke_invite(Actor::signed_in(user), room, form.invite.clone())
            .await
            .map(|()| Notice::Done("The link was revoked.".into())),
        _ => {
            let text = "That is not something this page does.";
            return super::error_page(StatusCode::BAD_REQUEST, text);
        }
    };
    settled(
        &state,
        user,
        &name,
        outcome.map_err(|err| Failure::from(&err)),
    )
    .await
}

/// The page again after a change: with what became of it, or the error page when the server
/// failed.
async fn settled(
    state: &State,
    user: &User,
    name: &str,
    outcome: Result<Notice, Failure>,
) -> Response {
    let notice = match outcome {
        Ok(notice) => (StatusCode::OK, notice),
        Err(failure) if failure.status().is_server_error() => {
            return super::failed_page(state, user, &failure).await;
        }
        Err(failure) => (failure.status(), Notice::Failed(failure.message)),
    };
    page(state, user, name, Some(notice)).await
}

/// The webhook forms: make one, remove one, enable one again. `None`: not a webhook form.
async fn webhook_change(
    state: &State,
    user: &User,
    room: &RoomRef,
    form: &SettingsForm,
) -> Option<Result<Notice, Failure>> {
    let webhooks = &state.webhooks;
    let actor = Actor::signed_in(user);
    let id = || {
        form.webhook
            .trim()
            .parse::<u64>()
            .map_err(|_| WebhookError::NotFound)
    };
    let outcome = match form.action.as_str() {
        "webhook-add" => {
            let mentions_of = Some(form.mentions_of.clone()).filter(|m| !m.trim().is_empty());
            webhooks
                .create(actor, room.clone(), form.url.clone(), mentions_of)
                .await
                .map(|made| Notice::Secret(made.secret))
        }
        "webhook-remove" => match id() {
            Ok(id) => webhooks
                .remove(actor, room.clone(), id)
                .await
                .map(|()| Notice::Done("The webhook was removed.".into())),
            Err(err) => Err(err),
        },
        "webhook-enable" => match id() {
            Ok(id) => webhooks
                .enable(actor, room.clone(), id)
                .await
                .map(|_| Notice::Done("The webhook is enabled again.".into())),
            Err(err) => Err(err),
        },
        _ => return None,
    };
    Some(outcome.map_err(|err| Failure::from(&err)))
}
