//! Avatars: an upload becomes a square picture at [`LARGE`] and [`SMALL`] pixels, re-encoded
//! here (see [`crate::images`]), stored under a name that changes with the picture, and served
//! from `/avatars/SIDE/NAME` with long caching. Without one, pages show initials on a colour
//! of the person's own ([`initials`], [`hue`]).

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::{People, PeopleError};
use crate::events::Event;
use crate::images::{self, Encoded, ImageError};
use crate::store::User;

/// The side of the picture on a profile and in settings.
pub const LARGE: u16 = 256;
/// The side of the picture beside a message or a name in a list (sharp at twice its size).
pub const SMALL: u16 = 64;

/// The sides every avatar is kept at.
pub const SIDES: [u16; 2] = [LARGE, SMALL];

/// The encoding an avatar's file name says, when the name is one the server makes: 32 hex
/// digits and `.jpg` or `.png`.
pub fn file_encoding(file: &str) -> Option<images::Encoding> {
    let (stem, extension) = file.split_once('.')?;
    let hex = stem.len() == 32
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if hex {
        images::Encoding::from_extension(extension)
    } else {
        None
    }
}

/// Decodes one upload at a time, so uploads arriving together cannot each hold a picture's
/// worth of pixels at once: the peak memory of avatars is one decoding, whatever the load.
static DECODING: Semaphore = Semaphore::const_new(1);

/// An avatar ready to store: its file name and its pictures, largest first.
#[derive(Debug)]
pub struct AvatarImages {
    pub file: String,
    pub large: Encoded,
    pub small: Encoded,
}

/// Makes `user_id`'s avatar from an upload, or says why the upload will not do.
pub fn make_avatar(user_id: u64, upload: &[u8]) -> Result<AvatarImages, ImageError> {
    let picture = images::decode(upload)?;
    let large = images::square(&picture, u32::from(LARGE));
    drop(picture);
    let small = images::square(&large, u32::from(SMALL));
    let encoding = images::Encoding::for_image(&large);
    let (large, small) = (
        images::encode(&large, encoding),
        images::encode(&small, encoding),
    );
    // The account is part of the name, so two people with the same picture own separate
    // files, and removing one's never touches the other's.
    let digest = Sha256::new()
        .chain_update(user_id.to_le_bytes())
        .chain_update(&large.bytes)
        .finalize();
    let stem: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(AvatarImages {
        file: format!("{stem}.{}", encoding.extension()),
        large,
        small,
    })
}

/// Where `user`'s avatar is served at `side` pixels, when they have one.
pub fn avatar_url(user: &User, side: u16) -> Option<String> {
    user.avatar
        .as_deref()
        .map(|file| format!("/avatars/{side}/{file}"))
}

/// Up to two letters for someone without an avatar: the first of the first two words of
/// their display name, or the first of their username.
pub fn initials(user: &User) -> String {
    initials_of(user.display_name.as_deref().unwrap_or(&user.username))
}

/// Up to two letters of the name someone is shown by.
pub fn initials_of(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".to_owned()
    } else {
        letters
    }
}

/// The hue (0–359) of someone's initials: from their id, so it stays through renames, and
/// spread by the golden angle so neighbours in a list differ. `ui/js/views/avatar.js` has
/// the same rule.
pub fn hue(user_id: u64) -> u16 {
    ((user_id.wrapping_mul(137_508) / 1000) % 360) as u16
}

impl People {
    /// Gives `me` the avatar made from `upload`, and publishes the change (their open pages
    /// reconnect and show it); returns the account as it now is.
    pub async fn set_avatar(&self, me: u64, upload: Vec<u8>) -> Result<User, PeopleError> {
        let permit = DECODING
            .acquire()
            .await
            .map_err(|_| PeopleError::BadImage(ImageError::Damaged))?;
        let made = tokio::task::spawn_blocking(move || make_avatar(me, &upload)).await;
        drop(permit);
        let avatar = match made {
            Ok(made) => made.map_err(PeopleError::BadImage)?,
            // A decoder that panics on some file is a bug in it; that file is refused.
            Err(panic) => {
                tracing::error!(error = %panic, "decoding an avatar panicked");
                return Err(PeopleError::BadImage(ImageError::Damaged));
            }
        };
        self.commit(move |store| {
            let images = [
                (LARGE, avatar.large.bytes.as_slice()),
                (SMALL, avatar.small.bytes.as_slice()),
            ];
            let user = store.set_avatar(me, &avatar.file, &images)?;
            Ok((user, vec![Event::ProfileChanged { user_id: me }]))
        })
        .await
    }

    /// Takes `me`'s avatar away, and publishes the change; returns the account as it now is.
    pub async fn remove_avatar(&self, me: u64) -> Result<User, PeopleError> {
        self.commit(move |store| {
            let user = store.remove_avatar(me)?;
            Ok((user, vec![Event::ProfileChanged { user_id: me }]))
        })
        .await
    }

    /// One stored avatar picture.
    pub async fn avatar_image(
        &self,
        file: &str,
        side: u16,
    ) -> Result<Option<Vec<u8>>, PeopleError> {
        let store = Arc::clone(&self.store);
        let file = file.to_owned();
        super::blocking(move || Ok(store.avatar_image(&file, side)?)).await
    }
}
