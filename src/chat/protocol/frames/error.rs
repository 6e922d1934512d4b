//! The `error` frame: what a refused request hears, a code of the one error table and what
//! the refusal is about. Apart from the other frames because it is not made in one call: a
//! command builds it from whatever failure it met, adding what it knows of the request.

use serde::Serialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::encode;
use crate::errors::{Code, Failure};
use crate::rooms::RoomError;

/// An `error` frame. `room_id`, `room` and `client_id` say what it is about, when known; they
/// echo the request, so a refusal says nothing the request did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorFrame {
    r#type: &'static str,
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl From<Failure> for ErrorFrame {
    fn from(failure: Failure) -> Self {
        ErrorFrame::new(failure.code, failure.message)
    }
}

impl ErrorFrame {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ErrorFrame {
            r#type: "error",
            code,
            message: message.into(),
            room_id: None,
            room: None,
            client_id: None,
        }
    }

    /// The error frame for a refused room operation.
    pub fn for_room(err: &RoomError) -> Self {
        ErrorFrame::from(Failure::from(err))
    }

    pub fn room_id(mut self, room_id: u64) -> Self {
        self.room_id = Some(room_id);
        self
    }

    pub fn room(mut self, room: impl Into<String>) -> Self {
        self.room = Some(room.into());
        self
    }

    pub fn client_id(mut self, client_id: Option<String>) -> Self {
        self.client_id = client_id;
        self
    }

    pub fn encode(&self) -> Utf8Bytes {
        encode(self)
    }
}
