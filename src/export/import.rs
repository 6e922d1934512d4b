//! `confab import`: a new data folder from a server export. The whole export is checked first
//! ([`super::verify`]); then, in the new folder's staging folder, every line is checked again
//! as it is read (by the rules people's own input meets, and against the accounts and rooms
//! before it) and written into one transaction, every file is copied and checked against its
//! SHA-256, and the transaction commits only when all of it is there. The folder takes its
//! name last (`backup::NewDataFolder`): a refused or failed import leaves nothing behind.

use std::collections::{BTreeSet, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use super::check::{self, Opened};
use super::lines::{MessageLine, RoomLine, UserLine};
use super::{
    AVATARS_DIR, Counts, EntryKind, ExportError, MESSAGES, ROOMS, Scope, USERS, avatar_entry,
    file_entry,
};
use crate::backup::NewDataFolder;
use crate::files::blobs::{Blobs, Digest};
use crate::store::{Account, Importer, Store, StoreError};

/// What [`import`] made.
#[derive(Debug, Clone)]
pub struct Imported {
    pub counts: Counts,
    /// The export's size.
    pub bytes: u64,
    /// The new data folder, absolute.
    pub data_dir: PathBuf,
}

/// Makes `data_dir` (missing or empty) from the server export at `path`.
pub fn import(path: &Path, data_dir: &Path) -> Result<Imported, ExportError> {
    let folder = NewDataFolder::prepare(data_dir, "importing")?;
    let verified = super::verify(path)?;
    if let Scope::Room(name) = &verified.info.scope {
        return Err(ExportError::Refused {
            path: path.to_owned(),
            reason: format!(
                "it is the export of one room ({name}), without the accounts' passwords; import takes the export of a whole server (confab export --all)"
            ),
        });
    }
    let mut opened = check::open(path)?;
    let staging = folder.create_staging()?;
    let blobs = Blobs::open(&staging).map_err(ExportError::io(format!(
        "cannot create {}",
        staging.display()
    )))?;
    {
        let store = Store::open(&staging)?;
        store.import(|importer| fill(importer, &mut opened, &blobs))?;
    }
    let data_dir = folder.place()?;
    Ok(Imported {
        counts: verified.info.counts,
        bytes: verified.bytes,
        data_dir,
    })
}

/// Reads every entry into the importer's transaction and the files folder.
fn fill(
    importer: &mut Importer<'_>,
    opened: &mut Opened,
    blobs: &Blobs,
) -> Result<(), ExportError> {
    let accounts = accounts(importer, opened)?;
    let known: HashSet<u64> = accounts.iter().map(|a| a.user.id).collect();
    avatars(importer, opened, &accounts)?;

    let path = opened.path.clone();
    let mut reads = Vec::new();
    opened.read_lines(ROOMS, |number, line: RoomLine| {
        let at = |reason: String| refused(&path, format!("line {number} of {ROOMS}: {reason}"));
        let (room, members) = line.room().map_err(at)?;
        let memberships: Vec<_> = members.iter().map(|(m, _)| m.clone()).collect();
        importer
            .add_room(&room, &memberships)
            .map_err(|err| conflict(err, at))?;
        reads.extend(
            members
                .into_iter()
                .map(|(m, read)| (m.user_id, m.room_id, read)),
        );
        Ok(())
    })?;

    let mut named = BTreeSet::new();
    opened.read_lines(MESSAGES, |number, line: MessageLine| {
        let at = |reason: String| refused(&path, format!("line {number} of {MESSAGES}: {reason}"));
        if let Some(stranger) = line.people().find(|id| !known.contains(id)) {
            return Err(at(format!(
                "it names account {stranger}, which is not there"
            )));
        }
        let (record, uploads) = line.record().map_err(at)?;
        for file in &line.files {
            named.extend(file.digests().map(str::to_owned));
        }
        importer
            .add_message(line.room, line.id, &record, &uploads)
            .map_err(|err| conflict(err, at))
    })?;

    let held: BTreeSet<String> = opened
        .entries
        .keys()
        .filter_map(|name| match EntryKind::of(name) {
            Some(EntryKind::File(hex)) => Some(hex),
            _ => None,
        })
        .collect();
    if let Some(missing) = named.difference(&held).next() {
        return Err(opened.refused(format!(
            "a message names files/{missing}, which is not in it"
        )));
    }
    if let Some(loose) = held.difference(&named).next() {
        return Err(opened.refused(format!("files/{loose} is in it, but no message names it")));
    }
    for hex in &held {
        copy_file(opened, blobs, hex)?;
    }

    for (user_id, room_id, read) in reads {
        let read = match read {
            Some(read) => read,
            None => importer.last_message(room_id)?,
        };
        importer.set_read_position(user_id, room_id, read)?;
    }
    Ok(())
}

/// The accounts, each added as it is read; their friendships and blocks once all are in.
fn accounts(importer: &mut Importer<'_>, opened: &mut Opened) -> Result<Vec<Account>, ExportError> {
    let path = opened.path.clone();
    let mut accounts = Vec::new();
    opened.read_lines(USERS, |number, line: UserLine| {
        let at = |reason: String| refused(&path, format!("line {number} of {USERS}: {reason}"));
        let account = line.account().map_err(at)?;
        importer
            .add_account(&account)
            .map_err(|err| conflict(err, at))?;
        accounts.push(account);
        Ok(())
    })?;
    let at = |reason: String| refused(&path, format!("{USERS}: {reason}"));
    for account in &accounts {
        importer
            .add_ties(account)
            .map_err(|err| conflict(err, at))?;
    }
    importer.check_ties().map_err(|err| conflict(err, at))?;
    Ok(accounts)
}

/// Each account's avatar pictures; a picture no account names is refused.
fn avatars(
    importer: &mut Importer<'_>,
    opened: &mut Opened,
    accounts: &[Account],
) -> Result<(), ExportError> {
    let named: HashSet<&str> = accounts
        .iter()
        .filter_map(|a| a.user.avatar.as_deref())
        .collect();
    let pictures: Vec<(u16, String)> = opened
        .entries
        .keys()
        .filter_map(|name| match EntryKind::of(name) {
            Some(EntryKind::Avatar(side, file)) => Some((side, file)),
            _ => None,
        })
        .collect();
    for (side, file) in pictures {
        if !named.contains(file.as_str()) {
            return Err(opened.refused(format!(
                "{AVATARS_DIR}/{side}/{file} is in it, but no account names it"
            )));
        }
        let image = opened.read_entry(&avatar_entry(side, &file), |reader| {
            let mut image = Vec::new();
            reader
                .read_to_end(&mut image)
                .map_err(ExportError::io(format!("cannot read {file}")))?;
            Ok(image)
        })?;
        importer.add_avatar(&file, side, &image)?;
    }
    Ok(())
}

/// Copies `files/HEX` into the new files folder, synced under its name, checking its bytes
/// against the name on the way.
fn copy_file(opened: &mut Opened, blobs: &Blobs, hex: &str) -> Result<(), ExportError> {
    let name = file_entry(hex);
    let size = opened.entries.get(&name).map_or(0, |e| e.size);
    let cannot = || ExportError::io(format!("cannot copy {name}"));
    let stored = opened.read_entry(&name, |reader| {
        let mut incoming = blobs.incoming(size).map_err(cannot())?;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buffer).map_err(cannot())?;
            if n == 0 {
                break;
            }
            incoming
                .write(&buffer[..n])
                .map_err(|err| cannot()(io::Error::other(err.to_string())))?;
        }
        incoming
            .finish(blobs)
            .map_err(|err| cannot()(io::Error::other(err.to_string())))
    })?;
    if Some(stored.digest) != Digest::from_hex(hex) {
        return Err(opened.damaged(format!("{name} does not have the SHA-256 it is named by")));
    }
    Ok(())
}

fn refused(path: &Path, reason: String) -> ExportError {
    ExportError::Refused {
        path: path.to_owned(),
        reason,
    }
}

/// A conflict the store found (a name used twice, a message out of order) is the export's
/// fault, told where it is (`at`); anything else is the disk's.
fn conflict(err: StoreError, at: impl FnOnce(String) -> ExportError) -> ExportError {
    match err {
        StoreError::Conflict(reason) => at(reason),
        other => ExportError::Store(other),
    }
}
