//! Accounts and sessions: sign-up, sign-in, sign-out, password changes, session lookup with
//! idle and absolute expiry, and the rate limits in front of them.
//!
//! Whatever ends sessions publishes [`Event::SessionsEnded`] with the commit that ended them,
//! so their open sockets close at once, whichever door asked; this module knows nothing of
//! sockets.

mod admin;
mod api_tokens;
mod deletion;
mod device;
mod error;
mod password;
mod recovery;
pub mod recovery_code;
mod sessions;
mod settings;
mod token;
pub mod validate;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

pub use admin::AccountAction;
pub use api_tokens::{API_TOKENS_MAX, ApiTokenInfo, NewApiToken, TOKEN_PREFIX};
pub use deletion::DeletionError;
pub use device::{Device, describe};
pub use error::AuthError;
pub use password::{PasswordHasher, is_own_hash};
pub use recovery::{RESET_LINK_LIFETIME, ResetLinkInfo};
pub use sessions::DeviceSession;
use sessions::is_expired;
pub use settings::{
    InviteInfo, NewServerInvite, SERVER_INVITES_MAX, Settings, room_creation_name, signup_name,
};
pub use token::{TOKEN_LEN, new_token, token_key};

use crate::access::Actor;
use crate::clock::SharedClock;
use crate::events::{Event, Events, SessionEnd};
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::rooms::invite_code::code_key;
use crate::store::{InviteKey, SessionKey, SessionRecord, Signup, Store, StoreError, User};

/// A session ends after this long without activity.
pub const IDLE_EXPIRY: Duration = Duration::from_secs(30 * 24 * 3600);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_EXPIRY: Duration = Duration::from_secs(180 * 24 * 3600);
/// Activity is written back at most this often per session.
const TOUCH_EVERY: Duration = Duration::from_secs(10 * 60);

/// Settings of the auth layer, taken from the command line.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub open_signup: bool,
    pub signin_per_account: Rate,
    pub signin_per_ip: Rate,
    pub signup_per_ip: Rate,
    pub max_concurrent_hashes: usize,
}

/// A signed-in session, as found from its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub key: SessionKey,
    pub user: User,
    pub record: SessionRecord,
}

impl Session {
    /// The session's person as [`crate::access`] sees them.
    pub fn actor(&self) -> Actor {
        Actor::signed_in(&self.user)
    }
}

/// The result of signing in or up: the account and the token for its new cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub key: SessionKey,
}

/// A new account, signed in, with the recovery codes to show its owner once.
#[derive(Debug)]
pub struct SignedUp {
    pub signed_in: SignedIn,
    pub recovery_codes: Vec<String>,
}

pub struct Auth {
    store: Arc<Store>,
    events: Arc<Events>,
    hasher: PasswordHasher,
    clock: SharedClock,
    /// Who may sign up until an admin chooses (`--open-signup`).
    signup_default: Signup,
    signin_per_account: KeyedLimiter<String>,
    signin_per_ip: KeyedLimiter<IpAddr>,
    signup_per_ip: KeyedLimiter<IpAddr>,
    /// Sign-ins with a password, by how they went, for the metrics.
    pub signins: Family<SignInOutcome, Counter>,
}

/// How a sign-in went, as the metrics name it: `ok`, `failed` (a wrong name or password, a
/// disabled account) or `limited` (too many guesses).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SignInOutcome {
    pub result: &'static str,
}

/// Runs a store call on the blocking pool: redb writes wait for fsync.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AuthError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| AuthError::Internal(format!("store task failed: {e}")))?
        .map_err(AuthError::from)
}

/// Runs `f` on the blocking pool as a commit that may end sessions (those `ended` finds in
/// its result), and publishes their end with it.
async fn ending<T: Send + 'static>(
    store: &Arc<Store>,
    events: &Arc<Events>,
    why: SessionEnd,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ended: impl FnOnce(&T) -> Vec<SessionKey> + Send + 'static,
) -> Result<T, AuthError> {
    let events = Arc::clone(events);
    blocking(store, move |s| {
        events.commit(|| {
            let value = f(s)?;
            let keys = ended(&value);
            let published = if keys.is_empty() {
                Vec::new()
            } else {
                vec![Event::SessionsEnded { keys, why }]
            };
            Ok((value, published))
        })
    })
    .await
}

/// A taken username, told apart from other failures of the store.
fn taken(err: AuthError) -> AuthError {
    match err {
        AuthError::Store(StoreError::UsernameTaken) => AuthError::UsernameTaken,
        other => other,
    }
}

fn rate_limited(retry_after: Duration) -> AuthError {
    AuthError::RateLimited { retry_after }
}

impl Auth {
    pub fn new(
        store: Arc<Store>,
        events: Arc<Events>,
        clock: SharedClock,
        settings: &AuthSettings,
    ) -> Self {
        Auth {
            store,
            events,
            hasher: PasswordHasher::new(settings.max_concurrent_hashes),
            clock,
            signup_default: if settings.open_signup {
                Signup::Open
            } else {
                Signup::Closed
            },
            signin_per_account: KeyedLimiter::new(settings.signin_per_account),
            signin_per_ip: KeyedLimiter::new(settings.signin_per_ip),
            signup_per_ip: KeyedLimiter::new(settings.signup_per_ip),
            signins: {
                let signins = Family::<SignInOutcome, Counter>::default();
                for result in ["ok", "failed", "limited"] {
                    signins.get_or_create(&SignInOutcome { result }).inc_by(0);
                }
                signins
            },
        }
    }

    /// Creates an account, gives it its recovery codes and signs it in. Who may sign up is
    /// the admins' setting (the command line's `--open-signup` until they choose): anyone,
    /// whoever brings one of the server's invite links (`invite`, its code), or nobody. An
    /// invite works whenever sign-up is not closed, and is used up with the account.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        invite: Option<&str>,
        device: &Device,
    ) -> Result<SignedUp, AuthError> {
        let invite = match (self.signup().await?, invite) {
            (Signup::Closed, _) => return Err(AuthError::SignupClosed),
            (Signup::Invite, None) => return Err(AuthError::InviteRequired),
            (_, Some(code)) => Some(code_key(code).ok_or(AuthError::InviteInvalid)?),
            (Signup::Open, None) => None,
        };
        validate::check_username(username).map_err(AuthError::InvalidUsername)?;
        validate::check_password(password).map_err(AuthError::InvalidPassword)?;
        if let Some(ip) = device.ip {
            self.signup_per_ip
                .take(&ip, self.clock.now_ms())
                .map_err(rate_limited)?;
        }
        let user = self.create_user(username, password, invite).await?;
        let recovery_codes = self.store_new_recovery_codes(user.id).await?;
        let signed_in = self.start_session(user, device).await?;
        Ok(SignedUp {
            signed_in,
            recovery_codes,
        })
    }

    /// Checks a username and password and starts a new session. Unknown users and wrong
    /// passwords get the same answer after the same amount of work.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        device: &Device,
    ) -> Result<SignedIn, AuthError> {
        let signed_in = self.check_sign_in(username, password, device).await;
        let result = match &signed_in {
            Ok(_) => "ok",
            Err(AuthError::RateLimited { .. }) => "limited",
            Err(_) => "failed",
        };
        self.signins.get_or_create(&SignInOutcome { result }).inc();
        signed_in
    }

    async fn check_sign_in(
        &self,
        username: &str,
        password: &str,
        device: &Device,
    ) -> Result<SignedIn, AuthError> {
        // Refused before hashing: no work is spent on input that can never match.
        if validate::check_password(password).is_err() || username.len() > 256 {
            return Err(AuthError::BadCredentials);
        }
        let ip = device.ip;
        let account = self.take_guess(username, ip)?;
        let name = username.to_owned();
        let found = blocking(&self.store, move |s| s.find_user(&name)).await?;
        let (user, hash) = match found {
            Some(found) => (Some(found.user), Some(found.password_hash)),
            None => (None, None),
        };
        if !self.hasher.verify(password.to_owned(), hash).await? {
            return Err(AuthError::BadCredentials);
        }
        let user = user.ok_or(AuthError::BadCredentials)?;
        self.refund_guess(&account, ip);
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        self.start_session(user, device).await
    }

    /// Counts one guess at an account's secret (a password or a recovery code) against the
    /// limits per address and per account; returns the account's key in those limits.
    fn take_guess(&self, username: &str, ip: Option<IpAddr>) -> Result<String, AuthError> {
        let now = self.clock.now_ms();
        let account = username.to_ascii_lowercase();
        if let Some(ip) = ip {
            self.signin_per_ip.take(&ip, now).map_err(rate_limited)?;
        }
        if let Err(wait) = self.signin_per_account.take(&account, now) {
            if let Some(ip) = ip {
                self.signin_per_ip.refund(&ip);
            }
            return Err(rate_limited(wait));
        }
        Ok(account)
    }

    /// A guess that was right does not count against the limits: only guessing does.
    fn refund_guess(&self, account: &str, ip: Option<IpAddr>) {
        self.signin_per_account.refund(&account.to_owned());
        if let Some(ip) = ip {
            self.signin_per_ip.refund(&ip);
        }
    }

    /// The live session for a cookie token, if any. Expired sessions are deleted on sight.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, AuthError> {
        let Some(key) = token_key(token) else {
            return Ok(None);
        };
        let found = self.session_and_user(key)?;
        let Some((record, user)) = found else {
            return Ok(None);
        };
        let now = self.clock.now_ms();
        if is_expired(&record, now) || user.disabled {
            let delete = move |s: &Store| s.delete_session(key);
            ending(
                &self.store,
                &self.events,
                SessionEnd::Expired,
                delete,
                move |found| found.iter().map(|_| key).collect(),
            )
            .await?;
            return Ok(None);
        }
        // Bookkeeping only: a session whose last-seen time cannot be written right now (a
        // passing disk fault) is still the person's session.
        if now.saturating_sub(record.last_seen) >= TOUCH_EVERY.as_millis() as u64
            && let Err(err) = blocking(&self.store, move |s| s.touch_session(key, now)).await
        {
            tracing::warn!(error = %err, "cannot record a session's activity");
        }
        Ok(Some(Session { key, user, record }))
    }

    /// A stored session and its user. Read on this thread: it waits for no fsync, and a trip
    /// to the blocking pool would cost every request and every socket's connect more than the
    /// read itself.
    fn session_and_user(
        &self,
        key: SessionKey,
    ) -> Result<Option<(SessionRecord, User)>, StoreError> {
        let Some(record) = self.store.session(key)? else {
            return Ok(None);
        };
        Ok(self.store.user(record.user_id)?.map(|user| (record, user)))
    }

    /// Ends one session, and closes whatever it has open. Returns its key if it existed.
    pub async fn sign_out(&self, token: &str) -> Result<Option<SessionKey>, AuthError> {
        let Some(key) = token_key(token) else {
            return Ok(None);
        };
        let delete = move |s: &Store| Ok(s.delete_session(key)?.map(|_| key));
        ending(
            &self.store,
            &self.events,
            SessionEnd::SignedOut,
            delete,
            |found| found.iter().copied().collect(),
        )
        .await
    }

    /// Changes the password of a signed-in user and ends their other sessions.
    pub async fn change_password(
        &self,
        session: &Session,
        current: &str,
        new: &str,
    ) -> Result<(), AuthError> {
        validate::check_password(new).map_err(AuthError::InvalidPassword)?;
        self.check_current_password(session, current).await?;
        let why = SessionEnd::PasswordChanged;
        self.replace_password(session.user.id, new, Some(session.key), why)
            .await?;
        Ok(())
    }

    /// Asks for the password again before a change that matters (new recovery codes, a new
    /// password): [`AuthError::WrongCurrentPassword`] unless `current` is the account's.
    pub(crate) async fn check_current_password(
        &self,
        session: &Session,
        current: &str,
    ) -> Result<(), AuthError> {
        if validate::check_password(current).is_err() {
            return Err(AuthError::WrongCurrentPassword);
        }
        let user_id = session.user.id;
        let hash = blocking(&self.store, move |s| s.password_hash(user_id)).await?;
        if !self.hasher.verify(current.to_owned(), hash).await? {
            return Err(AuthError::WrongCurrentPassword);
        }
        Ok(())
    }

    /// Creates an account that signed up, with the invite it brought (sign-up's rules are
    /// checked by the caller; the invite is checked and used up with the account).
    async fn create_user(
        &self,
        username: &str,
        password: &str,
        invite: Option<InviteKey>,
    ) -> Result<User, AuthError> {
        let hash = self.hasher.hash(password.to_owned()).await?;
        let name = username.to_owned();
        let now = self.clock.now_ms();
        blocking(&self.store, move |s| match invite {
            Some(key) => s.create_invited_user(&name, &hash, now, key),
            None => s.create_user(&name, &hash, now, false),
        })
        .await
        .map_err(|err| match err {
            AuthError::Store(StoreError::NotFound) => AuthError::InviteInvalid,
            other => taken(other),
        })
    }

    /// Every account (operator command).
    pub async fn list_users(&self) -> Result<Vec<User>, AuthError> {
        blocking(&self.store, |s| s.list_users()).await
    }

    async fn user_named(&self, username: &str) -> Result<User, AuthError> {
        let name = username.to_owned();
        let user = blocking(&self.store, move |s| s.find_user(&name))
            .await?
            .map(|f| f.user)
            .ok_or(AuthError::NoSuchUser)?;
        if user.deleted {
            return Err(AuthError::AccountDeleted);
        }
        Ok(user)
    }

    /// Sets a new password and ends every session of the account but `keep`; returns them.
    async fn replace_password(
        &self,
        user_id: u64,
        password: &str,
        keep: Option<SessionKey>,
        why: SessionEnd,
    ) -> Result<Vec<SessionKey>, AuthError> {
        let hash = self.hasher.hash(password.to_owned()).await?;
        let replace = move |s: &Store| {
            s.set_password_hash(user_id, &hash)?;
            s.delete_user_sessions(user_id, keep)
        };
        ending(&self.store, &self.events, why, replace, Vec::clone).await
    }

    async fn start_session(&self, user: User, device: &Device) -> Result<SignedIn, AuthError> {
        let token = new_token();
        let key = token_key(&token).expect("fresh tokens are well-formed");
        let now = self.clock.now_ms();
        let record = SessionRecord {
            user_id: user.id,
            created_at: now,
            last_seen: now,
            user_agent: device.user_agent.clone(),
            ip: device.ip.map(|ip| ip.to_string()),
        };
        blocking(&self.store, move |s| s.create_session(key, &record)).await?;
        Ok(SignedIn { user, token, key })
    }
}
