//! Server frames, each encoded to JSON text once and shared as bytes by every recipient. The
//! field names are the contract of `PROTOCOL.md`.
//!
//! By concern: the frames about a room and its messages (`room`), the ones about the person
//! and their friends (`person`), and the error frame every refusal becomes (`error`). They
//! share one encoder, here, so every frame is JSON made the same way.

mod error;
mod person;
mod room;

use serde::Serialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use error::ErrorFrame;
pub use person::{FriendEntry, Hello, friend_presence_frame, friend_state_frame, hello_frame};
pub use room::{
    Joined, PresenceEvent, activity_frame, history_frame, joined_frame, left_frame, message_frame,
    presence_frame, read_frame, room_frame, typing_frame, update_frame,
};

fn encode(value: &impl Serialize) -> Utf8Bytes {
    serde_json::to_string(value)
        .expect("frames contain only strings, numbers and lists of them")
        .into()
}
