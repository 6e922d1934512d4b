//! Deleting your own account: after your password, your messages if you asked (each deleted
//! through the room writer, so every room's readers see it go), then everything that signs in
//! as you (password, recovery codes, sign-in links, sessions, whose open sockets close), and
//! the account is left disabled and anonymous (see `store::deletion`). Both doors, the settings
//! page and `DELETE /api/v1/me`, call [`Auth::delete_account`] and nothing else.

use std::time::Duration;

use thiserror::Error;

use super::{Auth, AuthError, Session, ending};
use crate::events::SessionEnd;
use crate::rooms::{RoomError, Rooms};
use crate::store::Store;

/// How long a deleted account's username stays out of reach, as for any given-up name.
const NAME_HOLD: Duration = crate::people::NAME_HOLD;

/// Why an account was not deleted (or, for [`DeletionError::Rooms`], not all of its messages).
#[derive(Debug, Error)]
pub enum DeletionError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Rooms(#[from] RoomError),
}

impl Auth {
    /// Deletes the account of `session` after its password; with `erase_messages`, every
    /// message it wrote goes first. A wrong password changes nothing.
    pub async fn delete_account(
        &self,
        session: &Session,
        password: &str,
        erase_messages: Option<&Rooms>,
    ) -> Result<(), DeletionError> {
        let user_id = session.user.id;
        self.check_current_password(session, password).await?;
        if let Some(rooms) = erase_messages {
            let deleted = rooms.delete_messages_of(session.actor()).await?;
            tracing::info!(user_id, deleted, "messages deleted with their account");
        }
        let now = self.clock.now_ms();
        let hold = NAME_HOLD.as_millis() as u64;
        let delete = move |s: &Store| s.delete_account(user_id, now, hold);
        ending(
            &self.store,
            &self.events,
            SessionEnd::AccountDeleted,
            delete,
            Vec::clone,
        )
        .await?;
        tracing::info!(user_id, "account deleted by its owner");
        Ok(())
    }
}
