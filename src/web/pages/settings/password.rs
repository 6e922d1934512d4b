//! Changing your password: the current one, and the new one twice. Every other session ends.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, done, settings_view};
use crate::auth::AuthError;
use crate::auth::validate::{PASSWORD_MAX, PASSWORD_MIN};
use crate::web::pages::{State, account, signed_in};

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_repeat: String,
}

pub(super) fn part(outcome: Option<&Outcome>) -> Markup {
    html! {
        section.card #password aria-labelledby="password-title" {
            h2 #password-title { "Password" }
            (Outcome::shown_in(outcome, Part::Password))
            form.stack method="post" action="/settings/password" {
                label for="current" { "Current password" }
                input #current name="current" type="password" required autocomplete="current-password";
                label for="new-password" { "New password" }
                input #new-password name="password" type="password" required autocomplete="new-password"
                    minlength=(PASSWORD_MIN) maxlength=(PASSWORD_MAX) aria-describedby="new-password-hint";
                p.hint #new-password-hint { "At least 8 characters. Every other device will be signed out." }
                label for="new-password-repeat" { "Repeat new password" }
                input #new-password-repeat name="password_repeat" type="password" required
                    autocomplete="new-password" minlength=(PASSWORD_MIN) maxlength=(PASSWORD_MAX);
                button.button.primary type="submit" data-busy-label="Changing…" { "Change password" }
            }
        }
    }
}

#[handler]
pub async fn change_password(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let changed = if form.password != form.password_repeat {
        Err(AuthError::InvalidPassword("The two new passwords differ."))
    } else {
        state
            .auth
            .change_password(&session, &form.current, &form.password)
            .await
    };
    match changed {
        Ok(()) => done("password"),
        Err(err) => {
            let text = account::refusal(&err).1;
            settings_view(
                &state,
                &session,
                Some(Outcome::refused(Part::Password, text)),
            )
            .await
        }
    }
}
