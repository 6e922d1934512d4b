//! The server's settings as admins change them on `/admin` (who may sign up, who may make
//! rooms) and its invite links, with which people sign up when sign-up is by invitation. Every
//! change is written with its audit entry.

use std::time::Duration;

use super::{Auth, AuthError, blocking};
use crate::access::Administrator;
use crate::rooms::invite_code::{invite_id, new_code};
use crate::store::{RoomCreation, ServerInvite, ServerSettings, Signup};

/// Working invite links the server keeps at once: enough for any team, too few to fill the
/// database.
pub const SERVER_INVITES_MAX: usize = 100;

/// The settings in force, and whether an admin chose who may sign up (if not, the command
/// line's `--open-signup` decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub signup: Signup,
    pub signup_chosen: bool,
    pub room_creation: RoomCreation,
}

/// An invite link as its list shows it (never its code, which is not kept).
#[derive(Debug, Clone)]
pub struct InviteInfo {
    /// Names it for revoking; does not let anyone use it.
    pub id: String,
    pub created_by: String,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub revoked: bool,
    /// It still makes an account now.
    pub usable: bool,
}

/// A new invite link's code, shown once, and its id.
#[derive(Debug, Clone)]
pub struct NewServerInvite {
    pub code: String,
    pub id: String,
}

impl Auth {
    /// Who may sign up now.
    pub async fn signup(&self) -> Result<Signup, AuthError> {
        Ok(self.settings().await?.signup)
    }

    pub async fn settings(&self) -> Result<Settings, AuthError> {
        let stored = blocking(&self.store, |s| s.settings()).await?;
        Ok(Settings {
            signup: stored.signup.unwrap_or(self.signup_default),
            signup_chosen: stored.signup.is_some(),
            room_creation: stored.room_creation,
        })
    }

    /// Changes who may sign up and who may make rooms (`None`: as it is); whether anything
    /// changed.
    pub async fn change_settings(
        &self,
        by: &Administrator,
        signup: Option<Signup>,
        room_creation: Option<RoomCreation>,
    ) -> Result<bool, AuthError> {
        let now = self.clock.now_ms();
        let default = self.signup_default;
        let by = by.clone();
        blocking(&self.store, move |s| {
            let old = s.settings()?;
            let new = ServerSettings {
                signup: signup.or(old.signup),
                room_creation: room_creation.unwrap_or(old.room_creation),
            };
            let said = |settings: &ServerSettings| {
                format!(
                    "sign-up {}, rooms made by {}",
                    signup_name(settings.signup.unwrap_or(default)),
                    room_creation_name(settings.room_creation)
                )
            };
            let entry = by.entry(now, "settings.change", "server", Some(said(&new)));
            s.change_settings(new, &entry)
        })
        .await
    }

    /// A new invite link to sign up with, for `expires_in` (none: until revoked) and
    /// `max_uses` accounts (none: any number).
    pub async fn create_server_invite(
        &self,
        by: &Administrator,
        expires_in: Option<Duration>,
        max_uses: Option<u32>,
    ) -> Result<NewServerInvite, AuthError> {
        let now = self.clock.now_ms();
        let working = self
            .server_invites()
            .await?
            .iter()
            .filter(|invite| invite.usable)
            .count();
        if working >= SERVER_INVITES_MAX {
            return Err(AuthError::TooManyInvites);
        }
        let (code, key) = new_code();
        let id = invite_id(&key);
        let invite = ServerInvite {
            created_by: by.user_id().unwrap_or(0),
            created_at: now,
            expires_at: expires_in.map(|d| now.saturating_add(d.as_millis() as u64)),
            max_uses,
            uses: 0,
            revoked: false,
        };
        let entry = by.entry(now, "invite.create", &id, None);
        blocking(&self.store, move |s| {
            s.create_server_invite(key, &invite, &entry)
        })
        .await?;
        Ok(NewServerInvite { code, id })
    }

    /// Every invite link, newest first.
    pub async fn server_invites(&self) -> Result<Vec<InviteInfo>, AuthError> {
        let now = self.clock.now_ms();
        blocking(&self.store, move |s| {
            let mut shown = Vec::new();
            for (key, invite) in s.server_invites()? {
                let created_by = match s.user(invite.created_by)? {
                    Some(user) => user.username,
                    None => "operator".to_owned(),
                };
                shown.push(InviteInfo {
                    id: invite_id(&key),
                    created_by,
                    created_at: invite.created_at,
                    expires_at: invite.expires_at,
                    max_uses: invite.max_uses,
                    uses: invite.uses,
                    revoked: invite.revoked,
                    usable: invite.usable(now),
                });
            }
            Ok(shown)
        })
        .await
    }

    /// Revokes the invite link `id`; whether there was one to revoke.
    pub async fn revoke_server_invite(
        &self,
        by: &Administrator,
        id: &str,
    ) -> Result<bool, AuthError> {
        let entry = by.entry(self.clock.now_ms(), "invite.revoke", id, None);
        let id = id.to_owned();
        blocking(&self.store, move |s| {
            s.revoke_server_invite(|key| invite_id(key) == id, &entry)
        })
        .await
    }

    /// Whether the invite code would make an account now (the sign-up page says so first).
    pub async fn invite_usable(&self, code: &str) -> Result<bool, AuthError> {
        let Some(key) = crate::rooms::invite_code::code_key(code) else {
            return Ok(false);
        };
        let now = self.clock.now_ms();
        blocking(&self.store, move |s| s.usable_server_invite(key, now)).await
    }
}

/// How the audit log and the settings form name who may sign up.
pub fn signup_name(signup: Signup) -> &'static str {
    match signup {
        Signup::Open => "open",
        Signup::Invite => "by invitation",
        Signup::Closed => "closed",
    }
}

/// How the audit log and the settings form name who may make rooms.
pub fn room_creation_name(who: RoomCreation) -> &'static str {
    match who {
        RoomCreation::Everyone => "everyone",
        RoomCreation::Admins => "admins only",
    }
}
