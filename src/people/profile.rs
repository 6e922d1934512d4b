//! Your profile: the display name shown beside your username, and the username itself. A name
//! you give up stays yours for [`NAME_HOLD`] (see `store::names`), so nobody can take it and
//! pass for you in the meantime.

use std::sync::Arc;
use std::time::Duration;

use super::{People, PeopleError, blocking};
use crate::auth::validate::check_username;
use crate::store::StoreError;

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

impl People {
    /// Sets the name shown beside your username (empty: none); returns what was stored.
    pub async fn set_display_name(
        &self,
        me: u64,
        raw: &str,
    ) -> Result<Option<String>, PeopleError> {
        let name = check_display_name(raw)
            .map_err(PeopleError::InvalidDisplayName)?
            .map(str::to_owned);
        let store = Arc::clone(&self.store);
        let stored = name.clone();
        blocking(move || Ok(store.set_display_name(me, stored.as_deref())?)).await?;
        Ok(name)
    }

    /// Changes your username. Your messages show the new one at once; the old one keeps
    /// leading to you, and stays taken, for [`NAME_HOLD`].
    pub async fn rename(&self, me: u64, new_name: &str) -> Result<(), PeopleError> {
        check_username(new_name).map_err(PeopleError::InvalidUsername)?;
        let store = Arc::clone(&self.store);
        let (name, now) = (new_name.to_owned(), self.clock.now_ms());
        let hold = NAME_HOLD.as_millis() as u64;
        blocking(move || match store.rename_user(me, &name, now, hold) {
            Ok(()) => Ok(()),
            Err(StoreError::UsernameTaken) => Err(PeopleError::NameTaken),
            Err(other) => Err(other.into()),
        })
        .await
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
