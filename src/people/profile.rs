//! Your profile: the display name shown beside your username, and the username itself. A name
//! you give up stays yours for [`NAME_HOLD`] (see `store::names`), so nobody can take it and
//! pass for you in the meantime.

use std::sync::Arc;
use std::time::Duration;

use super::{People, PeopleError, blocking};
use crate::auth::validate::check_username;
use crate::events::Event;
use crate::store::{DmFrom, ProfileChange, StoreError, User};

/// Characters a display name may have.
pub const DISPLAY_NAME_MAX: usize = 64;
/// How long a given-up username stays with its old owner.
pub const NAME_HOLD: Duration = Duration::from_secs(30 * 24 * 3600);

/// A display name as typed: trimmed, 1–64 characters of any script, no control characters.
/// Empty means none.
pub fn check_display_name(raw: &str) -> Result<Option<&str>, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().take(DISPLAY_NAME_MAX + 1).count() > DISPLAY_NAME_MAX {
        return Err("A display name is at most 64 characters.");
    }
    // Line breaks, tabs, bidi overrides and zero-width tricks would let a name pass for
    // another, or break the line it is shown on.
    if name.chars().any(|c| {
        c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    }) {
        return Err("A display name cannot contain control or invisible formatting characters.");
    }
    Ok(Some(name))
}

/// What someone changes of their profile; what is `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    /// A new username (the rules of sign-up).
    pub username: Option<String>,
    /// A new display name as typed (empty: none).
    pub display_name: Option<String>,
    /// Who may open a direct room with them.
    pub dm_from: Option<DmFrom>,
    /// Their notifications say only "New message".
    pub private_notifications: Option<bool>,
}

impl People {
    /// Changes someone's username, display name, DM and notification settings: every change
    /// is checked before any is made, and they are made in one transaction. A new username,
    /// display name or notification privacy is published, so their open pages reconnect and
    /// show it (a page learns the privacy from its socket's `hello`). Returns the account as it
    /// now is.
    pub async fn change_profile(
        &self,
        me: u64,
        changes: ProfileChanges,
    ) -> Result<User, PeopleError> {
        let display_name = match &changes.display_name {
            Some(raw) => Some(
                check_display_name(raw)
                    .map_err(PeopleError::InvalidDisplayName)?
                    .map(str::to_owned),
            ),
            None => None,
        };
        if let Some(name) = &changes.username {
            check_username(name).map_err(PeopleError::InvalidUsername)?;
        }
        let change = ProfileChange {
            username: changes.username,
            display_name,
            dm_from: changes.dm_from,
            private_notifications: changes.private_notifications,
        };
        let now = self.clock.now_ms();
        let hold = NAME_HOLD.as_millis() as u64;
        let changed = self
            .commit(move |store| {
                let (before, after) = store.change_profile(me, change, now, hold)?;
                let shown_anew = before.username != after.username
                    || before.display_name != after.display_name
                    || before.private_notifications != after.private_notifications;
                let events = if shown_anew {
                    vec![Event::ProfileChanged { user_id: me }]
                } else {
                    Vec::new()
                };
                Ok((after, events))
            })
            .await;
        match changed {
            Err(PeopleError::Store(StoreError::UsernameTaken)) => Err(PeopleError::NameTaken),
            other => other,
        }
    }

    /// Frees the usernames whose hold has ended; returns how many.
    pub async fn release_held_names(&self) -> Result<usize, PeopleError> {
        let store = Arc::clone(&self.store);
        let now = self.clock.now_ms();
        blocking(move || Ok(store.release_held_names(now)?)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_take_any_script_but_no_tricks() {
        assert_eq!(
            check_display_name("  Zoë Ångström "),
            Ok(Some("Zoë Ångström"))
        );
        assert_eq!(check_display_name("李小龍"), Ok(Some("李小龍")));
        assert_eq!(check_display_name("   "), Ok(None));
        assert_eq!(
            check_display_name(&"é".repeat(64))
                .unwrap()
                .unwrap()
                .chars()
                .count(),
            64
        );
        assert!(check_display_name(&"é".repeat(65)).is_err());
        for tricky in [
            "a\nb",
            "tab\there",
            "admin\u{202e}nimda",
            "zero\u{200b}width",
            "bell\u{7}",
        ] {
            assert!(check_display_name(tricky).is_err(), "{tricky:?}");
        }
    }
}
