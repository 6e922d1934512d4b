//! Your picture: what it is now, a file to upload instead (the page's script sends it to
//! `PUT /api/v1/me/avatar`, which says why a file will not do), and a button to go back to
//! your initials.

use maud::{Markup, html};
use poem::web::Data;
use poem::{Request, Response, handler};

use super::{Outcome, Part, done};
use crate::store::User;
use crate::web::pages::avatar::{Size, avatar};
use crate::web::pages::{State, layout, signed_in};

pub(super) fn part(user: &User, outcome: Option<&Outcome>) -> Markup {
    html! {
        section.card #picture aria-labelledby="picture-title" {
            h2 #picture-title { "Picture" }
            (Outcome::shown_in(outcome, Part::Avatar))
            p.form-error #avatar-error role="alert" hidden {}
            div.profile-head {
                (avatar(user, Size::Large))
                p.hint { "PNG, JPEG, WebP or GIF, up to 5 MiB and 4096×4096 pixels. The middle square is kept." }
            }
            form.stack #avatar-form {
                label for="avatar-file" { "New picture" }
                input #avatar-file name="avatar" type="file" required
                    accept="image/png,image/jpeg,image/webp,image/gif";
                noscript { p.hint { "Uploading a picture needs JavaScript in this browser." } }
                button.button.primary type="submit" data-busy-label="Uploading…" { "Upload picture" }
            }
            @if user.avatar.is_some() {
                form method="post" action="/settings/avatar/remove" {
                    button.button type="submit" data-busy-label="Removing…" { "Remove picture" }
                }
            }
        }
    }
}

#[handler]
pub async fn remove_avatar(req: &Request, state: Data<&State>) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    match state.people.remove_avatar(session.user.id).await {
        Ok(_) => done("avatar-removed"),
        Err(err) => {
            tracing::error!(error = %err, "cannot remove an avatar");
            layout::unavailable_page()
        }
    }
}
