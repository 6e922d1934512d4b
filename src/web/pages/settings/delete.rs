//! Deleting your account: what goes and what stays, your password, and whether your messages
//! go too. Afterwards the browser is signed out and told it is done.

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, settings_view};
use crate::auth::DeletionError;
use crate::web::pages::{State, account, layout, page, signed_in};
use crate::web::{Assets, cookie};

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    /// Present (as `on`) when the box is ticked.
    delete_messages: Option<String>,
}

pub(super) fn part(outcome: Option<&Outcome>) -> Markup {
    html! {
        section.card #delete-account aria-labelledby="delete-title" {
            h2 #delete-title { "Delete account" }
            (Outcome::shown_in(outcome, Part::Delete))
            p {
                "Your username, display name, picture, password, recovery codes and devices are removed, and you are signed out everywhere. "
                "Your messages stay, shown as written by “Deleted user”, unless you tick the box. This cannot be undone."
            }
            form.stack method="post" action="/settings/delete" {
                label for="delete-password" { "Your password" }
                input #delete-password name="password" type="password" required autocomplete="current-password";
                label.check {
                    input name="delete_messages" type="checkbox";
                    " Also delete every message I wrote"
                }
                button.button.danger type="submit" data-busy-label="Deleting…" { "Delete my account" }
            }
        }
    }
}

#[handler]
pub async fn delete_account(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let erase = form.delete_messages.is_some().then_some(&*state.rooms);
    match state
        .auth
        .delete_account(&session, &form.password, erase)
        .await
    {
        Ok(()) => {
            let markup = layout::main(html! {
                section.card.narrow {
                    h1 { "Your account is deleted" }
                    p { "You are signed out everywhere. Thank you for the conversations." }
                    p { a.button href="/" { "Home" } }
                }
            });
            let mut resp = page(
                StatusCode::OK,
                layout::layout(Assets::shared(), "Account deleted", None, markup),
            )
            .into_response();
            if let Ok(value) = cookie::clear_session(state.tls).parse() {
                resp.headers_mut().insert(header::SET_COOKIE, value);
            }
            resp
        }
        Err(DeletionError::Auth(err)) => {
            let text = account::refusal(&err).1;
            let refused = Outcome::refused(Part::Delete, text);
            settings_view(&state, &session, Some(refused)).await
        }
        Err(DeletionError::Rooms(err)) => {
            tracing::error!(error = %err, "cannot delete an account's messages");
            layout::unavailable_page()
        }
    }
}
