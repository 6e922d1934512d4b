//! Checking an export before anything is made from it: `export.json` is there and of this
//! format, the zip holds exactly the entries it lists, each with the size and SHA-256 it
//! lists (a stored file also the SHA-256 it is named by), and the JSON Lines files have as
//! many lines as it counts. An import reads every entry a second time as it writes, and
//! checks it again.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use zip::ZipArchive;

use super::{Entry, EntryKind, ExportError, ExportInfo, FORMAT, INFO, VERSION};
use crate::backup::HashingReader;
use crate::files::blobs::Digest;

/// The most `export.json` may hold: its fixed part, and a listing of each entry of the zip.
const INFO_FIXED: u64 = 64 * 1024;
const INFO_PER_ENTRY: u64 = 512;
/// The longest line read: a room's line lists all its members.
const LINE_MAX: u64 = 256 << 20;

/// An export that passed [`verify`].
#[derive(Debug, Clone)]
pub struct Verified {
    pub info: ExportInfo,
    /// Its size.
    pub bytes: u64,
}

/// An export opened for reading, with `export.json` read and its entries by name.
pub(super) struct Opened {
    pub path: PathBuf,
    pub zip: ZipArchive<File>,
    pub info: ExportInfo,
    pub entries: BTreeMap<String, Entry>,
    pub bytes: u64,
}

impl Opened {
    pub fn damaged(&self, reason: impl Into<String>) -> ExportError {
        ExportError::Damaged {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    pub fn refused(&self, reason: impl Into<String>) -> ExportError {
        ExportError::Refused {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// Reads an entry to its end through `each` (handed a reader of its bytes), then checks
    /// its size and SHA-256 against `export.json`.
    pub fn read_entry<T>(
        &mut self,
        name: &str,
        each: impl FnOnce(&mut dyn Read) -> Result<T, ExportError>,
    ) -> Result<T, ExportError> {
        let Some(listed) = self.entries.get(name).cloned() else {
            return Err(self.damaged(format!("export.json does not list {name}")));
        };
        let path = self.path.clone();
        let entry = self.zip.by_name(name).map_err(|err| ExportError::Damaged {
            path: path.clone(),
            reason: format!("{name} cannot be read ({err})"),
        })?;
        // One byte more than listed is read, so a longer entry is noticed.
        let mut reader = HashingReader::new(entry.take(listed.size + 1));
        let value = each(&mut reader).map_err(|err| match err {
            ExportError::Io { error, .. } if is_damage(&error) => ExportError::Damaged {
                path: path.clone(),
                reason: format!("{name} cannot be read ({error})"),
            },
            other => other,
        })?;
        io::copy(&mut reader, &mut io::sink()).map_err(|err| ExportError::Damaged {
            path: path.clone(),
            reason: format!("{name} cannot be read ({err})"),
        })?;
        let (size, sha256) = reader.finish();
        if size != listed.size || Digest(sha256).hex() != listed.sha256 {
            return Err(self.damaged(format!("{name} does not match export.json")));
        }
        Ok(value)
    }

    /// Hands each line of a JSON Lines entry to `each` as it is read, with its number (from
    /// 1); says how many there were.
    pub fn read_lines<T: DeserializeOwned>(
        &mut self,
        name: &str,
        mut each: impl FnMut(u64, T) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        let path = self.path.clone();
        let refused = |reason: String| ExportError::Refused {
            path: path.clone(),
            reason,
        };
        self.read_entry(name, |reader| {
            let mut reader = BufReader::with_capacity(256 * 1024, reader);
            let mut number = 0;
            let mut line = Vec::new();
            loop {
                line.clear();
                let read = (&mut reader)
                    .take(LINE_MAX)
                    .read_until(b'\n', &mut line)
                    .map_err(ExportError::io(format!("cannot read {name}")))?;
                if read == 0 {
                    return Ok(number);
                }
                number += 1;
                if line.last() != Some(&b'\n') {
                    return Err(refused(format!(
                        "line {number} of {name} is unfinished or too long"
                    )));
                }
                let value = serde_json::from_slice::<T>(&line)
                    .map_err(|err| refused(format!("line {number} of {name}: {err}")))?;
                each(number, value)?;
            }
        })
    }
}

/// Whether a read failed because the bytes are wrong (a bad checksum, a broken stream) rather
/// than the disk.
fn is_damage(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput
    )
}

/// Opens an export and reads its `export.json`, checking that the zip holds exactly what it
/// lists; the entries themselves are not read yet.
pub(super) fn open(path: &Path) -> Result<Opened, ExportError> {
    let not_an_export = |reason: String| ExportError::NotAnExport {
        path: path.to_owned(),
        reason,
    };
    let damaged = |reason: String| ExportError::Damaged {
        path: path.to_owned(),
        reason,
    };
    let mut file =
        File::open(path).map_err(ExportError::io(format!("cannot open {}", path.display())))?;
    let bytes = file
        .metadata()
        .map_err(ExportError::io(format!("cannot read {}", path.display())))?
        .len();
    let mut magic = [0u8; 4];
    let starts_as_zip = file.read_exact(&mut magic).is_ok() && magic == *b"PK\x03\x04";
    let mut zip = ZipArchive::new(file).map_err(|err| {
        if starts_as_zip {
            damaged(format!("its zip directory cannot be read ({err})"))
        } else {
            not_an_export("it is not a zip archive".into())
        }
    })?;
    let mut names = BTreeSet::new();
    for name in zip.file_names() {
        let name =
            name.map_err(|err| damaged(format!("an entry's name cannot be read ({err})")))?;
        names.insert(name.into_owned());
    }
    for name in &names {
        if EntryKind::of(name).is_none() {
            return Err(not_an_export(format!(
                "it holds {name:?}, which no export has"
            )));
        }
    }
    if !names.contains(INFO) {
        return Err(damaged("export.json, written last, is missing".into()));
    }
    let mut text = Vec::new();
    let limit = INFO_FIXED + INFO_PER_ENTRY * names.len() as u64;
    zip.by_name(INFO)
        .map_err(|err| damaged(format!("export.json cannot be read ({err})")))?
        .take(limit + 1)
        .read_to_end(&mut text)
        .map_err(|err| damaged(format!("export.json cannot be read ({err})")))?;
    if text.len() as u64 > limit {
        return Err(damaged(
            "export.json is longer than a listing of the zip".into(),
        ));
    }
    // What it is, read first on its own: anything else in it is skipped, not kept.
    let probe: Probe = serde_json::from_slice(&text)
        .map_err(|err| damaged(format!("export.json is not JSON ({err})")))?;
    if probe.format.as_deref() != Some(FORMAT) {
        return Err(not_an_export(
            "export.json does not say confab-export".into(),
        ));
    }
    match probe.version {
        Some(version) if version <= u64::from(VERSION) => {}
        Some(version) => {
            return Err(ExportError::Refused {
                path: path.to_owned(),
                reason: format!(
                    "it is of version {version}, written by a newer confab; this one reads version {VERSION}"
                ),
            });
        }
        None => return Err(damaged("export.json has no version".into())),
    }
    let info: ExportInfo = serde_json::from_slice(&text)
        .map_err(|err| damaged(format!("export.json is not as confab writes it ({err})")))?;
    let mut entries = BTreeMap::new();
    for entry in &info.entries {
        if entries.insert(entry.path.clone(), entry.clone()).is_some() {
            return Err(damaged(format!("export.json lists {} twice", entry.path)));
        }
    }
    for name in names.iter().filter(|name| name.as_str() != INFO) {
        if !entries.contains_key(name) {
            return Err(damaged(format!(
                "{name} is in the zip but not in export.json"
            )));
        }
    }
    for name in entries.keys() {
        if !names.contains(name) {
            return Err(damaged(format!(
                "export.json lists {name}, which is missing"
            )));
        }
    }
    Ok(Opened {
        path: path.to_owned(),
        zip,
        info,
        entries,
        bytes,
    })
}

/// What `export.json` says it is.
#[derive(Deserialize)]
struct Probe {
    format: Option<String>,
    version: Option<u64>,
}

/// Checks a whole export (see the module's comment) without writing anything.
pub fn verify(path: &Path) -> Result<Verified, ExportError> {
    let mut opened = open(path)?;
    check_entries(&mut opened)?;
    Ok(Verified {
        info: opened.info,
        bytes: opened.bytes,
    })
}

/// Reads every entry of an opened export and checks it against `export.json`.
pub(super) fn check_entries(opened: &mut Opened) -> Result<(), ExportError> {
    let names: Vec<String> = opened.entries.keys().cloned().collect();
    let (mut files, mut avatars) = (0, 0);
    let mut lines = BTreeMap::new();
    for name in names {
        let kind = EntryKind::of(&name)
            .ok_or_else(|| opened.damaged(format!("{name} is not an entry of an export")))?;
        if let EntryKind::File(hex) = &kind
            && opened.entries.get(&name).map(|e| e.sha256.as_str()) != Some(hex.as_str())
        {
            return Err(opened.damaged(format!(
                "{name} is not listed with the SHA-256 it is named by"
            )));
        }
        let newlines = opened.read_entry(&name, |reader| {
            let mut newlines = 0u64;
            let mut buffer = vec![0u8; 256 * 1024];
            loop {
                let n = reader
                    .read(&mut buffer)
                    .map_err(ExportError::io(format!("cannot read {name}")))?;
                if n == 0 {
                    return Ok(newlines);
                }
                newlines += buffer[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            }
        })?;
        match kind {
            EntryKind::File(_) => files += 1,
            EntryKind::Avatar(..) => avatars += 1,
            EntryKind::Users | EntryKind::Rooms | EntryKind::Messages => {
                lines.insert(name, newlines);
            }
            EntryKind::Info => {}
        }
    }
    let counts = &opened.info.counts;
    let found = |name: &str| lines.get(name).copied().unwrap_or(0);
    let checks = [
        ("accounts", counts.users, found(super::USERS)),
        ("rooms", counts.rooms, found(super::ROOMS)),
        ("messages", counts.messages, found(super::MESSAGES)),
        ("stored files", counts.files, files),
        ("avatar pictures", counts.avatars, avatars),
    ];
    for (what, said, held) in checks {
        if said != held {
            return Err(opened.damaged(format!(
                "export.json counts {said} {what}, and it holds {held}"
            )));
        }
    }
    Ok(())
}
