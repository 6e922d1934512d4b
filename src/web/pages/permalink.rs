//! A message's permalink, `/rooms/{name}/m/{id}` (or `/dm/{people}/m/{id}` in a direct room):
//! the history around one message, rendered on the server with the formatting rules
//! (`crate::format`), the message highlighted, so the page reads without JavaScript; "Open in
//! chat" leads to the live room at it.

use maud::{Markup, html};
use poem::http::StatusCode;

use super::{State, error_page, signed_in_page};
use crate::access::Actor;
use crate::files::{FileView, human_size};
use crate::format::html::{Marks, Mentions, render, render_marked};
use crate::operator::actions::format_utc;
use crate::rooms::view::MessageView;
use crate::rooms::{History, RoomError, RoomRef};
use crate::store::{HistoryQuery, User};

/// Messages shown on each side of the linked one.
const AROUND: usize = 25;

pub async fn page(state: &State, user: &User, room: RoomRef, id: &str) -> poem::Response {
    let Ok(id) = id.parse::<u64>() else {
        return error_page(
            StatusCode::NOT_FOUND,
            "There is no such message in this room.",
        );
    };
    let read = |query| {
        state
            .rooms
            .history(Actor::signed_in(user), room.clone(), query, AROUND + 1)
    };
    let (before, after) = match (
        read(HistoryQuery::Before(id.saturating_add(1))).await,
        read(HistoryQuery::After(id)).await,
    ) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(err), _) | (_, Err(err)) => return super::room_error_page(state, user, &err).await,
    };
    if before.messages.last().map(|m| m.id) != Some(id) {
        return super::room_error_page(state, user, &RoomError::MessageNotFound).await;
    }
    let title = super::layout::room_title(&before.summary, &user.username);
    let chat = super::layout::room_href(&before.summary, &user.username);
    let body = around(&before, &after, id, user, &title, &chat);
    signed_in_page(
        state,
        user,
        StatusCode::OK,
        &title,
        Some(before.room.id),
        body,
    )
    .await
}

fn around(
    before: &History,
    after: &History,
    id: u64,
    user: &User,
    title: &str,
    chat: &str,
) -> Markup {
    let me = user.username.to_ascii_lowercase();
    let messages = before
        .messages
        .iter()
        .chain(after.messages.iter().take(AROUND));
    html! {
        main.permalink #main tabindex="-1" {
            header.chat-header {
                h1.room-title { (title) }
                a.button.primary href=(format!("{chat}#m{id}")) { "Open in chat" }
            }
            @if before.more { p.muted { "Earlier messages are in the chat." } }
            ol.message-list.static {
                @for message in messages {
                    (item(message, message.id == id, &me, None))
                }
            }
        }
    }
}

/// One message as a page without JavaScript shows it; `marks` picks the words to mark (the
/// search page's results).
pub fn item(message: &MessageView, linked: bool, me: &str, marks: Option<Marks<'_>>) -> Markup {
    let names: Vec<String> = message
        .mentions
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let mentions = Mentions {
        names: &names,
        everyone: message.everyone.as_deref(),
        me,
    };
    let calls_me = message.calls(me);
    html! {
        li.msg.linked[linked].mentions-me[calls_me] #(format!("m{}", message.id))
            aria-current=[linked.then_some("true")] {
            div.msg-head {
                span.msg-author {
                    @if let Some(display_name) = &message.display_name {
                        (display_name) " " span.handle { (message.user) }
                    } @else {
                        (message.user)
                    }
                }
                " "
                time.msg-time data-ts=(message.ts) { (format_utc(message.ts)) " UTC" }
                @if message.edited.is_some() { " " span.msg-edited { "(edited)" } }
            }
            @if let Some(reply) = &message.reply {
                a.msg-reply href=(format!("#m{}", reply.id)) {
                    span.msg-author { (reply.display_name.as_deref().unwrap_or(&reply.user)) } ": "
                    @if reply.deleted { em { "message deleted" } } @else { (reply.text) }
                }
            }
            @if message.deleted {
                div.msg-text.deleted { em { "message deleted" } }
            } @else {
                div.msg-text {
                    @match marks {
                        Some(marks) => (render_marked(&message.text, &mentions, marks)),
                        None => (render(&message.text, &mentions)),
                    }
                }
            }
            @if !message.files.is_empty() {
                (files(&message.files))
            }
            @if !message.reactions.is_empty() {
                ul.reactions aria-label="Reactions" {
                    @for reaction in &message.reactions {
                        li.reaction title=(reaction.users.join(", ")) {
                            (reaction.emoji) " " (reaction.users.len())
                        }
                    }
                }
            }
        }
    }
}

/// The box a preview is shown in, at most: the page's script uses the same.
const PREVIEW_BOX: (u32, u32) = (360, 240);

/// A message's files as the chat shows them, without script: a picture's preview in a box of
/// its own shape (reserved before it loads), opening the picture; any other file a download
/// link with its size and type.
fn files(files: &[FileView]) -> Markup {
    html! {
        div.msg-files {
            @for file in files {
                @match (&file.preview_url, file.width.zip(file.height)) {
                    (Some(preview), Some((width, height))) => {
                        @let scale = (f64::from(PREVIEW_BOX.0) / f64::from(width))
                            .min(f64::from(PREVIEW_BOX.1) / f64::from(height))
                            .min(1.0);
                        a.msg-image href=(file.url) {
                            img src=(preview) alt=(file.name)
                                width=((f64::from(width) * scale).round().max(1.0) as u32)
                                height=((f64::from(height) * scale).round().max(1.0) as u32);
                        }
                    }
                    _ => {
                        a.msg-file href=(file.url) download=(file.name) {
                            span.msg-file-name { (file.name) }
                            " "
                            span.msg-file-meta { (human_size(file.size)) " · " (file.mime) }
                        }
                    }
                }
            }
        }
    }
}
