//! What admins (`/admin` and its API) and the operator (`confab user …`) do to accounts. Each
//! action takes the [`Administrator`] doing it, commits with its entry in the audit log, and
//! publishes what open sockets must learn: ended sessions close theirs, and a new role makes
//! the person's pages reconnect to learn it.

use super::recovery::{RESET_LINK_LIFETIME, ResetLinkInfo};
use super::{Auth, AuthError, DeletionError, blocking, new_token, taken, token_key, validate};
use crate::access::{Actor, Administrator};
use crate::events::{Event, SessionEnd};
use crate::rooms::Rooms;
use crate::store::{AccountChange, Administered, Audited, ResetLink, User};

/// An action on an account that needs nothing but its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
    Promote,
    Demote,
    EndSessions,
}

impl AccountAction {
    /// Its name in the audit log and in the API: `user.disable`.
    pub fn audit_name(self) -> &'static str {
        match self {
            AccountAction::Disable => "user.disable",
            AccountAction::Enable => "user.enable",
            AccountAction::Promote => "user.promote",
            AccountAction::Demote => "user.demote",
            AccountAction::EndSessions => "user.end_sessions",
        }
    }

    fn change(self) -> AccountChange {
        match self {
            AccountAction::Disable => AccountChange::Disable,
            AccountAction::Enable => AccountChange::Enable,
            AccountAction::Promote => AccountChange::Promote,
            AccountAction::Demote => AccountChange::Demote,
            AccountAction::EndSessions => AccountChange::EndSessions,
        }
    }
}

impl Auth {
    /// Makes an account without the sign-up switch or rate limits: an admin when `admin` says
    /// so, or when it is the server's first.
    pub async fn add_user(
        &self,
        by: &Administrator,
        username: &str,
        password: &str,
        admin: bool,
    ) -> Result<User, AuthError> {
        validate::check_username(username).map_err(AuthError::InvalidUsername)?;
        validate::check_password(password).map_err(AuthError::InvalidPassword)?;
        let hash = self.hasher.hash(password.to_owned()).await?;
        let name = username.to_owned();
        let detail = admin.then(|| "as an admin".to_owned());
        let entry = by.entry(self.clock.now_ms(), "user.add", username, detail);
        blocking(&self.store, move |s| {
            s.add_user(&name, &hash, admin, &entry)
        })
        .await
        .map_err(taken)
    }

    /// Does `action` to `username`. Ended sessions close their sockets, and a promotion or a
    /// demotion makes the person's open pages reconnect, so each door sees the new role.
    pub async fn administer(
        &self,
        by: &Administrator,
        username: &str,
        action: AccountAction,
    ) -> Result<Administered, AuthError> {
        let user = self.user_named(username).await?;
        self.apply(by, &user, action.audit_name(), action.change())
            .await
    }

    /// Bans `username`: disabled at once (every session ends and every open page goes to
    /// sign-in), and with `erase`, every message they wrote deleted after, in the rooms they
    /// still belong to and in open rooms, as if they had deleted each themselves. Returns what
    /// was done and how many messages went.
    pub async fn ban(
        &self,
        by: &Administrator,
        username: &str,
        erase: Option<&Rooms>,
    ) -> Result<(Administered, usize), DeletionError> {
        let user = self.user_named(username).await?;
        let detail = erase.map(|_| "and their messages".to_owned());
        let entry = by.entry(self.clock.now_ms(), "user.ban", &user.username, detail);
        let done = self
            .commit_change(user.id, AccountChange::Ban, entry, false)
            .await?;
        let deleted = match erase {
            Some(rooms) => {
                rooms
                    .delete_messages_of(Actor::signed_in(&done.user))
                    .await?
            }
            None => 0,
        };
        tracing::info!(user_id = user.id, deleted, "account banned");
        Ok((done, deleted))
    }

    /// Sets a new password for `username` and ends all of its sessions.
    pub async fn reset_password(
        &self,
        by: &Administrator,
        username: &str,
        password: &str,
    ) -> Result<Administered, AuthError> {
        validate::check_password(password).map_err(AuthError::InvalidPassword)?;
        let user = self.user_named(username).await?;
        let password_hash = self.hasher.hash(password.to_owned()).await?;
        let change = AccountChange::ResetPassword { password_hash };
        self.apply(by, &user, "user.reset_password", change).await
    }

    /// Makes a one-time sign-in link for `username`, valid for an hour.
    pub async fn sign_in_link(
        &self,
        by: &Administrator,
        username: &str,
    ) -> Result<ResetLinkInfo, AuthError> {
        let user = self.user_named(username).await?;
        let token = new_token();
        let key = token_key(&token).expect("fresh tokens are well-formed");
        let now = self.clock.now_ms();
        let link = ResetLink {
            user_id: user.id,
            created_at: now,
            expires_at: now + RESET_LINK_LIFETIME.as_millis() as u64,
            used_at: None,
        };
        let expires_at = link.expires_at;
        let change = AccountChange::SignInLink { key, link };
        let done = self.apply(by, &user, "user.sign_in_link", change).await?;
        Ok(ResetLinkInfo {
            token,
            user: done.user,
            expires_at,
        })
    }

    /// Accounts whose username or display name holds `query` (any case), by username: at most
    /// `limit`, and whether more matched.
    pub async fn find_users(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<(Vec<User>, bool), AuthError> {
        let query = query.trim().to_lowercase();
        let mut found: Vec<User> = blocking(&self.store, |s| s.list_users())
            .await?
            .into_iter()
            .filter(|user| {
                user.username.to_lowercase().contains(&query)
                    || user
                        .display_name
                        .as_ref()
                        .is_some_and(|name| name.to_lowercase().contains(&query))
            })
            .collect();
        found.sort_by_cached_key(|user| user.username.to_lowercase());
        let more = found.len() > limit;
        found.truncate(limit);
        Ok((found, more))
    }

    /// Up to `limit` entries of the audit log before `before` (from the newest: `None`),
    /// newest first.
    pub async fn audit_newest(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Audited>, AuthError> {
        blocking(&self.store, move |s| s.audit_newest(before, limit)).await
    }

    /// Up to `limit` entries of the audit log after `after`, oldest first.
    pub async fn audit_oldest(&self, after: u64, limit: usize) -> Result<Vec<Audited>, AuthError> {
        blocking(&self.store, move |s| s.audit_oldest(after, limit)).await
    }

    /// Commits `change` to `user` with its audit entry, and publishes what it did.
    async fn apply(
        &self,
        by: &Administrator,
        user: &User,
        action: &str,
        change: AccountChange,
    ) -> Result<Administered, AuthError> {
        let entry = by.entry(self.clock.now_ms(), action, &user.username, None);
        let role_changes = matches!(change, AccountChange::Promote | AccountChange::Demote);
        self.commit_change(user.id, change, entry, role_changes)
            .await
    }

    /// Commits `change` with `entry`, then publishes the sessions it ended (their sockets
    /// close) and, when `role_changes`, a new role (the person's pages reconnect to learn it).
    async fn commit_change(
        &self,
        user_id: u64,
        change: AccountChange,
        entry: crate::store::AuditEntry,
        role_changes: bool,
    ) -> Result<Administered, AuthError> {
        let events = std::sync::Arc::clone(&self.events);
        blocking(&self.store, move |s| {
            events.commit(|| {
                let done = s.administer(user_id, change, &entry)?;
                let mut published = Vec::new();
                if !done.ended.is_empty() {
                    published.push(Event::SessionsEnded {
                        keys: done.ended.clone(),
                        why: SessionEnd::ByOperator,
                    });
                }
                if role_changes && done.changed {
                    published.push(Event::ProfileChanged { user_id });
                }
                Ok((done, published))
            })
        })
        .await
    }
}
