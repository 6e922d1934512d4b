//! The signed-in devices of an account: the list people see in their settings, signing one of
//! them out or all but this one, and the expiry that ends sessions by themselves.

use super::{ABSOLUTE_EXPIRY, Auth, AuthError, IDLE_EXPIRY, Session, blocking, device, ending};
use crate::events::SessionEnd;
use crate::store::{SessionKey, SessionRecord, Store};

/// Hex digits of a session's public id: the start of its key (itself a hash of the token), so
/// the id tells nothing about the token and is unique among one person's sessions.
const ID_HEX: usize = 16;

/// One signed-in device, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSession {
    /// Names the session in "sign out" requests.
    pub id: String,
    /// "Firefox on Linux".
    pub device: String,
    pub ip: Option<String>,
    /// Unix milliseconds.
    pub signed_in: u64,
    /// Unix milliseconds, to within ten minutes.
    pub last_active: u64,
    /// The session asking.
    pub current: bool,
}

/// A session key's public id.
pub fn session_id(key: &SessionKey) -> String {
    key.iter()
        .take(ID_HEX / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Auth {
    /// Every live session of the asking session's account, most recently active first.
    pub async fn sessions(&self, asking: &Session) -> Result<Vec<DeviceSession>, AuthError> {
        let user_id = asking.user.id;
        let now = self.clock.now_ms();
        let mut list: Vec<DeviceSession> = blocking(&self.store, move |s| s.user_sessions(user_id))
            .await?
            .into_iter()
            .filter(|(_, record)| !is_expired(record, now))
            .map(|(key, record)| DeviceSession {
                id: session_id(&key),
                device: device::describe(record.user_agent.as_deref()),
                ip: record.ip,
                signed_in: record.created_at,
                last_active: record.last_seen,
                current: key == asking.key,
            })
            .collect();
        list.sort_by(|a, b| {
            (b.current, b.last_active, &b.id).cmp(&(a.current, a.last_active, &a.id))
        });
        Ok(list)
    }

    /// Signs out one of the account's sessions, found by its id, and closes whatever it has
    /// open; returns its key. [`AuthError::NoSuchSession`] for an id that is not one of them.
    pub async fn end_session(&self, asking: &Session, id: &str) -> Result<SessionKey, AuthError> {
        let user_id = asking.user.id;
        let found = blocking(&self.store, move |s| s.user_sessions(user_id))
            .await?
            .into_iter()
            .map(|(key, _)| key)
            .find(|key| session_id(key) == id)
            .ok_or(AuthError::NoSuchSession)?;
        let delete = move |s: &Store| s.delete_session(found);
        ending(
            &self.store,
            &self.events,
            SessionEnd::SignedOut,
            delete,
            move |_| vec![found],
        )
        .await?;
        Ok(found)
    }

    /// Signs out every session of the account but the asking one; returns their keys.
    pub async fn end_other_sessions(&self, asking: &Session) -> Result<Vec<SessionKey>, AuthError> {
        let (user_id, keep) = (asking.user.id, asking.key);
        let delete = move |s: &Store| s.delete_user_sessions(user_id, Some(keep));
        ending(
            &self.store,
            &self.events,
            SessionEnd::SignedOut,
            delete,
            Vec::clone,
        )
        .await
    }

    /// Deletes sessions past their idle or absolute expiry, and sign-in links a day past
    /// theirs; returns the keys of the sessions.
    pub async fn sweep_expired_sessions(&self) -> Result<Vec<SessionKey>, AuthError> {
        let now = self.clock.now_ms();
        let links_kept_until = now.saturating_sub(24 * 3600 * 1000);
        let sweep = move |s: &Store| {
            s.delete_reset_links_where(|link| link.expires_at < links_kept_until)?;
            s.delete_sessions_where(|record| is_expired(record, now))
        };
        ending(
            &self.store,
            &self.events,
            SessionEnd::Expired,
            sweep,
            Vec::clone,
        )
        .await
    }
}

pub(super) fn is_expired(record: &SessionRecord, now_ms: u64) -> bool {
    now_ms.saturating_sub(record.last_seen) >= IDLE_EXPIRY.as_millis() as u64
        || now_ms.saturating_sub(record.created_at) >= ABSOLUTE_EXPIRY.as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(created_at: u64, last_seen: u64) -> SessionRecord {
        SessionRecord {
            user_id: 1,
            created_at,
            last_seen,
            user_agent: None,
            ip: None,
        }
    }

    const DAY: u64 = 24 * 3600 * 1000;

    #[test]
    fn idle_expiry_after_thirty_days_without_activity() {
        assert!(!is_expired(&record(0, 0), 30 * DAY - 1));
        assert!(is_expired(&record(0, 0), 30 * DAY));
        assert!(!is_expired(&record(0, 20 * DAY), 49 * DAY));
    }

    #[test]
    fn absolute_expiry_after_one_hundred_eighty_days_however_active() {
        assert!(!is_expired(&record(0, 179 * DAY), 180 * DAY - 1));
        assert!(is_expired(&record(0, 180 * DAY), 180 * DAY));
    }
}
