//! Your profile: the display name shown beside your username, and the username itself.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, done, settings_view};
use crate::auth::Session;
use crate::auth::validate::{USERNAME_MAX, USERNAME_MIN};
use crate::errors::Failure;
use crate::people::{DISPLAY_NAME_MAX, PeopleError, ProfileChanges};
use crate::store::User;
use crate::web::pages::{State, signed_in};

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    username: String,
}

pub(super) fn part(user: &User, outcome: Option<&Outcome>) -> Markup {
    html! {
        section.card #profile aria-labelledby="profile-title" {
            h2 #profile-title { "Profile" }
            (Outcome::shown_in(outcome, Part::Profile))
            form.stack method="post" action="/settings/profile" {
                label for="display-name" { "Display name" }
                input #display-name name="display_name" type="text" autocomplete="name"
                    maxlength=(DISPLAY_NAME_MAX) value=(user.display_name.as_deref().unwrap_or(""))
                    aria-describedby="display-name-hint";
                p.hint #display-name-hint { "Shown beside your username, in any script. Leave it empty for none." }
                label for="new-username" { "Username" }
                input #new-username name="username" type="text" required autocomplete="username"
                    autocapitalize="none" spellcheck="false" value=(user.username)
                    minlength=(USERNAME_MIN) maxlength=(USERNAME_MAX) pattern="[A-Za-z0-9_.\\-]+"
                    aria-describedby="new-username-hint";
                p.hint #new-username-hint {
                    "3–32 letters, digits, '_', '.' or '-'. Your messages show the new one; the old one keeps leading to you, and nobody else can take it, for 30 days."
                }
                button.button.primary type="submit" data-busy-label="Saving…" { "Save profile" }
            }
        }
    }
}

#[handler]
pub async fn save_profile(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<ProfileForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let changes = ProfileChanges {
        username: Some(form.username.trim().to_owned()),
        display_name: Some(form.display_name),
        ..ProfileChanges::default()
    };
    match state.people.change_profile(session.user.id, changes).await {
        Ok(_) => done("profile"),
        Err(err) => refused(&state, &session, err).await,
    }
}

/// The page again with why the change was refused, or the server's own failure.
async fn refused(state: &State, session: &Session, err: PeopleError) -> Response {
    let failure = Failure::from(&err);
    if failure.status().is_server_error() {
        return crate::web::pages::failure_page(&failure);
    }
    let refused = Outcome::refused(Part::Profile, failure.message);
    settings_view(state, session, Some(refused)).await
}
