//! Deleting an account: what the person asked to be gone goes in one transaction (their
//! names, picture, password, recovery codes, sign-in links and sessions), and what others
//! still need stays: the account's id, so their messages keep an author, shown as
//! [`DELETED_DISPLAY_NAME`].

use redb::Durability;

use super::avatars::remove_images;
use super::names::rename_in;
use super::record::peek;
use super::recovery::{remove_recovery_codes, remove_reset_links_where};
use super::sessions::end_user_sessions;
use super::users::change_user;
use super::{SessionKey, Store, StoreError, tables};

/// What a deleted account's messages show as its name.
pub const DELETED_DISPLAY_NAME: &str = "Deleted user";

/// The username a deleted account is left with: `~` is never in a name someone picks, so it
/// cannot be taken before or after.
pub fn deleted_username(user_id: u64) -> String {
    format!("deleted~{user_id}")
}

impl Store {
    /// The (room id, message id) of every message `user_id` wrote that is not deleted, in
    /// the rooms they belong to.
    pub fn messages_by(&self, user_id: u64) -> Result<Vec<(u64, u64)>, StoreError> {
        self.read(|txn| {
            let user_rooms = txn.open_table(tables::USER_ROOMS)?;
            let history = txn.open_table(tables::HISTORY)?;
            let mut out = Vec::new();
            for entry in user_rooms.range((user_id, 0)..=(user_id, u64::MAX))? {
                let room_id = entry?.0.value().1;
                for message in history.range((room_id, 0)..=(room_id, u64::MAX))? {
                    let (key, bytes) = message?;
                    let (author, deleted) = peek(bytes.value())?;
                    if author == user_id && !deleted {
                        out.push((room_id, key.value().1));
                    }
                }
            }
            Ok(out)
        })
    }

    /// Disables and anonymises an account; returns the sessions it ended. Its username is
    /// held for `hold_ms` like any given-up name, so nobody can pass for it at once.
    pub fn delete_account(
        &self,
        user_id: u64,
        now_ms: u64,
        hold_ms: u64,
    ) -> Result<Vec<SessionKey>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            remove_images(txn, user_id)?;
            remove_recovery_codes(txn, user_id)?;
            remove_reset_links_where(txn, |link| link.user_id == user_id)?;
            let ended = end_user_sessions(txn, user_id, None)?;
            rename_in(txn, user_id, &deleted_username(user_id), now_ms, hold_ms)?;
            change_user(txn, user_id, |record| {
                record.display_name = Some(DELETED_DISPLAY_NAME.to_owned());
                record.avatar = None;
                // No password matches an empty hash.
                record.password_hash = String::new();
                record.disabled = true;
                record.deleted_at = Some(now_ms);
            })?;
            Ok(ended)
        })
    }
}
