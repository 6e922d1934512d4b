//! Getting back into an account without its password, with no email involved: a recovery code
//! the person saved at sign-up, or a one-hour sign-in link an operator gives them. Either ends
//! every session of the account and signs in the one who used it.

use std::time::Duration;

use super::recovery_code::{code_hash, new_codes, normalize};
use super::{Auth, AuthError, Device, Session, SignedIn, blocking, ending, token_key, validate};
use crate::events::SessionEnd;
use crate::store::{LinkState, Recovered, Store, User};

/// How long a sign-in link works.
pub const RESET_LINK_LIFETIME: Duration = Duration::from_secs(3600);

/// A sign-in link just made: its token goes into the URL given to the person, once.
#[derive(Debug)]
pub struct ResetLinkInfo {
    pub token: String,
    pub user: User,
    /// Unix milliseconds.
    pub expires_at: u64,
}

impl Auth {
    /// Makes and stores ten new codes for an account, replacing any it had.
    pub(super) async fn store_new_recovery_codes(
        &self,
        user_id: u64,
    ) -> Result<Vec<String>, AuthError> {
        let codes = new_codes();
        let hashes: Vec<_> = codes
            .iter()
            .filter_map(|code| normalize(code))
            .map(|code| code_hash(user_id, &code))
            .collect();
        blocking(&self.store, move |s| {
            s.replace_recovery_codes(user_id, &hashes)
        })
        .await?;
        Ok(codes)
    }

    /// New recovery codes for the signed-in account, after its password; the old ones stop
    /// working.
    pub async fn new_recovery_codes(
        &self,
        session: &Session,
        password: &str,
    ) -> Result<Vec<String>, AuthError> {
        self.check_current_password(session, password).await?;
        self.store_new_recovery_codes(session.user.id).await
    }

    /// How many unused recovery codes an account has left.
    pub async fn recovery_codes_left(&self, user_id: u64) -> Result<usize, AuthError> {
        blocking(&self.store, move |s| s.recovery_codes_left(user_id)).await
    }

    /// Sets a new password with one recovery code, which is used up, and signs in. An unknown
    /// user, a wrong code and a used one all get [`AuthError::RecoveryFailed`] after the same
    /// work; every attempt counts against the sign-in limits.
    pub async fn recover(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
        device: &Device,
    ) -> Result<SignedIn, AuthError> {
        validate::check_password(new_password).map_err(AuthError::InvalidPassword)?;
        if username.len() > 256 {
            return Err(AuthError::RecoveryFailed);
        }
        let account = self.take_guess(username, device.ip)?;
        let Some(code) = normalize(code) else {
            return Err(AuthError::RecoveryFailed);
        };
        let name = username.to_owned();
        let user = blocking(&self.store, move |s| s.find_user(&name))
            .await?
            .map(|found| found.user);
        // An unknown user costs the same lookup, of an id no account has.
        let user_id = user.as_ref().map_or(u64::MAX, |user| user.id);
        let hash = code_hash(user_id, &code);
        let known = blocking(&self.store, move |s| s.has_recovery_code(user_id, hash)).await?;
        let Some(user) = user.filter(|_| known) else {
            return Err(AuthError::RecoveryFailed);
        };
        self.refund_guess(&account, device.ip);
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        let password_hash = self.hasher.hash(new_password.to_owned()).await?;
        let recover = move |s: &Store| s.recover_with_code(user_id, hash, &password_hash);
        ending(
            &self.store,
            &self.events,
            SessionEnd::Recovered,
            recover,
            ended_by,
        )
        .await?
        // Another request used the same code a moment ago.
        .ok_or(AuthError::RecoveryFailed)?;
        self.start_session(user, device).await
    }

    /// The account a sign-in link is for, while the link still works.
    pub async fn reset_link_user(&self, token: &str) -> Result<User, AuthError> {
        let key = token_key(token).ok_or(AuthError::LinkUnknown)?;
        let now = self.clock.now_ms();
        let link = match blocking(&self.store, move |s| s.reset_link(key, now)).await? {
            LinkState::Valid(link) => link,
            other => return Err(link_refusal(other)),
        };
        let user_id = link.user_id;
        match blocking(&self.store, move |s| s.user(user_id)).await? {
            Some(user) if !user.disabled => Ok(user),
            Some(_) => Err(AuthError::AccountDisabled),
            None => Err(AuthError::LinkUnknown),
        }
    }

    /// Sets a new password through a sign-in link, which is used up, and signs in.
    pub async fn reset_with_link(
        &self,
        token: &str,
        new_password: &str,
        device: &Device,
    ) -> Result<SignedIn, AuthError> {
        let user = self.reset_link_user(token).await?;
        validate::check_password(new_password).map_err(AuthError::InvalidPassword)?;
        let key = token_key(token).ok_or(AuthError::LinkUnknown)?;
        let password_hash = self.hasher.hash(new_password.to_owned()).await?;
        let now = self.clock.now_ms();
        let reset = move |s: &Store| s.reset_with_link(key, now, &password_hash);
        ending(
            &self.store,
            &self.events,
            SessionEnd::Recovered,
            reset,
            |reset| reset.as_ref().map(|r| r.ended.clone()).unwrap_or_default(),
        )
        .await?
        .map_err(link_refusal)?;
        self.start_session(user, device).await
    }
}

/// The sessions a recovery ended, when it went through.
fn ended_by(recovered: &Option<Recovered>) -> Vec<crate::store::SessionKey> {
    recovered
        .as_ref()
        .map(|r| r.ended.clone())
        .unwrap_or_default()
}

fn link_refusal(state: LinkState) -> AuthError {
    match state {
        LinkState::Used => AuthError::LinkUsed,
        LinkState::Expired => AuthError::LinkExpired,
        LinkState::Unknown | LinkState::Valid(_) => AuthError::LinkUnknown,
    }
}
