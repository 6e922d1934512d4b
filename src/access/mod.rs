//! Who may do what: the one place that decides. Every door — pages, the JSON API, the WebSocket,
//! the writer as it commits — asks here, and pages and scripts draw their controls from what
//! the answer says ([`May`]), never from a role of their own reading.
//!
//! - [`Actor`]: who is asking — the person, how they came in, their role on the server.
//! - [`authorize`] (`rooms.rs`): what an actor may do with a room, from the room and their
//!   membership of it alone, so a check and the read or write it allows can run on one
//!   snapshot or inside one write transaction.
//! - [`may_contact`] (`contact.rs`): whether one person may reach another (a new conversation,
//!   a message in a conversation of two, a friend request), from blocks, friendship and "who
//!   may message me".
//! - [`may_administer`] (`server.rs`): whether an actor runs the server (`/admin`, its API,
//!   the audit log), and [`Administrator`], the proof that they do, which every
//!   administrative action asks for and writes into the audit log.
//! - [`may_use`] (`scopes.rs`): what an API token may do, by its scopes.

mod contact;
mod rooms;
mod scopes;
mod server;

pub use contact::{Contact, NoContact, Ties, may_contact};
pub use rooms::{Action, Denied, EVERYONE_LIMIT, May, authorize};
pub use scopes::{InsufficientScope, Scope, Scopes, may_use};
pub use server::{Administrator, NotAdmin, may_administer, may_create_room};

use crate::store::User;

/// Who is asking for something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: u64,
    /// How they came in.
    pub via: Via,
    /// Their role on the server, whatever room they act in.
    pub role: ServerRole,
}

/// How an actor came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser session (the session cookie): everything the person may do.
    Session,
    /// An API token (`Authorization: Bearer`): what the person may do, within its scopes, and
    /// nothing an admin does.
    Token(Scopes),
}

/// A person's role on the whole server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerRole {
    /// Everyone: what they may do in a room is what their membership allows.
    Member,
    /// Runs the server: its people, its rooms, its settings and the audit log.
    Admin,
}

impl Actor {
    /// `user`, through one of their API tokens.
    pub fn by_token(user: &User, scopes: Scopes) -> Actor {
        Actor {
            via: Via::Token(scopes),
            ..Actor::signed_in(user)
        }
    }

    /// `user`, signed in with a session. What the writer publishes to a person's sockets
    /// (their sidebar, what they may do in a room) is about them as such.
    pub fn signed_in(user: &User) -> Actor {
        Actor {
            user_id: user.id,
            via: Via::Session,
            role: if user.admin {
                ServerRole::Admin
            } else {
                ServerRole::Member
            },
        }
    }
}
