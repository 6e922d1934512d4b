//! `confab import`: a new data folder from a server export. The whole export is checked first
//! ([`super::verify`]); then, in the new folder's staging folder, every line is checked again
//! as it is read (by the rules people's own input meets, and against the accounts and rooms
//! before it) and written into one transaction, every file is copied and checked against its
//! SHA-256, and the transaction commits only when all of it is there. The folder takes its
//! name last (`backup::NewDataFolder`): a refused or failed import leaves nothing behind.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::check::{self, Opened};
use super::lines::{MessageLine, RoomLine, Until, UserLine};
use super::{
    AVATARS_DIR, Counts, EntryKind, ExportError, MESSAGES, ROOMS, Scope, USERS, avatar_entry,
    file_entry,
};
use crate::backup::NewDataFolder;
use crate::files::blobs::{BlobError, Blobs, Digest};
use crate::people::avatar::SIDES;
use crate::store::{Account, Importer, Store, StoreError};

/// The largest avatar picture taken: the server's own are a few dozen KiB.
const AVATAR_MAX_BYTES: u64 = 1024 * 1024;

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
    let mut opened = check::open(path)?;
    if let Scope::Room(name) = &opened.info.scope {
        return Err(opened.refused(format!(
            "it is the export of one room ({name}), without the accounts' passwords; import takes the export of a whole server (confab export --all)"
        )));
    }
    check::check_entries(&mut opened)?;
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
        counts: opened.info.counts,
        bytes: opened.bytes,
        data_dir,
    })
}

/// Reads every entry into the importer's transaction and the files folder.
fn fill(
    importer: &mut Importer<'_>,
    opened: &mut Opened,
    blobs: &Blobs,
) -> Result<(), ExportError> {
    let until = Until::export_written_at(opened.info.created_ms);
    let accounts = accounts(importer, opened, until)?;
    let known: HashSet<u64> = accounts.iter().map(|a| a.user.id).collect();
    avatars(importer, opened, &accounts)?;

    let path = opened.path.clone();
    let mut reads = Vec::new();
    opened.read_lines(ROOMS, |number, line: RoomLine| {
        let at = |reason: String| refused(&path, format!("line {number} of {ROOMS}: {reason}"));
        let (room, members) = line.room(until).map_err(at)?;
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

    // Each stored file's size, as listed and checked: a file line must say the same.
    let sizes: HashMap<String, u64> = opened
        .entries
        .values()
        .filter_map(|entry| match EntryKind::of(&entry.path) {
            Some(EntryKind::File(hex)) => Some((hex, entry.size)),
            _ => None,
        })
        .collect();
    let mut named = BTreeSet::new();
    opened.read_lines(MESSAGES, |number, line: MessageLine| {
        let at = |reason: String| refused(&path, format!("line {number} of {MESSAGES}: {reason}"));
        if let Some(stranger) = line.people().find(|id| !known.contains(id)) {
            return Err(at(format!(
                "it names account {stranger}, which is not there"
            )));
        }
        let (record, uploads) = line.record(until).map_err(at)?;
        for file in &line.files {
            if sizes
                .get(&file.sha256)
                .is_some_and(|&size| size != file.size)
            {
                return Err(at(format!(
                    "file {} is not of the size its bytes are",
                    file.id
                )));
            }
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
fn accounts(
    importer: &mut Importer<'_>,
    opened: &mut Opened,
    until: Until,
) -> Result<Vec<Account>, ExportError> {
    let path = opened.path.clone();
    let mut accounts = Vec::new();
    opened.read_lines(USERS, |number, line: UserLine| {
        let at = |reason: String| refused(&path, format!("line {number} of {USERS}: {reason}"));
        let account = line.account(until).map_err(at)?;
        importer
            .add_account(&account)
            .map_err(|err| conflict(err, at))?;
        accounts.push(account);
        Ok(())
    })?;
    for account in &accounts {
        let id = account.user.id;
        let at = |reason: String| {
            refused(
                &path,
                format!("{USERS}, the friends and blocks of account {id}: {reason}"),
            )
        };
        importer
            .add_ties(account)
            .map_err(|err| conflict(err, at))?;
    }
    let at = |reason: String| refused(&path, format!("{USERS}: {reason}"));
    importer.check_ties().map_err(|err| conflict(err, at))?;
    Ok(accounts)
}

/// Each account's avatar pictures: every side the server keeps for every avatar an account
/// names, each picture small, and no picture no account names.
fn avatars(
    importer: &mut Importer<'_>,
    opened: &mut Opened,
    accounts: &[Account],
) -> Result<(), ExportError> {
    let mut named = HashSet::new();
    for account in accounts {
        if let Some(file) = account.user.avatar.as_deref()
            && !named.insert(file)
        {
            return Err(opened.refused(format!("two accounts name the avatar {file}")));
        }
    }
    let mut held = HashSet::new();
    for name in opened.entries.keys() {
        if let Some(EntryKind::Avatar(side, file)) = EntryKind::of(name) {
            held.insert((side, file));
        }
    }
    for &(side, ref file) in &held {
        if !SIDES.contains(&side) || !named.contains(file.as_str()) {
            return Err(opened.refused(format!(
                "{AVATARS_DIR}/{side}/{file} is in it, but no account has such a picture"
            )));
        }
    }
    for file in &named {
        for side in SIDES {
            let entry = avatar_entry(side, file);
            if !held.contains(&(side, (*file).to_owned())) {
                return Err(opened.refused(format!("{entry}, an account's picture, is missing")));
            }
            if opened
                .entries
                .get(&entry)
                .is_some_and(|e| e.size > AVATAR_MAX_BYTES)
            {
                return Err(
                    opened.refused(format!("{entry} is larger than a picture the server makes"))
                );
            }
            let image = opened.read_entry(&entry, |reader| {
                let mut image = Vec::new();
                reader
                    .take(AVATAR_MAX_BYTES)
                    .read_to_end(&mut image)
                    .map_err(ExportError::io(format!("cannot read {entry}")))?;
                Ok(image)
            })?;
            importer.add_avatar(file, side, &image)?;
        }
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
                .map_err(|err| blob_error(err, &name))?;
        }
        incoming.finish(blobs).map_err(|err| blob_error(err, &name))
    })?;
    if Some(stored.digest) != Digest::from_hex(hex) {
        return Err(opened.damaged(format!("{name} does not have the SHA-256 it is named by")));
    }
    Ok(())
}

/// A file longer than listed is damage; anything else is the disk's.
fn blob_error(err: BlobError, name: &str) -> ExportError {
    match err {
        BlobError::TooLarge { .. } => ExportError::Io {
            context: format!("cannot copy {name}"),
            error: io::Error::new(io::ErrorKind::InvalidData, "it is longer than listed"),
        },
        BlobError::Io(error) => ExportError::Io {
            context: format!("cannot copy {name}"),
            error,
        },
    }
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
