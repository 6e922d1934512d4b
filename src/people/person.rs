//! Someone as they are shown, wherever they appear: the author of a message, one of a direct
//! room's people, a room's member, a friend, someone found on the people page. One type, made
//! from the account in one place ([`Person::of`]), so a new display name or picture shows
//! alike everywhere, in the pages, the JSON API and the WebSocket.

use poem_openapi::Object;
use serde::Serialize;

use super::avatar::{SMALL, avatar_url, initials_of};
use crate::store::User;

/// What a message is shown as written by when its author's account is gone.
const UNKNOWN: &str = "unknown";

/// Someone as they are shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
pub struct Person {
    pub user_id: u64,
    pub username: String,
    /// The name they chose to be shown by, beside their username.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub display_name: Option<String>,
    /// Their picture, 64 pixels square; absent: their initials are shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub avatar_url: Option<String>,
}

impl Person {
    /// The account as it is shown.
    pub fn of(user: &User) -> Person {
        Person {
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            avatar_url: avatar_url(user, SMALL),
        }
    }

    /// Whoever wrote something when their account can no longer be found.
    pub fn unknown(user_id: u64) -> Person {
        Person {
            user_id,
            username: UNKNOWN.to_owned(),
            display_name: None,
            avatar_url: None,
        }
    }

    /// These accounts as shown, sorted by username whatever the case: how a direct room
    /// lists its people.
    pub fn sorted(users: impl IntoIterator<Item = User>) -> Vec<Person> {
        let mut people: Vec<Person> = users.into_iter().map(|user| Person::of(&user)).collect();
        people.sort_unstable_by_key(|person| person.username.to_lowercase());
        people
    }

    /// The name they are shown by: their display name, or else their username.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.username)
    }

    /// Up to two letters for their picture when they have none.
    pub fn initials(&self) -> String {
        initials_of(self.shown_name())
    }
}
