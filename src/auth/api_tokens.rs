//! API tokens: a person makes one for a script or a bot, with the scopes it needs, and it signs
//! in with `Authorization: Bearer` on the JSON API. The secret is shown once; only its SHA-256 is
//! kept, so its list shows names, scopes and times, never a secret. A token stops working when
//! it is revoked or expires, and whenever its account may not sign in (disabled, banned,
//! deleted).

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::sessions::session_id;
use super::{Auth, AuthError, blocking, new_token, token_key};
use crate::access::{Actor, Scopes};
use crate::store::{ApiTokenRecord, SessionKey, User};

/// Tokens one account may hold.
pub const API_TOKENS_MAX: usize = 50;
/// What every token starts with, so that a secret scanner (or a person) can tell one.
pub const TOKEN_PREFIX: &str = "cft_";
/// A token's use is written down at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// The longest a token may be made to last, short of "until revoked".
const LONGEST: Duration = Duration::from_secs(10 * 365 * 86_400);

/// A token as its owner's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    /// Names it for revoking; does not let anyone use it.
    pub id: String,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub last_used: Option<u64>,
    /// Past its expiry: it no longer works.
    pub expired: bool,
}

/// A new token: its secret, shown once, and how it is listed.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub token: String,
    pub info: ApiTokenInfo,
}

/// The storage key of an API token; none for a string that is not one.
fn api_token_key(token: &str) -> Option<SessionKey> {
    let secret = token.strip_prefix(TOKEN_PREFIX)?;
    token_key(secret)?;
    Some(Sha256::digest(token.as_bytes()).into())
}

fn info(key: &SessionKey, record: &ApiTokenRecord, now: u64) -> ApiTokenInfo {
    ApiTokenInfo {
        id: session_id(key),
        name: record.name.clone(),
        scopes: Scopes::parse(record.scopes.iter().map(String::as_str)),
        created_at: record.created_at,
        expires_at: record.expires_at,
        last_used: record.last_used,
        expired: record.expires_at.is_some_and(|at| at <= now),
    }
}

/// A token's name as kept: trimmed, 1–64 characters, no control characters.
fn check_name(name: &str) -> Result<&str, AuthError> {
    let name = name.trim();
    let length = name.chars().count();
    if !(1..=64).contains(&length) || name.chars().any(char::is_control) {
        return Err(AuthError::InvalidTokenName);
    }
    Ok(name)
}

impl Auth {
    /// A new token of `user`'s, called `name`, that may do what `scopes` say, for `expires_in`
    /// (none: until revoked).
    pub async fn create_api_token(
        &self,
        user: &User,
        name: &str,
        scopes: Scopes,
        expires_in: Option<Duration>,
    ) -> Result<NewApiToken, AuthError> {
        let name = check_name(name)?.to_owned();
        if scopes.is_empty() {
            return Err(AuthError::InvalidScopes);
        }
        if expires_in.is_some_and(|d| d < Duration::from_secs(60) || d > LONGEST) {
            return Err(AuthError::InvalidExpiry);
        }
        let now = self.clock.now_ms();
        let record = ApiTokenRecord {
            user_id: user.id,
            name,
            scopes: scopes.names().into_iter().map(str::to_owned).collect(),
            created_at: now,
            expires_at: expires_in.map(|d| now.saturating_add(d.as_millis() as u64)),
            last_used: None,
        };
        let token = format!("{TOKEN_PREFIX}{}", new_token());
        let key = api_token_key(&token)
            .ok_or_else(|| AuthError::Internal("a new API token is not well-formed".to_owned()))?;
        let stored = record.clone();
        let made = blocking(&self.store, move |s| {
            s.create_api_token(key, &stored, API_TOKENS_MAX)
        })
        .await?;
        if !made {
            return Err(AuthError::TooManyTokens);
        }
        Ok(NewApiToken {
            token,
            info: info(&key, &record, now),
        })
    }

    /// Every token of a person's, newest first.
    pub async fn api_tokens(&self, user_id: u64) -> Result<Vec<ApiTokenInfo>, AuthError> {
        let now = self.clock.now_ms();
        let mut list: Vec<ApiTokenInfo> =
            blocking(&self.store, move |s| s.user_api_tokens(user_id))
                .await?
                .iter()
                .map(|(key, record)| info(key, record, now))
                .collect();
        list.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(list)
    }

    /// Revokes one of a person's tokens by its id: it is refused from then on.
    pub async fn revoke_api_token(&self, user_id: u64, id: &str) -> Result<(), AuthError> {
        let id = id.to_owned();
        let found = blocking(&self.store, move |s| {
            let tokens = s.user_api_tokens(user_id)?;
            let key = tokens
                .iter()
                .map(|(key, _)| *key)
                .find(|key| session_id(key) == id);
            match key {
                Some(key) => s.delete_api_token(user_id, key),
                None => Ok(false),
            }
        })
        .await?;
        if found {
            Ok(())
        } else {
            Err(AuthError::NoSuchToken)
        }
    }

    /// Who a bearer token speaks for, and with what scopes: refused when it is not a token,
    /// is unknown, revoked or expired, or its account may not sign in.
    pub async fn token_actor(&self, token: &str) -> Result<Actor, AuthError> {
        let key = api_token_key(token).ok_or(AuthError::InvalidToken)?;
        let found = blocking(&self.store, move |s| {
            let Some(record) = s.api_token(key)? else {
                return Ok(None);
            };
            Ok(s.user(record.user_id)?.map(|user| (record, user)))
        })
        .await?;
        let Some((record, user)) = found else {
            return Err(AuthError::InvalidToken);
        };
        let now = self.clock.now_ms();
        if record.expires_at.is_some_and(|at| at <= now) || user.disabled || user.deleted {
            return Err(AuthError::InvalidToken);
        }
        let stale = record
            .last_used
            .is_none_or(|at| now.saturating_sub(at) >= TOUCH_EVERY.as_millis() as u64);
        // Bookkeeping only: a token whose use cannot be written down right now still works.
        if stale && let Err(err) = blocking(&self.store, move |s| s.touch_api_token(key, now)).await
        {
            tracing::warn!(error = %err, "cannot record an API token's use");
        }
        let scopes = Scopes::parse(record.scopes.iter().map(String::as_str));
        Ok(Actor::by_token(&user, scopes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_prefixed_well_formed_secret_is_a_token() {
        let token = format!("{TOKEN_PREFIX}{}", new_token());
        let key = api_token_key(&token).expect("a token");
        assert_eq!(key, <[u8; 32]>::from(Sha256::digest(token.as_bytes())));
        assert_eq!(
            api_token_key(&new_token()),
            None,
            "a session's token is not one"
        );
        assert_eq!(api_token_key("cft_short"), None);
        assert_eq!(api_token_key(&format!("{token}x")), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  deploy bot ").unwrap(), "deploy bot");
        for bad in ["", "   ", "tab\there", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
