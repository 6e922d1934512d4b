//! Deleting your own account: after your password, everything that signs in as you goes
//! (password, recovery codes, sign-in links, sessions) and the account is left disabled and
//! anonymous (see `store::deletion`).

use std::time::Duration;

use super::{Auth, AuthError, Session, blocking};
use crate::store::SessionKey;

/// How long a deleted account's username stays out of reach, as for any given-up name.
const NAME_HOLD: Duration = crate::people::NAME_HOLD;

impl Auth {
    /// Confirms that `session`'s owner is at the keyboard: their current password.
    pub async fn confirm_password(
        &self,
        session: &Session,
        password: &str,
    ) -> Result<(), AuthError> {
        self.check_current_password(session, password).await
    }

    /// Deletes the account of `session` (after [`Auth::confirm_password`]); returns every
    /// session it ended, this one too.
    pub async fn delete_account(&self, session: &Session) -> Result<Vec<SessionKey>, AuthError> {
        let user_id = session.user.id;
        let now = self.clock.now_ms();
        let hold = NAME_HOLD.as_millis() as u64;
        blocking(&self.store, move |s| s.delete_account(user_id, now, hold)).await
    }
}
