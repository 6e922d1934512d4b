//! Your recovery codes: how many are left, and a new set after your password.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, settings_view};
use crate::auth::Session;
use crate::auth::recovery_code::CODES_PER_ACCOUNT;
use crate::web::pages::layout::main;
use crate::web::pages::{State, account, recovery, signed_in, signed_in_page};

#[derive(Debug, Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    password: String,
}

pub(super) async fn part(state: &State, session: &Session, outcome: Option<&Outcome>) -> Markup {
    let left = state.auth.recovery_codes_left(session.user.id).await;
    html! {
        section.card #recovery aria-labelledby="recovery-title" {
            h2 #recovery-title { "Recovery codes" }
            (Outcome::shown_in(outcome, Part::Recovery))
            @match left {
                Ok(0) => p.form-error role="status" { "You have no recovery codes left. Make new ones, or a forgotten password will lock you out." },
                Ok(n) => p { "You have " strong { (n) " of " (CODES_PER_ACCOUNT) } " one-time codes left for " a href="/recover" { "recovering your account" } " if you forget your password." },
                Err(_) => p.muted { "How many codes you have left cannot be read right now." },
            }
            form.stack method="post" action="/settings/recovery-codes" {
                label for="codes-password" { "Your password" }
                input #codes-password name="password" type="password" required autocomplete="current-password"
                    aria-describedby="codes-hint";
                p.hint #codes-hint { "New codes replace all the old ones, which stop working." }
                button.button type="submit" data-busy-label="Making codes…" { "Make new recovery codes" }
            }
        }
    }
}

#[handler]
pub async fn new_codes(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<CodesForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    match state
        .auth
        .new_recovery_codes(&session, &form.password)
        .await
    {
        Ok(codes) => {
            let card = recovery::codes_card(&codes, &session.user.username, "/settings");
            signed_in_page(
                &state,
                &session.user,
                StatusCode::OK,
                "Save your recovery codes",
                None,
                main(card),
            )
            .await
        }
        Err(err) => {
            let text = account::refusal(&err).1;
            settings_view(
                &state,
                &session,
                Some(Outcome::refused(Part::Recovery, text)),
            )
            .await
        }
    }
}
