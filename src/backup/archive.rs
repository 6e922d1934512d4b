//! Writing the archive. The caller holds the files' removals back (see
//! `files::RemovalHold`) before this takes its snapshot, so every file the snapshot names is
//! still there to copy.

use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::seal::{self, HashingWriter};
use super::{
    ACME_DIR, BackupError, DATABASE, FILES_DIR, FORMAT, MANIFEST, Manifest, ManifestEntry, VERSION,
    is_plain_name,
};
use crate::files::blobs::Digest;
use crate::store::{Census, Store, digest_hex};

/// What [`write`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub census: Census,
    /// Size of the archive.
    pub bytes: u64,
}

type Archive = tar::Builder<HashingWriter<BufWriter<File>>>;

/// Writes a backup of the store and the data folder it lives in to `dest`, replacing it only
/// once the whole archive is on disk.
pub fn write(
    store: &Store,
    data_dir: &Path,
    dest: &Path,
    now_ms: u64,
) -> Result<Written, BackupError> {
    let name = dest
        .file_name()
        .ok_or_else(|| BackupError::NotABackup {
            path: dest.to_owned(),
            reason: "it names a folder, not a file".into(),
        })?
        .to_string_lossy()
        .into_owned();
    let partial = dest.with_file_name(format!(".{name}.partial"));
    let database = Scratch(dest.with_file_name(format!(".{name}.redb")));
    let written = write_to(store, data_dir, &partial, &database.0, now_ms / 1000);
    let written = match written {
        Ok(written) => written,
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
    };
    if let Err(err) = std::fs::rename(&partial, dest) {
        let _ = std::fs::remove_file(&partial);
        return Err(BackupError::io(format!("cannot write {}", dest.display()))(
            err,
        ));
    }
    if let Some(folder) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(folder)
            .and_then(|f| f.sync_all())
            .map_err(BackupError::io(format!("cannot sync {}", folder.display())))?;
    }
    Ok(written)
}

/// A scratch file removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write_to(
    store: &Store,
    data_dir: &Path,
    partial: &Path,
    database: &Path,
    mtime: u64,
) -> Result<Written, BackupError> {
    let census = store.backup_to(database)?;
    let created_ms = mtime * 1000;
    // It holds password hashes and session keys: readable by its owner only.
    let out = private_file(partial).map_err(BackupError::io(format!(
        "cannot create {}",
        partial.display()
    )))?;
    let mut archive = tar::Builder::new(HashingWriter::new(BufWriter::with_capacity(
        1024 * 1024,
        out,
    )));
    let mut entries = Vec::with_capacity(census.files.len() + 4);
    entries.push(append(&mut archive, DATABASE, database, mtime)?);
    let files = data_dir.join(FILES_DIR);
    for digest in &census.files {
        let hex = digest_hex(digest);
        let stored = files.join(&hex[..2]).join(&hex);
        if !stored.exists() {
            return Err(BackupError::MissingFile { digest: hex });
        }
        let path = format!("{FILES_DIR}/{}/{hex}", &hex[..2]);
        entries.push(append(&mut archive, &path, &stored, mtime)?);
    }
    for cached in certificate_cache(&data_dir.join(ACME_DIR))? {
        let path = format!("{ACME_DIR}/{}", cached.0);
        entries.push(append(&mut archive, &path, &cached.1, mtime)?);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_ms,
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

    let sealed = crate::store::digest_hex(&archive.get_ref().hash());
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

/// A new file (replacing any old one) that only its owner may read.
fn private_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
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
    archive: &mut Archive,
    path: &str,
    source: &Path,
    mtime: u64,
) -> Result<ManifestEntry, BackupError> {
    let cannot = || format!("cannot archive {}", source.display());
    let file = File::open(source).map_err(BackupError::io(cannot()))?;
    let size = file.metadata().map_err(BackupError::io(cannot()))?.len();
    let mut reader = HashingReader {
        inner: file.take(size),
        hasher: Sha256::new(),
        read: 0,
    };
    let mut header = entry_header(size, mtime);
    archive
        .append_data(&mut header, path, &mut reader)
        .map_err(BackupError::io(cannot()))?;
    if reader.read != size {
        return Err(BackupError::io(cannot())(io::Error::other(
            "it changed size while being read",
        )));
    }
    Ok(ManifestEntry {
        path: path.to_owned(),
        size,
        sha256: Digest(reader.hasher.finalize().into()).hex(),
    })
}

/// The certificate cache's files, by name; hidden ones are writes under way.
fn certificate_cache(dir: &Path) -> Result<Vec<(String, PathBuf)>, BackupError> {
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

/// Hashes and counts what is read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}
