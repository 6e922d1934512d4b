//! Writing the archive. The caller holds the files' removals back (see
//! `files::RemovalHold`) before this takes its snapshot, so every file the snapshot names is
//! still there to copy.

use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};

use super::beside::Beside;
use super::seal::{self, HashingReader, HashingWriter};
use super::{
    ACME_DIR, BackupError, DATABASE, FORMAT, MANIFEST, Manifest, ManifestEntry, VERSION,
    is_plain_name, stored_path,
};
use crate::files::blobs::Digest;
use crate::store::{Census, Store};

/// What [`write`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub census: Census,
    /// Size of the archive.
    pub bytes: u64,
}

type Archive<'f> = tar::Builder<HashingWriter<BufWriter<&'f File>>>;

/// Writes a backup of the store and the data folder it lives in to `dest`, replacing it only
/// once the whole archive is on disk. Its scratch files are made beside it under names of
/// their own (readable by their owner only), so backups that overlap do not share them.
pub fn write(
    store: &Store,
    data_dir: &Path,
    dest: &Path,
    now_ms: u64,
) -> Result<Written, BackupError> {
    let cannot_write = || BackupError::io(format!("cannot write {}", dest.display()));
    let beside = Beside::of(dest).map_err(cannot_write())?;
    let database = beside.scratch(".redb").map_err(cannot_write())?;
    let partial = beside.scratch(".partial").map_err(cannot_write())?;
    let written = write_to(store, data_dir, partial.as_file(), database.path(), now_ms)?;
    beside.finish(partial).map_err(cannot_write())?;
    Ok(written)
}

fn write_to(
    store: &Store,
    data_dir: &Path,
    out: &File,
    database: &Path,
    now_ms: u64,
) -> Result<Written, BackupError> {
    let census = store.copy_into(database)?;
    let mtime = now_ms / 1000;
    let mut archive = tar::Builder::new(HashingWriter::new(BufWriter::with_capacity(
        1024 * 1024,
        out,
    )));
    let mut entries = Vec::with_capacity(census.files.len() + 4);
    entries.push(append(&mut archive, DATABASE, database, mtime)?);
    for digest in &census.files {
        let path = stored_path(&Digest(*digest));
        let stored = data_dir.join(&path);
        if !stored.exists() {
            return Err(BackupError::MissingFile {
                digest: Digest(*digest).hex(),
            });
        }
        entries.push(append(&mut archive, &path, &stored, mtime)?);
    }
    for (name, cached) in acme_cache(&data_dir.join(ACME_DIR))? {
        let path = format!("{ACME_DIR}/{name}");
        entries.push(append(&mut archive, &path, &cached, mtime)?);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_ms: now_ms,
        confab: env!("CARGO_PKG_VERSION").into(),
        tables: census.tables.clone(),
        entries,
    };
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|err| BackupError::io("cannot write the manifest")(io::Error::other(err)))?;
    let mut header = entry_header(manifest.len() as u64, mtime);
    archive
        .append_data(&mut header, MANIFEST, manifest.as_slice())
        .map_err(BackupError::io("cannot write the manifest"))?;

    let sealed = Digest(archive.get_ref().hash()).hex();
    archive
        .append(
            &seal::header(mtime).map_err(BackupError::io("cannot seal the archive"))?,
            sealed.as_bytes(),
        )
        .map_err(BackupError::io("cannot seal the archive"))?;
    let out = archive
        .into_inner()
        .map_err(BackupError::io("cannot finish the archive"))?
        .into_inner()
        .into_inner()
        .map_err(|err| BackupError::io("cannot finish the archive")(err.into_error()))?;
    out.sync_all()
        .map_err(BackupError::io("cannot sync the archive"))?;
    let bytes = out
        .metadata()
        .map_err(BackupError::io("cannot read the archive's size"))?
        .len();
    Ok(Written { census, bytes })
}

fn entry_header(size: u64, mtime: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// Appends one file, hashing it as it goes.
fn append(
    archive: &mut Archive<'_>,
    path: &str,
    source: &Path,
    mtime: u64,
) -> Result<ManifestEntry, BackupError> {
    let cannot = || format!("cannot archive {}", source.display());
    let file = File::open(source).map_err(BackupError::io(cannot()))?;
    let size = file.metadata().map_err(BackupError::io(cannot()))?.len();
    let mut reader = HashingReader::new(file.take(size));
    let mut header = entry_header(size, mtime);
    archive
        .append_data(&mut header, path, &mut reader)
        .map_err(BackupError::io(cannot()))?;
    let (read, sha256) = reader.finish();
    if read != size {
        return Err(BackupError::io(cannot())(io::Error::other(
            "it changed size while being read",
        )));
    }
    Ok(ManifestEntry {
        path: path.to_owned(),
        size,
        sha256: Digest(sha256).hex(),
    })
}

/// The ACME cache's files (the account key and the certificates), by name; hidden ones are
/// writes under way.
fn acme_cache(dir: &Path) -> Result<Vec<(String, PathBuf)>, BackupError> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(BackupError::io(format!("cannot read {}", dir.display()))(
                err,
            ));
        }
    };
    let mut cached = Vec::new();
    for entry in listing {
        let entry = entry.map_err(BackupError::io(format!("cannot read {}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && is_plain_name(&name) {
            cached.push((name, entry.path()));
        }
    }
    cached.sort();
    Ok(cached)
}
