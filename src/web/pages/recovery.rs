//! The ways back into an account: `/recover` (username, one recovery code, a new password) and
//! `/reset/{token}` (a sign-in link from the operator), and the card that shows new recovery
//! codes, once, after sign-up or from the settings.

use maud::{Markup, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::account::{error_box, refused_page, signed_in_response};
use super::layout::layout;
use super::{State, page};
use crate::auth::validate::{PASSWORD_MAX, PASSWORD_MIN};
use crate::auth::{AuthError, SignedIn};
use crate::web::{Assets, device};

/// The file name the codes download as.
const CODES_FILE: &str = "confab-recovery-codes.txt";

/// New recovery codes, shown this once: with Copy (script) and Download (a `data:` link, so it
/// works without script too), and where to go next.
pub fn codes_card(codes: &[String], username: &str, continue_to: &str) -> Markup {
    let text = format!(
        "Recovery codes for {username} on confab.\nEach one works once, at /recover.\n\n{}\n",
        codes.join("\n")
    );
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        utf8_percent_encode(&text, NON_ALPHANUMERIC)
    );
    html! {
        section.card.narrow.recovery-codes aria-labelledby="codes-title" {
            h1 #codes-title { "Save your recovery codes" }
            p {
                "If you forget your password, one of these codes lets you choose a new one at "
                a href="/recover" { "Recover your account" } ". Each code works once."
            }
            p.callout role="note" {
                strong { "This is the only time they are shown." }
                " Keep them somewhere safe, such as a password manager."
            }
            ol.code-list #recovery-codes aria-label="Recovery codes" {
                @for code in codes { li { code { (code) } } }
            }
            div.actions {
                button.button type="button" data-copy="recovery-codes" data-copied-label="Copied" { "Copy" }
                a.button href=(download) download=(CODES_FILE) { "Download" }
                a.button.primary href=(continue_to) { "I have saved them — continue" }
            }
        }
    }
}

/// `/recover` as the browser posts it.
#[derive(Debug, Deserialize)]
pub struct RecoverForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_repeat: String,
}

fn new_password_fields() -> Markup {
    html! {
        label for="password" { "New password" }
        input #password name="password" type="password" required autocomplete="new-password"
            minlength=(PASSWORD_MIN) maxlength=(PASSWORD_MAX) aria-describedby="password-hint";
        p.hint #password-hint { "At least 8 characters." }
        label for="password_repeat" { "Repeat new password" }
        input #password_repeat name="password_repeat" type="password" required
            autocomplete="new-password" minlength=(PASSWORD_MIN) maxlength=(PASSWORD_MAX);
    }
}

fn recover_form(username: &str, error: Option<&str>) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Recover your account" }
            p { "Forgot your password? Use one of the recovery codes you saved when you signed up." }
            (error_box(error))
            form.stack method="post" action="/recover" {
                label for="username" { "Username" }
                input #username name="username" type="text" value=(username) required
                    autocomplete="username" autocapitalize="none" spellcheck="false"
                    autofocus[username.is_empty()];
                label for="code" { "Recovery code" }
                input #code name="code" type="text" required autocomplete="one-time-code"
                    autocapitalize="none" spellcheck="false" maxlength="64"
                    placeholder="xxxx-xxxx-xxxx-xxxx" aria-describedby="code-hint"
                    autofocus[!username.is_empty()];
                p.hint #code-hint { "Each code works once." }
                (new_password_fields())
                button.button.primary type="submit" data-busy-label="Checking…" { "Set new password" }
            }
            p.muted {
                "No codes left? The person who runs this server can give you a sign-in link. "
                a href="/login" { "Back to sign in" }
            }
        }
    }
}

#[handler]
pub async fn recover_page() -> Response {
    page(
        StatusCode::OK,
        layout(
            Assets::shared(),
            "Recover your account",
            None,
            recover_form("", None),
        ),
    )
}

#[handler]
pub async fn recover(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<RecoverForm>,
) -> Response {
    let username = form.username.trim();
    let outcome = if form.password != form.password_repeat {
        Err(AuthError::InvalidPassword("The two passwords differ."))
    } else {
        state
            .auth
            .recover(username, &form.code, &form.password, &device(req))
            .await
    };
    match outcome {
        Ok(signed_in) => back_in(&state, req, signed_in, "recovered").await,
        Err(err) => {
            let text = super::account::refusal(&err).1;
            refused_page(
                "Recover your account",
                recover_form(username, Some(&text)),
                &err,
            )
        }
    }
}

/// Signed in with a new password (the account's other sessions ended with it): a session
/// cookie the browser presented ends too, and the settings page says what happened
/// (`?done=…`).
async fn back_in(state: &State, req: &Request, signed_in: SignedIn, done: &str) -> Response {
    state.end_presented_session(req).await;
    let to = format!("/settings?done={done}");
    signed_in_response(&signed_in.token, state.tls, &to)
}

/// `/reset/{token}` as the browser posts it.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_repeat: String,
}

fn reset_form(token: &str, username: &str, error: Option<&str>) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Choose a new password" }
            p { "For " strong { (username) } ". This link works once; every other session of the account ends." }
            (error_box(error))
            form.stack method="post" action={ "/reset/" (token) } {
                (new_password_fields())
                button.button.primary type="submit" data-busy-label="Saving…" { "Set password and sign in" }
            }
        }
    }
}

/// The page of a link that opens nothing: used, expired or never made.
fn dead_link(err: &AuthError) -> Response {
    let (status, text) = super::account::refusal(err);
    let markup = html! {
        section.card.narrow {
            h1 { "This link does not work" }
            p.form-error role="alert" { (text) }
            p { a.button href="/recover" { "Recover with a code" } " " a.button href="/login" { "Sign in" } }
        }
    };
    page(
        status,
        layout(Assets::shared(), "Sign-in link", None, markup),
    )
}

#[handler]
pub async fn reset_page(state: Data<&State>, Path(token): Path<String>) -> Response {
    match state.auth.reset_link_user(&token).await {
        Ok(user) => page(
            StatusCode::OK,
            layout(
                Assets::shared(),
                "Choose a new password",
                None,
                reset_form(&token, &user.username, None),
            ),
        ),
        Err(err) => dead_link(&err),
    }
}

#[handler]
pub async fn reset(
    req: &Request,
    state: Data<&State>,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Response {
    let user = match state.auth.reset_link_user(&token).await {
        Ok(user) => user,
        Err(err) => return dead_link(&err),
    };
    let outcome = if form.password != form.password_repeat {
        Err(AuthError::InvalidPassword("The two passwords differ."))
    } else {
        state
            .auth
            .reset_with_link(&token, &form.password, &device(req))
            .await
    };
    match outcome {
        Ok(signed_in) => back_in(&state, req, signed_in, "reset").await,
        Err(err @ (AuthError::LinkUsed | AuthError::LinkExpired | AuthError::LinkUnknown)) => {
            dead_link(&err)
        }
        Err(err) => {
            let text = super::account::refusal(&err).1;
            let markup = reset_form(&token, &user.username, Some(&text));
            refused_page("Choose a new password", markup, &err)
        }
    }
}
