//! What a push says: the JSON the service worker (`ui/sw.js`) shows as a notification. Kept
//! small: push services take at most 4 KiB, encrypted.

use serde::Serialize;

use crate::format::excerpt;
use crate::rooms::view::MessageView;

/// The notification of one new message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload {
    pub room_id: u64,
    /// "alice in lobby", or in a direct room the author alone.
    pub title: String,
    /// The start of the text, or what it is when it has none.
    pub body: String,
    /// The room's chat page: a click opens it.
    pub url: String,
    /// One notification per room: a newer one replaces it.
    pub tag: String,
    pub id: u64,
}

/// The title of a private notification: whose notification it is, and nothing more.
const PRIVATE_TITLE: &str = "confab";
/// The body of a private notification, or of one whose message has nothing else to say.
const NEW_MESSAGE: &str = "New message";

impl Payload {
    /// `url`: the room's page for the person pushed (`/rooms/NAME`, `/dm/PEOPLE`). `private`:
    /// the person chose notifications that say only "New message"; the room is still opened
    /// by a click, but nothing shown names it, its author or its words.
    pub fn of(message: &MessageView, url: String, private: bool) -> Payload {
        let (title, body) = if private {
            (PRIVATE_TITLE.to_owned(), NEW_MESSAGE.to_owned())
        } else {
            let author = message.display_name.as_deref().unwrap_or(&message.user);
            let title = match &message.room {
                Some(room) => format!("{author} in {room}"),
                None => author.to_owned(),
            };
            let body = match excerpt(&message.text) {
                text if !text.is_empty() => text,
                _ if !message.files.is_empty() => "Sent a file".to_owned(),
                _ => NEW_MESSAGE.to_owned(),
            };
            (title, body)
        };
        Payload {
            room_id: message.room_id,
            title,
            body,
            url,
            tag: format!("confab-room-{}", message.room_id),
            id: message.id,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}
