//! Avatars: each account's picture, already encoded at every size it is shown at. Pictures
//! live in the database like everything else, so a backup has them and there is no second
//! place to keep in step; at a few kilobytes each they cost little.

use redb::{Durability, ReadableTable, WriteTransaction};

use super::users::{change_user, current_user, load_user};
use super::{Store, StoreError, User, tables};

impl Store {
    /// Gives an account a new avatar: `images` are (side, bytes) under `file`. The old one's
    /// images go in the same transaction.
    pub fn set_avatar(
        &self,
        user_id: u64,
        file: &str,
        images: &[(u16, &[u8])],
    ) -> Result<User, StoreError> {
        self.write(Durability::Immediate, |txn| {
            remove_images(txn, user_id)?;
            let mut avatars = txn.open_table(tables::AVATARS)?;
            for (side, bytes) in images {
                avatars.insert((file, *side), *bytes)?;
            }
            change_user(txn, user_id, |record| record.avatar = Some(file.to_owned()))?;
            current_user(txn, user_id)
        })
    }

    /// Takes an account's avatar away; initials are shown instead.
    pub fn remove_avatar(&self, user_id: u64) -> Result<User, StoreError> {
        self.write(Durability::Immediate, |txn| {
            remove_images(txn, user_id)?;
            change_user(txn, user_id, |record| record.avatar = None)?;
            current_user(txn, user_id)
        })
    }

    /// One image of an avatar, when it exists.
    pub fn avatar_image(&self, file: &str, side: u16) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|txn| {
            let avatars = txn.open_table(tables::AVATARS)?;
            Ok(avatars
                .get((file, side))?
                .map(|bytes| bytes.value().to_vec()))
        })
    }
}

/// Deletes every image of an account's avatar (the record still names it; the caller
/// changes that).
pub(super) fn remove_images(txn: &WriteTransaction, user_id: u64) -> Result<(), StoreError> {
    let users = txn.open_table(tables::USERS)?;
    let Some(file) = load_user(&users, user_id)?.and_then(|found| found.user.avatar) else {
        return Ok(());
    };
    drop(users);
    let mut avatars = txn.open_table(tables::AVATARS)?;
    let sides: Vec<u16> = avatars
        .range((file.as_str(), 0)..=(file.as_str(), u16::MAX))?
        .map(|entry| entry.map(|(key, _)| key.value().1))
        .collect::<Result<_, _>>()?;
    for side in sides {
        avatars.remove((file.as_str(), side))?;
    }
    Ok(())
}
