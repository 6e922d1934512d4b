//! The bytes of uploaded files, stored once per content under `<data>/files/`, each named by
//! its SHA-256: `files/ab/abcdef…` (the first two hex digits as a folder, so that no folder
//! holds every file).
//!
//! An upload streams into `files/tmp/` while it is hashed and counted, is fsynced, then
//! renamed to its name and the folder fsynced: it is on disk under its name before anything
//! can refer to it, so a message never names a file a crash lost. The same bytes uploaded
//! twice are stored once. Whatever is in `tmp/` when the store opens is an upload that never
//! finished (the server was killed), and goes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// The folder inside the data folder.
pub const FILES_DIR: &str = "files";
const TMP_DIR: &str = "tmp";

/// A file's SHA-256: its name on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    pub fn hex(&self) -> String {
        crate::store::digest_hex(&self.0)
    }

    /// Reads 64 lower-case hex digits.
    pub fn from_hex(hex: &str) -> Option<Digest> {
        crate::store::parse_digest(hex).map(Digest)
    }
}

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The files folder.
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

/// A stored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub digest: Digest,
    pub size: u64,
}

impl Blobs {
    /// Opens (creating) `<data>/files/`, owner only, and removes unfinished uploads.
    pub fn open(data_dir: &Path) -> io::Result<Blobs> {
        let root = data_dir.join(FILES_DIR);
        let tmp = root.join(TMP_DIR);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&tmp)?;
        for entry in fs::read_dir(&tmp)? {
            let entry = entry?;
            if let Err(err) = fs::remove_file(entry.path()) {
                tracing::warn!(error = %err, path = %entry.path().display(), "cannot remove an unfinished upload");
            }
        }
        Ok(Blobs { root })
    }

    /// The files folder of a data folder, as it is: nothing is created or removed (an export
    /// reads it, perhaps beside a running server).
    pub fn at(data_dir: &Path) -> Blobs {
        Blobs {
            root: data_dir.join(FILES_DIR),
        }
    }

    /// Where a stored file is.
    pub fn path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.root.join(&hex[..2]).join(hex)
    }

    /// Starts receiving a file of at most `limit` bytes.
    pub fn incoming(&self, limit: u64) -> io::Result<Incoming> {
        let mut name = [0u8; 16];
        getrandom::fill(&mut name).map_err(|err| io::Error::other(err.to_string()))?;
        let name: String = name.iter().map(|b| format!("{b:02x}")).collect();
        let path = self.root.join(TMP_DIR).join(format!("{name}.part"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        Ok(Incoming {
            file: Some(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            limit,
        })
    }

    /// An unnamed scratch file on the files' disk, gone once closed (or after a crash).
    pub fn scratch(&self) -> io::Result<File> {
        tempfile::tempfile_in(self.root.join(TMP_DIR))
    }

    /// Stores bytes already in memory (a preview the server made).
    pub fn put(&self, bytes: &[u8]) -> Result<Stored, BlobError> {
        let mut incoming = self.incoming(bytes.len() as u64)?;
        incoming.write(bytes)?;
        incoming.finish(self)
    }

    /// Every stored file's digest, shard by shard: what the sweep checks against the
    /// database after a crash. Names that are not digests are left alone.
    pub fn stored(&self) -> io::Result<Vec<Vec<Digest>>> {
        let mut shards = Vec::new();
        for shard in fs::read_dir(&self.root)? {
            let shard = shard?;
            let name = shard.file_name();
            let is_shard = name.len() == 2
                && name
                    .to_str()
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_hexdigit()));
            if !is_shard || !shard.file_type()?.is_dir() {
                continue;
            }
            let mut digests = Vec::new();
            for entry in fs::read_dir(shard.path())? {
                if let Some(digest) = entry?.file_name().to_str().and_then(Digest::from_hex) {
                    digests.push(digest);
                }
            }
            shards.push(digests);
        }
        Ok(shards)
    }

    /// Removes a stored file; one already gone is fine.
    pub fn remove(&self, digest: &Digest) -> io::Result<()> {
        match fs::remove_file(self.path(digest)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }
}

/// A file being received into `tmp/`; dropped before [`Incoming::finish`], it is removed.
pub struct Incoming {
    file: Option<File>,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl Incoming {
    /// Appends a chunk; past the limit, nothing more is written and the file goes.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(BlobError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("finished"))?;
        file.write_all(chunk)?;
        Ok(())
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the bytes received so far durable (the slow part of [`Incoming::finish`], which
    /// can run before it).
    pub fn sync(&mut self) -> Result<(), BlobError> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("finished"))?;
        file.sync_all()?;
        Ok(())
    }

    /// Makes the file durable under its name: fsync, rename, fsync of the folder.
    pub fn finish(mut self, blobs: &Blobs) -> Result<Stored, BlobError> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("finished"))?;
        file.sync_all()?;
        drop(file);
        let digest = Digest(std::mem::take(&mut self.hasher).finalize().into());
        let target = blobs.path(&digest);
        let folder = target.parent().unwrap_or(&blobs.root).to_path_buf();
        if !folder.is_dir() {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&folder)
                .or_else(|err| {
                    if err.kind() == io::ErrorKind::AlreadyExists {
                        Ok(())
                    } else {
                        Err(err)
                    }
                })?;
            File::open(&blobs.root)?.sync_all()?;
        }
        // The same bytes stored before: keep that copy. Otherwise the rename replaces nothing.
        if target.exists() {
            fs::remove_file(&self.path)?;
        } else {
            fs::rename(&self.path, &target)?;
            File::open(&folder)?.sync_all()?;
        }
        self.path = PathBuf::new();
        Ok(Stored {
            digest,
            size: self.size,
        })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_stored_once_under_their_digest() {
        let dir = tempfile::TempDir::new().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let one = blobs.put(b"hello").unwrap();
        let two = blobs.put(b"hello").unwrap();
        assert_eq!(one, two);
        assert_eq!(one.size, 5);
        assert_eq!(fs::read(blobs.path(&one.digest)).unwrap(), b"hello");
        assert_eq!(
            one.digest.hex(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(Digest::from_hex(&one.digest.hex()), Some(one.digest));
        assert_eq!(Digest::from_hex("2CF2"), None);
        assert!(
            fs::read_dir(dir.path().join("files/tmp"))
                .unwrap()
                .next()
                .is_none()
        );
        blobs.remove(&one.digest).unwrap();
        blobs.remove(&one.digest).unwrap();
        assert!(!blobs.path(&one.digest).exists());
    }

    #[test]
    fn an_upload_over_its_limit_or_abandoned_leaves_nothing() {
        let dir = tempfile::TempDir::new().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let mut incoming = blobs.incoming(4).unwrap();
        incoming.write(b"abc").unwrap();
        assert!(matches!(
            incoming.write(b"de"),
            Err(BlobError::TooLarge { limit: 4 })
        ));
        drop(incoming);
        let mut abandoned = blobs.incoming(100).unwrap();
        abandoned.write(b"half").unwrap();
        std::mem::forget(abandoned);
        // As after a crash: the next start clears what was left.
        let tmp = dir.path().join("files/tmp");
        assert_eq!(fs::read_dir(&tmp).unwrap().count(), 1);
        Blobs::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0);
    }
}
