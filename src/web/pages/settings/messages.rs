//! Who may start a direct conversation with you.

use maud::{Markup, html};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{Outcome, Part, done, settings_view};
use crate::people::ProfileChanges;
use crate::store::{DmFrom, User};
use crate::web::pages::{State, layout, signed_in};

#[derive(Debug, Deserialize)]
pub struct MessagesForm {
    #[serde(default)]
    dm_from: String,
}

pub(super) fn part(user: &User, outcome: Option<&Outcome>) -> Markup {
    let friends_only = user.dm_from == DmFrom::Friends;
    html! {
        section.card #messages aria-labelledby="messages-title" {
            h2 #messages-title { "Who may message you" }
            (Outcome::shown_in(outcome, Part::Messages))
            form.stack method="post" action="/settings" {
                fieldset.choices {
                    legend { "Who may start a direct conversation with you" }
                    label.choice { input type="radio" name="dm_from" value="everyone" checked[!friends_only]; " Everyone here" }
                    label.choice { input type="radio" name="dm_from" value="friends" checked[friends_only]; " Only my friends" }
                }
                p.hint { "Conversations you already have stay as they are. Someone you block can never message you." }
                button.button.primary type="submit" data-busy-label="Saving…" { "Save" }
            }
        }
    }
}

#[handler]
pub async fn save_messages(
    req: &Request,
    state: Data<&State>,
    Form(form): Form<MessagesForm>,
) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let Some(dm_from) = DmFrom::parse(&form.dm_from) else {
        let refused = Outcome::refused(Part::Messages, "Choose who may message you.");
        return settings_view(&state, &session, Some(refused)).await;
    };
    let changes = ProfileChanges {
        dm_from: Some(dm_from),
        ..ProfileChanges::default()
    };
    match state.people.change_profile(session.user.id, changes).await {
        Ok(_) => done("messages"),
        Err(err) => {
            tracing::error!(error = %err, "cannot save who may message someone");
            layout::unavailable_page()
        }
    }
}
