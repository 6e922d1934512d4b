//! `/settings`: your account's settings; for now who may open a direct room with you.

use maud::html;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::main;
use super::{State, signed_in, signed_in_page};
use crate::store::{DmFrom, User};

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    dm_from: String,
}

async fn settings_view(state: &State, user: &User, saved: Option<bool>) -> Response {
    let friends_only = user.dm_from == DmFrom::Friends;
    let markup = html! {
        section.card.narrow {
            h1 { "Settings" }
            @match saved {
                Some(true) => p.form-ok role="status" { "Saved." },
                Some(false) => p.form-error role="alert" { "Choose who may message you." },
                None => {},
            }
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
    };
    let status = if saved == Some(false) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    signed_in_page(state, user, status, "Settings", None, main(markup)).await
}

#[handler]
pub async fn settings_page(req: &Request, state: Data<&State>) -> Response {
    match signed_in(&state, req).await {
        Ok(session) => settings_view(&state, &session.user, None).await,
        Err(answer) => answer,
    }
}

#[handler]
pub async fn save(req: &Request, state: Data<&State>, Form(form): Form<SettingsForm>) -> Response {
    let session = match signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let mut user = session.user;
    let Some(dm_from) = DmFrom::parse(&form.dm_from) else {
        return settings_view(&state, &user, Some(false)).await;
    };
    if state.people.set_dm_from(user.id, dm_from).await.is_err() {
        return super::layout::unavailable_page();
    }
    user.dm_from = dm_from;
    settings_view(&state, &user, Some(true)).await
}
