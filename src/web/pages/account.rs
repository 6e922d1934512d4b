//! `/signup`, `/login`, `/logout`: plain HTML forms, errors shown inline.

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::layout::{layout, sign_out_button};
use super::{State, page, safe_next, see_other};
use crate::auth::validate::{PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN};
use crate::auth::{AuthError, SignedIn};
use crate::errors::{Code, Failure};
use crate::store::Signup;
use crate::web::{Assets, cookie, device};

/// The sign-up form as the browser posts it (`application/x-www-form-urlencoded`).
#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_repeat: String,
    /// Where to go afterwards (an invite link, say).
    pub next: Option<String>,
    /// The code of the server invite link the person came with.
    pub invite: Option<String>,
}

impl SignupForm {
    /// Parses a form body the way poem's `Form` extractor does.
    pub fn parse(body: &[u8]) -> Result<Self, serde_urlencoded::de::Error> {
        serde_urlencoded::from_bytes(body)
    }

    /// Where to go after signing up: a path on this site, whatever `next` says.
    pub fn next_path(&self) -> &str {
        safe_next(self.next.as_deref())
    }
}

/// The sign-in form as the browser posts it; `next` is where to go afterwards.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
}

impl LoginForm {
    /// Parses a form body the way poem's `Form` extractor does.
    pub fn parse(body: &[u8]) -> Result<Self, serde_urlencoded::de::Error> {
        serde_urlencoded::from_bytes(body)
    }

    /// Where to go after signing in: a path on this site, whatever `next` says.
    pub fn next_path(&self) -> &str {
        safe_next(self.next.as_deref())
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub(super) fn error_box(error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p.form-error #form-error role="alert" { (error) }
        }
    }
}

/// `?next=…` for a link between the two forms, so an invite survives the way from one to the
/// other.
fn next_query(next: &str) -> String {
    if next == "/rooms" {
        String::new()
    } else {
        format!("?next={}", super::query_value(next))
    }
}

/// Whether the sign-up form is offered, and with which invite.
#[derive(Debug, Clone, Copy)]
enum Door<'a> {
    /// The form, carrying the invite the person came with, if any.
    Open { invite: Option<&'a str> },
    /// No form: why.
    Shut(&'a str),
}

impl<'a> Door<'a> {
    /// The door for someone who came with `invite` (a code), as the server's setting stands.
    async fn of(state: &State, invite: Option<&'a str>) -> Door<'a> {
        let invite = invite.filter(|code| !code.is_empty());
        let mode = match state.auth.signup().await {
            Ok(mode) => mode,
            Err(_) => return Door::Shut(Code::Unavailable.sentence()),
        };
        let usable = match invite {
            Some(code) => state.auth.invite_usable(code).await.unwrap_or(false),
            None => false,
        };
        match (mode, invite) {
            (Signup::Closed, _) => Door::Shut(Code::SignupClosed.sentence()),
            (_, Some(_)) if !usable => Door::Shut(Code::InviteInvalid.sentence()),
            (Signup::Invite, None) => Door::Shut(Code::InviteRequired.sentence()),
            (_, invite) => Door::Open { invite },
        }
    }
}

fn signup_form(username: &str, next: &str, error: Option<&str>, door: Door) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Create an account" }
            @match door {
                Door::Shut(why) => p.form-error role="alert" { (why) },
                Door::Open { invite } => {
                    @if invite.is_some() {
                        p { "You were invited to this server: choose a username and a password." }
                    }
                    (error_box(error))
                    form.stack method="post" action="/signup" {
                        input type="hidden" name="next" value=(next);
                        @if let Some(code) = invite {
                            input type="hidden" name="invite" value=(code);
                        }
                        label for="username" { "Username" }
                        input #username name="username" type="text" value=(username) required
                            autocomplete="username" autocapitalize="none" spellcheck="false"
                            minlength=(USERNAME_MIN) maxlength=(USERNAME_MAX) pattern="[A-Za-z0-9_.\\-]+"
                            aria-describedby="username-hint" autofocus[username.is_empty()];
                        p.hint #username-hint { "3–32 letters, digits, '_', '.' or '-'." }
                        label for="password" { "Password" }
                        input #password name="password" type="password" required autocomplete="new-password"
                            minlength=(PASSWORD_MIN) maxlength=(PASSWORD_MAX) aria-describedby="password-hint"
                            autofocus[!username.is_empty()];
                        p.hint #password-hint { "At least 8 characters." }
                        label for="password_repeat" { "Repeat password" }
                        input #password_repeat name="password_repeat" type="password" required
                            autocomplete="new-password" minlength=(PASSWORD_MIN) maxlength=(PASSWORD_MAX);
                        button.button.primary type="submit" data-busy-label="Creating account…" { "Create account" }
                    }
                    p.muted { "Already have an account? " a href={ "/login" (next_query(next)) } { "Sign in" } }
                }
            }
        }
    }
}

fn login_form(username: &str, next: &str, error: Option<&str>) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Sign in" }
            (error_box(error))
            form.stack method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label for="username" { "Username" }
                input #username name="username" type="text" value=(username) required
                    autocomplete="username" autocapitalize="none" spellcheck="false"
                    autofocus[username.is_empty()];
                label for="password" { "Password" }
                input #password name="password" type="password" required autocomplete="current-password"
                    autofocus[!username.is_empty()];
                button.button.primary type="submit" data-busy-label="Signing in…" { "Sign in" }
            }
            p.muted { a href="/recover" { "Forgot your password?" } }
            p.muted { "No account yet? " a href={ "/signup" (next_query(next)) } { "Create one" } }
        }
    }
}

/// The status code and text a refused form shows.
pub(super) fn refusal(err: &AuthError) -> (StatusCode, String) {
    let failure = Failure::from(err);
    (failure.status(), failure.message)
}

pub(super) fn refused_page(title: &str, form: Markup, err: &AuthError) -> Response {
    let failure = Failure::from(err);
    let mut resp = page(
        failure.status(),
        layout(Assets::shared(), title, None, form),
    );
    if let Some(seconds) = failure.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    resp
}

pub(super) fn signed_in_response(token: &str, tls: bool, to: &str) -> Response {
    let mut resp = see_other(to);
    if let Ok(value) = cookie::set_session(token, tls).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    resp
}

/// The page right after sign-up: the new account is signed in, and its recovery codes are
/// shown before it goes on to `to`.
fn codes_page(signed_in: &SignedIn, codes: &[String], to: &str, tls: bool) -> Response {
    let card = super::recovery::codes_card(codes, &signed_in.user.username, to);
    let mut resp = page(
        StatusCode::OK,
        layout(
            Assets::shared(),
            "Save your recovery codes",
            Some(&signed_in.user),
            card,
        ),
    );
    if let Ok(value) = cookie::set_session(&signed_in.token, tls).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    resp
}

/// `/signup?next=…&invite=…`.
#[derive(Debug, Deserialize)]
pub struct SignupQuery {
    next: Option<String>,
    invite: Option<String>,
}

#[handler]
pub async fn signup_page(
    req: &Request,
    state: Data<&State>,
    Query(query): Query<SignupQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if matches!(state.session(req).await, Ok(Some(_))) {
        return see_other(next);
    }
    let door = Door::of(&state, query.invite.as_deref()).await;
    let form = signup_form("", next, None, door);
    page(
        StatusCode::OK,
        layout(Assets::shared(), "Sign up", None, form),
    )
}

#[handler]
pub async fn signup(req: &Request, state: Data<&State>, Form(form): Form<SignupForm>) -> Response {
    let username = form.username.trim();
    let next = form.next_path();
    let invite = form.invite.as_deref().filter(|code| !code.is_empty());
    let refused = |err: &AuthError| {
        let (_, text) = refusal(err);
        // Shown again with the form, unless the refusal is about the door itself.
        let door = match err {
            AuthError::SignupClosed | AuthError::InviteRequired | AuthError::InviteInvalid => {
                Door::Shut(Failure::from(err).code.sentence())
            }
            _ => Door::Open { invite },
        };
        refused_page(
            "Sign up",
            signup_form(username, next, Some(&text), door),
            err,
        )
    };
    if form.password != form.password_repeat {
        return refused(&AuthError::InvalidPassword("The two passwords differ."));
    }
    match state
        .auth
        .sign_up(username, &form.password, invite, &device(req))
        .await
    {
        Ok(signed_up) => {
            state.end_presented_session(req).await;
            let signed_in = &signed_up.signed_in;
            let to = super::invite::land(&state, &signed_in.user, next).await;
            codes_page(signed_in, &signed_up.recovery_codes, &to, state.tls)
        }
        Err(err) => refused(&err),
    }
}

#[handler]
pub async fn login_page(
    req: &Request,
    state: Data<&State>,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if matches!(state.session(req).await, Ok(Some(_))) {
        return see_other(next);
    }
    page(
        StatusCode::OK,
        layout(
            Assets::shared(),
            "Sign in",
            None,
            login_form("", next, None),
        ),
    )
}

#[handler]
pub async fn login(req: &Request, state: Data<&State>, Form(form): Form<LoginForm>) -> Response {
    let next = form.next_path();
    let username = form.username.trim();
    match state
        .auth
        .sign_in(username, &form.password, &device(req))
        .await
    {
        Ok(signed_in) => {
            state.end_presented_session(req).await;
            let to = super::invite::land(&state, &signed_in.user, next).await;
            signed_in_response(&signed_in.token, state.tls, &to)
        }
        Err(err) => {
            let (_, text) = refusal(&err);
            refused_page("Sign in", login_form(username, next, Some(&text)), &err)
        }
    }
}

#[handler]
pub async fn logout_page(req: &Request, state: Data<&State>) -> Response {
    let Ok(Some(session)) = state.session(req).await else {
        return see_other("/");
    };
    let markup = html! {
        section.card.narrow {
            h1 { "Sign out" }
            p { "You are signed in as " strong { (session.user.username) } "." }
            (sign_out_button("button primary"))
        }
    };
    page(
        StatusCode::OK,
        layout(Assets::shared(), "Sign out", Some(&session.user), markup),
    )
}

#[handler]
pub async fn logout(req: &Request, state: Data<&State>) -> Response {
    if let Some(token) = cookie::session_token(req.headers(), state.tls) {
        match state.auth.sign_out(token).await {
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %err, "sign-out failed");
                let message =
                    "Signing out failed on the server; you are still signed in. Try again.";
                return super::error_page(StatusCode::INTERNAL_SERVER_ERROR, message);
            }
        }
    }
    let mut resp = see_other("/");
    if let Ok(value) = cookie::clear_session(state.tls).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    resp.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::FromRequest;
    use poem::http::Method;

    /// What poem's `Form` extractor makes of a posted body.
    async fn poem_form<T: serde::de::DeserializeOwned>(body: &'static [u8]) -> Option<T> {
        let (req, mut body) = Request::builder()
            .method(Method::POST)
            .content_type("application/x-www-form-urlencoded")
            .body(body)
            .split();
        Form::<T>::from_request(&req, &mut body)
            .await
            .ok()
            .map(|Form(form)| form)
    }

    #[tokio::test]
    async fn forms_parse_as_poem_parses_them() {
        for body in [
            &b"username=al+ice&password=p%C3%A4ss&password_repeat=x&next=%2Frooms%2F1"[..],
            b"username=bob",
            b"",
            b"password=%FF",
            b"username=a&username=b",
            b"&&=&next",
        ] {
            let ours = SignupForm::parse(body).ok();
            let poems = poem_form::<SignupForm>(body).await;
            assert_eq!(format!("{ours:?}"), format!("{poems:?}"));
            let ours = LoginForm::parse(body).ok();
            let poems = poem_form::<LoginForm>(body).await;
            assert_eq!(format!("{ours:?}"), format!("{poems:?}"));
        }
        let form = SignupForm::parse(b"username=al+ice&password=p%C3%A4ss").unwrap();
        assert_eq!(
            (form.username.as_str(), form.password.as_str()),
            ("al ice", "päss")
        );
        assert_eq!(form.password_repeat, "");
    }

    #[test]
    fn sign_in_goes_back_only_to_this_site() {
        let next = |body: &[u8]| LoginForm::parse(body).unwrap().next_path().to_owned();
        assert_eq!(next(b"next=%2Frooms%2Flobby"), "/rooms/lobby");
        assert_eq!(next(b"next=%2F%2Fevil.example"), "/rooms");
        assert_eq!(next(b"username=x"), "/rooms");
    }
}
