//! `/invite/{code}`: an invite link. Signed out, it leads through sign-up or sign-in, which
//! then land in the room; signed in, it names the room and who made the link, with a "Join"
//! button (a POST). A link that is unknown, expired, used up or revoked says so, and nothing
//! else, to anyone.

use maud::html;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::layout::{layout, main};
use super::{State, page, room_path, see_other, signed_in_page};
use crate::access::Actor;
use crate::rooms::RoomError;
use crate::store::User;
use crate::web::Assets;

/// Where a sign-in or sign-up goes on to: through an invite link, straight into its room
/// (the person came by the link to join); otherwise the `next` path.
pub async fn land(state: &State, user: &User, next: &str) -> String {
    let Some(code) = next.strip_prefix("/invite/") else {
        return next.to_owned();
    };
    match state
        .rooms
        .accept_invite(Actor::signed_in(user), code)
        .await
    {
        Ok(visible) => room_path(visible.room.name.as_deref().unwrap_or_default()),
        // The link's own page says what is wrong with it.
        Err(_) => next.to_owned(),
    }
}

const INVALID: &str =
    "This invite link is not valid: it may have expired, been used up or been revoked.";

fn invalid_page(signed_in: bool) -> maud::Markup {
    html! {
        section.card.narrow {
            h1 { "Invite link not valid" }
            p { (INVALID) }
            p { a.button href=(if signed_in { "/rooms" } else { "/" }) { "Go on to confab" } }
        }
    }
}

#[handler]
pub async fn invite_page(req: &Request, state: Data<&State>, Path(code): Path<String>) -> Response {
    let session = match state.session(req).await {
        Ok(session) => session,
        Err(_) => return super::layout::unavailable_page(),
    };
    let preview = state.rooms.invite_preview(&code).await;
    let Some(session) = session else {
        let (status, markup) = match preview {
            Ok(_) => {
                let next = super::query_value(&format!("/invite/{code}"));
                (
                    StatusCode::OK,
                    html! {
                        section.card.narrow {
                            h1 { "You are invited" }
                            p { "Someone invited you to a room on this confab server. Create an account, or sign in, and you will be in the room." }
                            p.actions {
                                a.button.primary href={ "/signup?next=" (next) } { "Create an account" }
                                a.button.secondary href={ "/login?next=" (next) } { "Sign in" }
                            }
                        }
                    },
                )
            }
            Err(_) => (StatusCode::NOT_FOUND, invalid_page(false)),
        };
        return page(status, layout(Assets::shared(), "Invitation", None, markup));
    };
    let (status, markup) = match preview {
        Ok(preview) => (
            StatusCode::OK,
            html! {
                section.card.narrow {
                    h1 { "Join " (preview.room) "?" }
                    p { strong { (preview.invited_by) } " invited you to the room " strong { (preview.room) } "." }
                    form.inline method="post" action={ "/invite/" (code) } {
                        button.button.primary type="submit" data-busy-label="Joining…" { "Join " (preview.room) }
                    }
                }
            },
        ),
        Err(RoomError::InviteInvalid) => (StatusCode::NOT_FOUND, invalid_page(true)),
        Err(err) => return super::room_error_page(&state, &session.user, &err).await,
    };
    signed_in_page(
        &state,
        &session.user,
        status,
        "Invitation",
        None,
        main(markup),
    )
    .await
}

/// `POST /invite/{code}`: joins, and goes to the room.
#[handler]
pub async fn accept(req: &Request, state: Data<&State>, Path(code): Path<String>) -> Response {
    let session = match super::signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    match state.rooms.accept_invite(session.actor(), &code).await {
        Ok(visible) => see_other(&room_path(visible.room.name.as_deref().unwrap_or_default())),
        Err(RoomError::InviteInvalid) => {
            let body = main(invalid_page(true));
            signed_in_page(
                &state,
                &session.user,
                StatusCode::NOT_FOUND,
                "Invitation",
                None,
                body,
            )
            .await
        }
        Err(err) => super::room_error_page(&state, &session.user, &err).await,
    }
}
