//! Reading an archive back: every byte against the seal, every entry against the manifest,
//! the database copy against its page checksums and the manifest's table counts, and the
//! stored files against the names the database gives them.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::seal::{self, HashingReader, SealedReader};
use super::{
    BackupError, DATABASE, EntryKind, FORMAT, Manifest, ManifestEntry, VERSION, stored_path,
};
use crate::files::blobs::Digest;
use crate::store::{Census, census_of_copy};

/// No manifest is anywhere near this: it lists one line per stored file.
const MAX_MANIFEST: u64 = 512 * 1024 * 1024;

/// What a sound archive holds.
#[derive(Debug, Clone)]
pub struct Checked {
    pub manifest: Manifest,
    pub census: Census,
    /// Size of the archive.
    pub bytes: u64,
}

/// Checks the archive at `path` without writing anything but a scratch copy of its database,
/// made in the first of the `scratch` folders that takes it, and removed again.
pub fn verify(path: &Path, scratch: &[&Path]) -> Result<Checked, BackupError> {
    let mut made = Err(std::io::Error::other("no folder to check it in"));
    for folder in scratch {
        made = tempfile::Builder::new()
            .prefix(".confab-verify-")
            .tempdir_in(folder);
        if made.is_ok() {
            break;
        }
    }
    let folder = made.map_err(BackupError::io(format!(
        "cannot make a scratch folder to check {} in",
        path.display()
    )))?;
    read(path, folder.path(), &mut |kind| {
        Ok((*kind == EntryKind::Database).then(|| PathBuf::from(DATABASE)))
    })
}

/// Where an entry's bytes go, relative to the folder being written: `None` to only hash them.
pub type Place<'p> = dyn FnMut(&EntryKind) -> Result<Option<PathBuf>, BackupError> + 'p;

/// Reads the whole archive, writing the entries `place` names under `into`, and checks it.
/// On any error, what was written may be incomplete: the caller removes it.
pub fn read(path: &Path, into: &Path, place: &mut Place) -> Result<Checked, BackupError> {
    let damaged = |reason: String| BackupError::Damaged {
        path: path.to_owned(),
        reason,
    };
    let cannot_read = || BackupError::io(format!("cannot read {}", path.display()));
    let mut file = File::open(path).map_err(cannot_read())?;
    let bytes = file.metadata().map_err(cannot_read())?.len();
    if bytes < seal::TAIL || bytes % 512 != 0 {
        return Err(damaged("its length is not that of a whole archive".into()));
    }
    let sealed_bytes = bytes - seal::TAIL;
    let mut tail = vec![0; seal::TAIL as usize];
    file.seek(SeekFrom::Start(sealed_bytes))
        .and_then(|_| file.read_exact(&mut tail))
        .and_then(|()| file.rewind())
        .map_err(cannot_read())?;
    let promised = seal::read(&tail).map_err(damaged)?;

    let mut reader = SealedReader::new(BufReader::with_capacity(1024 * 1024, file), sealed_bytes);
    let mut archive = tar::Archive::new(&mut reader);
    let mut seen: Vec<ManifestEntry> = Vec::new();
    let mut names = HashSet::new();
    let mut manifest = None;
    let mut sealed = false;
    for entry in archive.entries().map_err(cannot_read())? {
        let mut entry = entry.map_err(|err| damaged(format!("an entry is unreadable ({err})")))?;
        let name = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| damaged("an entry's name is not text".into()))?;
        let kind = EntryKind::of(&name)
            .filter(|_| entry.header().entry_type() == tar::EntryType::Regular)
            .ok_or_else(|| BackupError::NotABackup {
                path: path.to_owned(),
                reason: format!("it holds {name:?}, which no confab backup has"),
            })?;
        if !names.insert(name.clone()) {
            return Err(damaged(format!("it holds {name} twice")));
        }
        match kind {
            EntryKind::Seal => {
                if entry.raw_header_position() != sealed_bytes {
                    return Err(damaged("its seal is not at its end".into()));
                }
                sealed = true;
                break;
            }
            EntryKind::Manifest => {
                let mut text = Vec::new();
                (&mut entry)
                    .take(MAX_MANIFEST)
                    .read_to_end(&mut text)
                    .map_err(|err| damaged(format!("its manifest is unreadable ({err})")))?;
                let parsed: Manifest = serde_json::from_slice(&text)
                    .map_err(|err| damaged(format!("its manifest is unreadable ({err})")))?;
                manifest = Some(parsed);
            }
            _ => {
                let target = place(&kind)?.map(|relative| into.join(relative));
                let (size, sha256) = copy_entry(&mut entry, target.as_deref())
                    .map_err(|err| damaged(format!("{name} is unreadable ({err})")))?;
                if let EntryKind::File(digest) = kind
                    && digest.0 != sha256
                {
                    return Err(damaged(format!("{name} does not hold what its name says")));
                }
                seen.push(ManifestEntry {
                    path: name,
                    size,
                    sha256: Digest(sha256).hex(),
                });
            }
        }
    }
    if !sealed || reader.hash() != Some(promised) {
        return Err(damaged("its bytes do not match its seal".into()));
    }
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest".into()))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(BackupError::NotABackup {
            path: path.to_owned(),
            reason: format!(
                "it is {} version {}, and this confab reads {FORMAT} version {VERSION}",
                manifest.format, manifest.version
            ),
        });
    }
    compare_entries(&manifest.entries, &seen).map_err(damaged)?;
    let database = into.join(DATABASE);
    if !database.exists() {
        return Err(damaged("it has no database".into()));
    }
    let census = census_of_copy(&database)?;
    if census.tables != manifest.tables {
        return Err(damaged(format!(
            "its database does not hold the rows its manifest lists ({})",
            differences(&manifest.tables, &census.tables)
        )));
    }
    let archived: HashSet<&str> = seen.iter().map(|e| e.path.as_str()).collect();
    let stored = census
        .files
        .iter()
        .map(|digest| stored_path(&Digest(*digest)))
        .collect::<HashSet<_>>();
    if let Some(missing) = stored.iter().find(|p| !archived.contains(p.as_str())) {
        return Err(damaged(format!(
            "its database names {missing}, which it lacks"
        )));
    }
    let files_archived = seen
        .iter()
        .filter(|e| matches!(EntryKind::of(&e.path), Some(EntryKind::File(_))))
        .count();
    if files_archived != stored.len() {
        return Err(damaged(
            "it holds stored files its database does not name".into(),
        ));
    }
    Ok(Checked {
        manifest,
        census,
        bytes,
    })
}

/// Copies one entry to `target` (made afresh, synced) or nowhere, and hashes it.
fn copy_entry(entry: &mut impl Read, target: Option<&Path>) -> io::Result<(u64, [u8; 32])> {
    let out = match target {
        Some(target) => {
            use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
            if let Some(folder) = target.parent() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(folder)?;
            }
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(target)?;
            Some(file)
        }
        None => None,
    };
    let mut reader = HashingReader::new(entry);
    match out {
        Some(mut out) => {
            io::copy(&mut reader, &mut out)?;
            out.sync_all()?;
        }
        None => {
            io::copy(&mut reader, &mut io::sink())?;
        }
    }
    Ok(reader.finish())
}

/// The manifest and the archive list the same entries, with the same sizes and hashes.
fn compare_entries(listed: &[ManifestEntry], seen: &[ManifestEntry]) -> Result<(), String> {
    let listed_by_path: BTreeMap<&str, &ManifestEntry> =
        listed.iter().map(|e| (e.path.as_str(), e)).collect();
    for entry in seen {
        match listed_by_path.get(entry.path.as_str()) {
            Some(&listed) if listed == entry => {}
            Some(_) => return Err(format!("{} is not what its manifest lists", entry.path)),
            None => return Err(format!("{} is not in its manifest", entry.path)),
        }
    }
    if listed.len() != seen.len() {
        return Err("its manifest lists entries it lacks".into());
    }
    Ok(())
}

fn differences(listed: &BTreeMap<String, u64>, found: &BTreeMap<String, u64>) -> String {
    let mut tables: Vec<&String> = listed.keys().chain(found.keys()).collect();
    tables.sort();
    tables.dedup();
    tables
        .into_iter()
        .filter(|t| listed.get(*t) != found.get(*t))
        .map(|t| {
            format!(
                "{t}: {} listed, {} found",
                listed.get(t).copied().unwrap_or(0),
                found.get(t).copied().unwrap_or(0)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
