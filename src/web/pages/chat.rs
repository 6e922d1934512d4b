//! `/rooms/{name}`: the chat itself. The page is a frame; `ui/chat.js` fills it over the
//! WebSocket (history, live messages, presence, reconnects).

use maud::{DOCTYPE, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::layout::{head, sign_out_button};
use super::{State, page, room_path, see_other};
use crate::rooms::RoomRef;
use crate::rooms::input::{MESSAGE_MAX, check_room_name};
use crate::web::Assets;

#[handler]
pub async fn chat_page(req: &Request, state: Data<&State>, Path(raw): Path<String>) -> Response {
    let name = match check_room_name(&raw) {
        Ok(name) => name.to_owned(),
        Err(reason) => return super::error_page(StatusCode::BAD_REQUEST, reason),
    };
    let Some(session) = state.session(req).await else {
        return see_other(&format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(
                &room_path(&name),
                percent_encoding::NON_ALPHANUMERIC
            )
        ));
    };
    // Show the room as first created (`Lobby`), even when typed as `lobby`.
    let display = match state
        .rooms
        .find(session.user.id, RoomRef::Name(name.clone()))
        .await
    {
        Ok(visible) => visible.room.name.unwrap_or(name),
        _ => name,
    };
    let assets = Assets::shared();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(assets, &display))
            body.chat-body {
                div.chat #chat data-room=(display) data-user=(session.user.username) data-max-length=(MESSAGE_MAX) {
                    header.chat-header {
                        a.button.secondary.home href="/rooms" aria-label="Home: all rooms" { "← Rooms" }
                        div.room-heading {
                            h1.room-title { (display) }
                            p.conn-state #conn-state role="status" data-state="connecting" { "Connecting…" }
                        }
                        div.header-actions {
                            button.button.secondary.members-toggle #members-toggle type="button"
                                aria-controls="members" aria-expanded="false" {
                                "Online " span #member-count-short {}
                            }
                            (sign_out_button("button secondary"))
                        }
                    }
                    div.chat-main {
                        section.messages-pane aria-label="Messages" {
                            div.messages #messages tabindex="0" {
                                p.history-status #history-status aria-live="polite" {}
                                ol.message-list #message-list role="log" aria-live="polite" aria-relevant="additions" {}
                                div.empty-state #empty-state hidden {
                                    p { "No messages here yet." }
                                    p.muted { "Say hello — anyone who opens this room will see it." }
                                }
                                noscript {
                                    p.form-error { "The live chat needs JavaScript. Everything else on this site works without it." }
                                }
                            }
                            button.new-messages #new-messages type="button" hidden { "New messages ↓" }
                        }
                        aside.members #members aria-labelledby="members-title" {
                            h2 #members-title { "Online " span.count #member-count {} }
                            ul.member-list #member-list {}
                        }
                    }
                    form.composer #composer autocomplete="off" {
                        label.visually-hidden for="message-input" { "Message" }
                        textarea #message-input name="text" rows="1" required
                            placeholder={ "Message " (display) } enterkeyhint="send"
                            aria-describedby="composer-hint" {}
                        button.button.primary #send-button type="submit" { "Send" }
                        p.visually-hidden #composer-hint { "Enter sends, Shift+Enter starts a new line." }
                    }
                }
                script src=(assets.url("chat.js")) defer {}
            }
        }
    };
    page(StatusCode::OK, markup)
}
