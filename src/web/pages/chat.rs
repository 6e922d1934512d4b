//! The chat page of a room, `/rooms/{name}` (and `/dm/{people}`, see `direct.rs`): a frame in
//! the app shell that `ui/js/app.js` fills over the WebSocket (history, live messages,
//! presence, reconnects) and that switches rooms without a reload.

use maud::{Markup, html};
use percent_encoding::percent_decode_str;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::{State, error_page, signed_in_page};
use crate::access::Actor;
use crate::rooms::input::{MESSAGE_MAX, check_room_name};
use crate::rooms::view::RoomSummary;
use crate::rooms::{RoomError, RoomRef};
use crate::store::User;

/// The reactions the picker offers at a click; any other emoji can be typed in it.
const COMMON_EMOJI: [&str; 24] = [
    "👍", "👎", "❤️", "😂", "🎉", "😮", "😢", "😡", "🙏", "👀", "🔥", "✅", "❌", "💯", "🚀", "🤔",
    "👏", "🙌", "😄", "😅", "🤝", "💡", "⭐", "☕",
];

/// The notification levels a member chooses from, as the room menu words them.
pub const LEVELS: [(&str, &str); 3] = [
    ("all", "Every message"),
    ("mentions", "Mentions only"),
    ("none", "Nothing"),
];

/// Which room a chat page shows: one that exists (and may be seen), a free name that the
/// page's first join creates as an open room, or the conversation with these people (by
/// username, without the reader) that the first message makes.
pub enum ChatRoom<'a> {
    Existing(&'a RoomSummary),
    New(&'a str),
    NewDirect(&'a [String]),
}

/// The chat frame for a room. Markup for a message comes from the `<template>` here, which
/// the browser clones and fills with text only.
pub fn chat_main(room: ChatRoom<'_>, title: &str) -> Markup {
    let (id, name, topic, named) = match &room {
        ChatRoom::Existing(summary) => (
            Some(summary.id),
            summary.name.as_deref(),
            summary.topic.as_deref(),
            summary.kind != "direct",
        ),
        ChatRoom::New(name) => (None, Some(*name), None, true),
        ChatRoom::NewDirect(_) => (None, None, None, false),
    };
    // A member's level; the script shows the choice once the page's join makes one.
    let level = match &room {
        ChatRoom::Existing(summary) => summary.notifications.as_deref(),
        _ => None,
    };
    // The people of a conversation not made yet; without JavaScript, its first message is a
    // form of its own.
    let people = match &room {
        ChatRoom::NewDirect(people) => Some(people.join(",")),
        _ => None,
    };
    html! {
        main.chat #main tabindex="-1" data-room-id=[id] data-room-name=[name] data-direct-people=[people.as_deref()] data-max-length=(MESSAGE_MAX) {
            header.chat-header {
                // On a phone the site header gives way to this bar: the drawer (rooms and
                // account), the room with its connection state, and one menu for the room.
                a.button.secondary.icon-button.drawer-toggle #drawer-toggle href="#sidebar"
                    aria-controls="sidebar" aria-label="Rooms and account" { span.glyph.glyph-menu {} }
                div.room-heading {
                    h1.room-title #room-title { (title) }
                    p.room-topic #room-topic hidden[topic.is_none()] { (topic.unwrap_or_default()) }
                    p.conn-state #conn-state role="status" data-state="connecting" { "Connecting…" }
                }
                div.room-menu {
                    button.button.secondary.icon-button.room-menu-toggle #room-menu-toggle type="button"
                        aria-controls="room-menu" aria-expanded="false" aria-label="Room menu" { span.glyph.glyph-more {} }
                    div.room-menu-panel #room-menu {
                        div.notify-choice #notify-choice hidden[level.is_none()] {
                            label for="notify-level" { "Notify me of" }
                            select #notify-level {
                                @for (value, label) in LEVELS {
                                    option value=(value) selected[level == Some(value)] { (label) }
                                }
                            }
                        }
                        button.button.secondary #alerts-enable type="button" hidden { "Allow notifications" }
                        a.button.secondary #room-settings hidden[!named || id.is_none()]
                            href=(format!("{}/settings", super::room_path(name.unwrap_or_default()))) { "Room settings" }
                        button.button.secondary.members-toggle #members-toggle type="button"
                            aria-controls="members" aria-expanded="false" {
                            "Online " span #member-count-short {}
                        }
                    }
                }
            }
            p.room-gone #room-gone role="alert" hidden {}
            div.chat-main {
                section.messages-pane aria-labelledby="room-title" {
                    div.messages #messages tabindex="0" aria-label="Messages" aria-describedby="messages-hint" {
                        p.visually-hidden #messages-hint { "Up and Down move between messages; Tab reaches a message's buttons; Escape goes back to the message box." }
                        p.history-status #history-status aria-live="polite" {}
                        div.message-log role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages" {
                            ol.message-list #message-list {}
                        }
                        div.empty-state #empty-state hidden {
                            p { "No messages here yet." }
                            @if people.is_some() {
                                p.muted { "Your first message starts the conversation." }
                            } @else {
                                p.muted { "Say hello — everyone in this room will see it." }
                            }
                        }
                        noscript {
                            p.form-error { "The live chat needs JavaScript. Everything else on this site works without it." }
                        }
                    }
                    button.jump-unread #jump-unread type="button" hidden { "Jump to first unread ↑" }
                    button.new-messages #new-messages type="button" hidden { "New messages ↓" }
                    p.typing-line #typing-line {}
                }
                aside.members #members aria-labelledby="members-title" {
                    h2 #members-title { "Online " span.count #member-count {} }
                    ul.member-list #member-list {}
                }
            }
            form.composer #composer autocomplete="off" aria-label="Send a message"
                method=[people.as_ref().map(|_| "post")] action=[people.as_ref().map(|_| "/dm")] {
                @if let Some(people) = &people {
                    input type="hidden" name="usernames" value=(people);
                    // One per page: the same form sent twice stores one message.
                    input type="hidden" name="client_id" value=(crate::auth::new_token());
                }
                div.reply-bar #reply-bar hidden {
                    span #reply-to {}
                    button.button.secondary.small #reply-cancel type="button" { "Cancel reply" }
                }
                label.visually-hidden for="message-input" { "Message" }
                ul.mention-list #mention-list role="listbox" aria-label="People to mention" hidden {}
                textarea #message-input name="text" rows="1" required
                    placeholder={ "Message " (title) } enterkeyhint="send"
                    aria-autocomplete="list" aria-controls="mention-list"
                    aria-describedby="composer-hint" {}
                button.button.primary #send-button type="submit" { "Send" }
                p.visually-hidden #composer-hint { "Enter sends, Shift+Enter starts a new line, Up edits your last message, @ names someone." }
            }
            template #message-template {
                li.msg {
                    div.msg-head {
                        span.msg-author {}
                        " "
                        time.msg-time {}
                        " "
                        span.msg-status {}
                    }
                    div.msg-text {}
                }
            }
            template #emoji-template {
                div.emoji-picker #emoji-picker role="dialog" aria-label="Add a reaction" {
                    div.emoji-grid {
                        @for emoji in COMMON_EMOJI {
                            button.emoji type="button" data-emoji=(emoji) aria-label={ "React with " (emoji) } { (emoji) }
                        }
                    }
                    form.emoji-other {
                        label for="emoji-input" { "Any emoji" }
                        input #emoji-input type="text" maxlength="16" autocomplete="off" required;
                        button.button.secondary.small type="submit" { "Add" }
                    }
                }
            }
        }
    }
}

/// The name a `/rooms/…` path names, and what follows it (`settings`), from the raw path: a
/// name may hold an encoded `/` (`a%2Fb`), which must not be taken for a separator.
pub fn split_room_path(path: &str) -> Option<(String, Option<&str>)> {
    let rest = path.strip_prefix("/rooms/")?;
    let (encoded, tail) = match rest.split_once('/') {
        Some((name, tail)) => (name, Some(tail)),
        None => (rest, None),
    };
    let name = percent_decode_str(encoded).decode_utf8().ok()?.into_owned();
    Some((name, tail))
}

#[handler]
pub async fn room_page(req: &Request, state: Data<&State>) -> Response {
    let Some((raw, tail)) = split_room_path(req.uri().path()) else {
        return error_page(StatusCode::BAD_REQUEST, "That room name is not valid text.");
    };
    let name = match check_room_name(&raw) {
        Ok(name) => name.to_owned(),
        Err(reason) => return error_page(StatusCode::BAD_REQUEST, reason),
    };
    let session = match super::signed_in(&state, req).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    match tail {
        None => chat_page(&state, &session.user, &name).await,
        Some("settings") => super::room_settings::page(&state, &session.user, &name, None).await,
        Some(tail) if tail.starts_with("m/") => {
            let room = RoomRef::Name(name.clone());
            super::permalink::page(&state, &session.user, room, &tail[2..]).await
        }
        Some(_) => error_page(StatusCode::NOT_FOUND, "There is nothing here."),
    }
}

async fn chat_page(state: &State, user: &User, name: &str) -> Response {
    match state
        .rooms
        .summary(Actor::signed_in(user), RoomRef::Name(name.to_owned()))
        .await
    {
        Ok(summary) => {
            let title = summary.name.clone().unwrap_or_default();
            let body = chat_main(ChatRoom::Existing(&summary), &title);
            signed_in_page(state, user, StatusCode::OK, &title, Some(summary.id), body).await
        }
        Err(RoomError::NotFound) => match state.rooms.name_is_free(name).await {
            // The page's first join creates the room.
            Ok(true) => {
                let body = chat_main(ChatRoom::New(name), name);
                signed_in_page(state, user, StatusCode::OK, name, None, body).await
            }
            Ok(false) => super::not_found_room(state, user, name).await,
            Err(err) => super::room_error_page(state, user, &err).await,
        },
        Err(err) => super::room_error_page(state, user, &err).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_paths_split_at_unencoded_slashes_only() {
        assert_eq!(
            split_room_path("/rooms/lobby"),
            Some(("lobby".into(), None))
        );
        assert_eq!(
            split_room_path("/rooms/a%2Fsettings"),
            Some(("a/settings".into(), None))
        );
        assert_eq!(
            split_room_path("/rooms/a/settings"),
            Some(("a".into(), Some("settings")))
        );
        assert_eq!(
            split_room_path("/rooms/caf%C3%A9"),
            Some(("café".into(), None))
        );
        assert_eq!(split_room_path("/rooms/%FF"), None);
        assert_eq!(split_room_path("/elsewhere"), None);
    }
}
