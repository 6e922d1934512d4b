//! Writing an export: every line from one snapshot, streamed into the zip one message at a
//! time, the stored files copied (and checked against their names) as they are added, and
//! `export.json` last. The caller holds the files' removals back (`files::RemovalHold`)
//! before taking the snapshot, so every file it names is still there to copy.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::lines::{MessageLine, RoomLine, UserLine};
use super::{
    Counts, Entry, ExportError, ExportInfo, FORMAT, INFO, MESSAGES, ROOMS, Scope, USERS, VERSION,
    avatar_entry, file_entry,
};
use crate::backup::Beside;
use crate::files::blobs::{Blobs, Digest};
use crate::store::{Kind, Room, Snapshot, Store, StoreError, UploadRecord};

/// What an export holds, and its size.
#[derive(Debug, Clone)]
pub struct Exported {
    pub counts: Counts,
    pub bytes: u64,
}

/// Writes the export of `scope` from the store and the data folder it lives in to `dest`,
/// replacing it only once the whole export is on disk.
pub fn write(
    store: &Store,
    data_dir: &Path,
    scope: &Scope,
    dest: &Path,
    now_ms: u64,
) -> Result<Exported, ExportError> {
    let cannot_write = || ExportError::io(format!("cannot write {}", dest.display()));
    let snapshot = store.snapshot()?;
    let rooms = match scope {
        Scope::Server => snapshot.every_room()?,
        Scope::Room(name) => match snapshot.room_by_name(name)? {
            Some(room) if room.kind != Kind::Direct => vec![room],
            _ => return Err(ExportError::NoSuchRoom(name.clone())),
        },
    };
    let beside = Beside::of(dest).map_err(cannot_write())?;
    let partial = beside.scratch(".partial").map_err(cannot_write())?;
    let blobs = Blobs::at(data_dir);
    let exported = write_to(&snapshot, &rooms, scope, &blobs, partial.as_file(), now_ms)?;
    beside.finish(partial).map_err(cannot_write())?;
    Ok(exported)
}

/// Writes the export of one room into `out` (an unnamed temporary file, say) from `snapshot`,
/// on which the caller checked who may have it.
pub fn write_room(
    snapshot: &Snapshot,
    room: &Room,
    blobs: &Blobs,
    out: &File,
    now_ms: u64,
) -> Result<Exported, ExportError> {
    let scope = Scope::Room(room.name.clone().unwrap_or_default());
    write_to(
        snapshot,
        std::slice::from_ref(room),
        &scope,
        blobs,
        out,
        now_ms,
    )
}

fn write_to(
    snapshot: &Snapshot,
    rooms: &[Room],
    scope: &Scope,
    blobs: &Blobs,
    out: &File,
    now_ms: u64,
) -> Result<Exported, ExportError> {
    let whole = *scope == Scope::Server;
    let mut zip = ExportZip::new(out);
    let mut counts = Counts::default();
    // The accounts a room export names: its members, and everyone its messages name.
    let mut people = BTreeSet::new();

    zip.begin(ROOMS, Packing::Deflated)?;
    for room in rooms {
        let mut members = Vec::new();
        for membership in snapshot.memberships_of(room.id)? {
            people.insert(membership.user_id);
            let read = snapshot.read_position(membership.user_id, room.id)?;
            members.push((membership, read));
        }
        zip.line(&RoomLine::of(room, &members, whole))?;
        counts.rooms += 1;
    }

    zip.begin(MESSAGES, Packing::Deflated)?;
    let mut stored = BTreeSet::new();
    for room in rooms {
        snapshot.each_message(room.id, |id, record| {
            let mut uploads = Vec::with_capacity(record.files.len());
            for file in &record.files {
                let upload = snapshot.upload(file.id)?.ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "message {id} of room {} names file {}, which has no upload",
                        room.id, file.id
                    ))
                })?;
                stored.extend(upload_digests(&upload));
                uploads.push(upload);
            }
            let line = MessageLine::of(room.id, id, &record, &uploads, whole);
            people.extend(line.people());
            zip.line(&line)?;
            counts.messages += 1;
            Ok::<_, ExportError>(())
        })?;
    }

    for digest in &stored {
        zip.copy_stored(blobs, digest)?;
        counts.files += 1;
    }

    zip.begin(USERS, Packing::Deflated)?;
    let mut avatars = Vec::new();
    if whole {
        for account in snapshot.accounts()? {
            avatars.extend(account.user.avatar.clone());
            zip.line(&UserLine::whole(&account))?;
            counts.users += 1;
        }
    } else {
        for id in people {
            if let Some(user) = snapshot.user(id)? {
                zip.line(&UserLine::public(&user))?;
                counts.users += 1;
            }
        }
    }
    for name in avatars {
        for (side, image) in snapshot.avatar_images(&name)? {
            zip.begin(
                &avatar_entry(side, &name),
                Packing::Stored(image.len() as u64),
            )?;
            zip.write_all(&image).map_err(zip.failed())?;
            counts.avatars += 1;
        }
    }

    let info = ExportInfo {
        format: FORMAT.into(),
        version: VERSION,
        scope: scope.clone(),
        confab: env!("CARGO_PKG_VERSION").into(),
        created_ms: now_ms,
        counts: counts.clone(),
        entries: zip.entries(),
    };
    let info = serde_json::to_vec_pretty(&info)
        .map_err(|err| ExportError::io("cannot write export.json")(io::Error::other(err)))?;
    zip.begin(INFO, Packing::Deflated)?;
    zip.write_all(&info).map_err(zip.failed())?;
    let bytes = zip.finish()?;
    Ok(Exported { counts, bytes })
}

fn upload_digests(upload: &UploadRecord) -> impl Iterator<Item = Digest> + '_ {
    std::iter::once(Digest(upload.digest)).chain(upload.preview.iter().map(|p| Digest(p.digest)))
}

/// How an entry is kept in the zip.
enum Packing {
    /// Compressed: the JSON Lines files and `export.json`.
    Deflated,
    /// As it is, `n` bytes: files people attached are mostly compressed already.
    Stored(u64),
}

/// The zip being written, which hashes and counts each entry as it goes for `export.json`.
struct ExportZip<'f> {
    zip: ZipWriter<BufWriter<&'f File>>,
    /// The entries finished so far.
    entries: Vec<Entry>,
    /// The entry being written: its name, hash so far and size so far.
    current: Option<(String, Sha256, u64)>,
}

impl<'f> ExportZip<'f> {
    fn new(out: &'f File) -> Self {
        ExportZip {
            zip: ZipWriter::new(BufWriter::with_capacity(1024 * 1024, out)),
            entries: Vec::new(),
            current: None,
        }
    }

    fn failed(&self) -> impl FnOnce(io::Error) -> ExportError + use<> {
        let name = self.current.as_ref().map_or("", |c| c.0.as_str());
        ExportError::io(format!("cannot write {name} into the export"))
    }

    /// Ends the entry being written, and starts the next.
    fn begin(&mut self, path: &str, packing: Packing) -> Result<(), ExportError> {
        self.end_entry();
        let options = SimpleFileOptions::default().unix_permissions(0o600);
        let options = match packing {
            Packing::Deflated => options
                .compression_method(CompressionMethod::Deflated)
                .large_file(true),
            Packing::Stored(size) => options
                .compression_method(CompressionMethod::Stored)
                .large_file(size >= u64::from(u32::MAX)),
        };
        self.zip
            .start_file(path, options)
            .map_err(|err| ExportError::io(format!("cannot write {path}"))(err.into()))?;
        self.current = Some((path.to_owned(), Sha256::new(), 0));
        Ok(())
    }

    /// Ends the entry being written.
    fn end_entry(&mut self) {
        if let Some((path, hash, size)) = self.current.take() {
            self.entries.push(Entry {
                path,
                size,
                sha256: Digest(hash.finalize().into()).hex(),
            });
        }
    }

    /// Ends the entry being written; every entry so far, for `export.json`.
    fn entries(&mut self) -> Vec<Entry> {
        self.end_entry();
        self.entries.clone()
    }

    /// One JSON line.
    fn line(&mut self, line: &impl Serialize) -> Result<(), ExportError> {
        let mut bytes = serde_json::to_vec(line)
            .map_err(|err| ExportError::io("cannot write a line")(io::Error::other(err)))?;
        bytes.push(b'\n');
        self.write_all(&bytes).map_err(self.failed())
    }

    /// Copies a stored file into `files/SHA256`, checking that its bytes still have that hash.
    fn copy_stored(&mut self, blobs: &Blobs, digest: &Digest) -> Result<(), ExportError> {
        let path = blobs.path(digest);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(ExportError::MissingFile {
                    digest: digest.hex(),
                });
            }
            Err(err) => {
                return Err(ExportError::io(format!("cannot read {}", path.display()))(
                    err,
                ));
            }
        };
        let size = file
            .metadata()
            .map_err(ExportError::io(format!("cannot read {}", path.display())))?
            .len();
        self.begin(&file_entry(&digest.hex()), Packing::Stored(size))?;
        io::copy(&mut file, self).map_err(self.failed())?;
        let hashed: Option<[u8; 32]> = self
            .current
            .as_ref()
            .map(|(_, hash, _)| hash.clone().finalize().into());
        if hashed != Some(digest.0) {
            return Err(
                ExportError::io(format!("cannot export {}", path.display()))(io::Error::other(
                    "its bytes no longer match their SHA-256: the disk damaged it",
                )),
            );
        }
        Ok(())
    }

    /// Writes the zip's directory, syncs the file and says how large it is.
    fn finish(mut self) -> Result<u64, ExportError> {
        self.end_entry();
        let cannot = || ExportError::io("cannot finish the export");
        let out = self
            .zip
            .finish()
            .map_err(|err| cannot()(err.into()))?
            .into_inner()
            .map_err(|err| cannot()(err.into_error()))?;
        out.sync_all().map_err(cannot())?;
        Ok(out.metadata().map_err(cannot())?.len())
    }
}

impl Write for ExportZip<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.zip.write(buf)?;
        if let Some((_, hash, size)) = &mut self.current {
            hash.update(&buf[..written]);
            *size += written as u64;
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.zip.flush()
    }
}
