//! Deleting your own account, for both doors (the settings page and `DELETE /api/v1/me`):
//! your password, then your messages if you asked, then the account, then every socket it
//! had open.

use thiserror::Error;

use super::AppState;
use super::error::ApiError;
use crate::auth::{AuthError, Session};
use crate::rooms::RoomError;

#[derive(Debug, Error)]
pub enum DeletionError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Rooms(#[from] RoomError),
}

impl From<DeletionError> for ApiError {
    fn from(err: DeletionError) -> Self {
        match err {
            DeletionError::Auth(err) => err.into(),
            DeletionError::Rooms(err) => err.into(),
        }
    }
}

impl AppState {
    /// Deletes `session`'s account after its password; with `erase_messages`, every message
    /// it wrote first. A wrong password changes nothing.
    pub async fn delete_account(
        &self,
        session: &Session,
        password: &str,
        erase_messages: bool,
    ) -> Result<(), DeletionError> {
        self.auth.confirm_password(session, password).await?;
        if erase_messages {
            let deleted = self.rooms.delete_messages_of(session.user.id).await?;
            tracing::info!(
                user_id = session.user.id,
                deleted,
                "messages deleted with their account"
            );
        }
        let ended = self.auth.delete_account(session).await?;
        self.chat.hub.close_sessions(&ended);
        tracing::info!(user_id = session.user.id, "account deleted by its owner");
        Ok(())
    }
}
