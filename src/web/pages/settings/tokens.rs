//! Your API tokens, for scripts and bots: each with its name, what it may do, when it was made
//! and last used and until when it works, and Revoke; and a form to make one, whose secret is
//! shown on a page of its own, once.

use std::time::Duration;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, done, settings_view};
use crate::access::{Scope, Scopes};
use crate::auth::{ApiTokenInfo, Session};
use crate::errors::Failure;
use crate::web::pages::layout::main;
use crate::web::pages::{State, ago, signed_in, signed_in_page};

/// How long a new token may work, as the form offers it.
const LIFETIMES: [(&str, &str, Option<u64>); 4] = [
    ("30d", "30 days", Some(30 * 86_400)),
    ("90d", "90 days", Some(90 * 86_400)),
    ("1y", "1 year", Some(365 * 86_400)),
    ("never", "Until revoked", None),
];

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    /// `create` or `revoke`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    /// Ticked boxes: `yes`.
    read: Option<String>,
    post: Option<String>,
    /// One of [`LIFETIMES`].
    #[serde(default)]
    lifetime: String,
    /// For `revoke`: the token's id.
    #[serde(default)]
    id: String,
}

pub(super) async fn part(state: &State, session: &Session, outcome: Option<&Outcome>) -> Markup {
    let now = state.clock.now_ms();
    let tokens = state.auth.api_tokens(session.user.id).await;
    html! {
        section.card #tokens aria-labelledby="tokens-title" {
            h2 #tokens-title { "API tokens" }
            p {
                "For scripts and bots: a token is sent as "
                code { "Authorization: Bearer TOKEN" } " to the "
                a href="/api/docs" { "JSON API" } ", and may do only what its scopes say."
            }
            (Outcome::shown_in(outcome, Part::Tokens))
            @match &tokens {
                Err(_) => p.muted { "Your tokens cannot be read right now." },
                Ok(tokens) if tokens.is_empty() => p.muted { "No tokens yet." },
                Ok(tokens) => {
                    ul.device-list #token-list {
                        @for token in tokens { (row(token, now)) }
                    }
                }
            }
            form.stack method="post" action="/settings/tokens" {
                input type="hidden" name="action" value="create";
                label for="token-name" { "Name" }
                input #token-name name="name" type="text" required maxlength="64"
                    autocomplete="off" placeholder="deploy bot";
                fieldset.choices {
                    legend { "It may" }
                    label.choice { input type="checkbox" name="read" value="yes" checked; " read: list your rooms and read and search them" }
                    label.choice { input type="checkbox" name="post" value="yes"; " post: send messages, react and upload files" }
                }
                label for="token-lifetime" { "Works for" }
                select #token-lifetime name="lifetime" {
                    @for (value, text, _) in LIFETIMES {
                        option value=(value) selected[value == "90d"] { (text) }
                    }
                }
                button.button.primary type="submit" data-busy-label="Making a token…" { "Make a token" }
            }
        }
    }
}

fn row(token: &ApiTokenInfo, now: u64) -> Markup {
    let scopes = token.scopes.names().join(", ");
    html! {
        li.device aria-label=(token.name) {
            div.device-about {
                strong { (token.name) }
                " " span.muted { (scopes) }
                div.muted {
                    "made " time datetime=(token.created_at) { (ago(now, token.created_at)) }
                    " · "
                    @match token.last_used {
                        Some(at) => { "last used " time datetime=(at) { (ago(now, at)) } },
                        None => "never used",
                    }
                    " · "
                    @match token.expires_at {
                        _ if token.expired => "expired",
                        Some(at) => (works_for(now, at)),
                        None => "works until revoked",
                    }
                }
            }
            form.inline method="post" action="/settings/tokens" {
                input type="hidden" name="action" value="revoke";
                input type="hidden" name="id" value=(token.id);
                button.button type="submit" data-busy-label="Revoking…"
                    aria-label={ "Revoke " (token.name) } { "Revoke" }
            }
        }
    }
}

/// How much longer a token works, as a person says it.
fn works_for(now: u64, until: u64) -> String {
    match until.saturating_sub(now) / 86_400_000 {
        0 => "works for less than a day more".to_owned(),
        1 => "works for 1 more day".to_owned(),
        days => format!("works for {days} more days"),
    }
}

/// The page that shows a new token's secret, the one time it is shown.
fn made_card(token: &str, name: &str) -> Markup {
    html! {
        section.card.narrow aria-labelledby="token-title" {
            h1 #token-title { "Your new API token" }
            p { "The token " strong { (name) } " is ready. Send it as " code { "Authorization: Bearer TOKEN" } "." }
            p.callout role="note" {
                strong { "This is the only time it is shown." }
                " Copy it into your script's secrets now; if it is lost, revoke it and make another."
            }
            p.new-token { code #new-token aria-label="Token" { (token) } }
            div.actions {
                button.button type="button" data-copy="new-token" data-copied-label="Copied" { "Copy" }
                a.button.primary href="/settings#tokens" { "I have copied it — continue" }
            }
        }
    }
}

#[handler]
pub async fn change_tokens(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<TokenForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let refused = |text: String| Some(Outcome::refused(Part::Tokens, text));
    let outcome = match form.action.as_str() {
        "create" => {
            let scopes = Scopes::of(
                [
                    (form.read.is_some(), Scope::Read),
                    (form.post.is_some(), Scope::Post),
                ]
                .into_iter()
                .filter_map(|(ticked, scope)| ticked.then_some(scope)),
            );
            let Some((_, _, seconds)) = LIFETIMES.iter().find(|(v, ..)| *v == form.lifetime) else {
                return settings_view(
                    &state,
                    &session,
                    refused("Choose how long the token works.".into()),
                )
                .await;
            };
            let made = state
                .auth
                .create_api_token(
                    &session.user,
                    &form.name,
                    scopes,
                    seconds.map(Duration::from_secs),
                )
                .await;
            match made {
                Ok(made) => {
                    let card = made_card(&made.token, &made.info.name);
                    return signed_in_page(
                        &state,
                        &session.user,
                        StatusCode::CREATED,
                        "Your new API token",
                        None,
                        main(card),
                    )
                    .await;
                }
                Err(err) => refused(Failure::from(&err).message),
            }
        }
        "revoke" => match state.auth.revoke_api_token(session.user.id, &form.id).await {
            Ok(()) => return done("token-revoked"),
            Err(err) => refused(Failure::from(&err).message),
        },
        _ => refused("That is not something to do with a token.".into()),
    };
    settings_view(&state, &session, outcome).await
}
