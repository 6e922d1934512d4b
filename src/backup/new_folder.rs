//! A new data folder, made whole before it takes its name: what goes into it is written into a
//! hidden staging folder, which becomes the data folder only once all of it is on disk.
//!
//! - a folder that does not exist yet is made from a staging folder beside it, with one rename;
//! - an empty folder that exists (a Docker volume, a mount point: it cannot be renamed) gets
//!   the staging folder inside it, whose entries move up when complete, the database last.
//!
//! Restoring a backup and importing an export both make their folder this way.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{ACME_DIR, BackupError, DATABASE, FILES_DIR};

/// A data folder being made.
pub struct NewDataFolder {
    data_dir: PathBuf,
    /// Where scratch files may go while it is made: on the same disk, outside the data folder's
    /// entries.
    scratch: PathBuf,
    staging: Staging,
    /// The folder exists (and is empty): the entries move up into it.
    exists: bool,
}

impl NewDataFolder {
    /// Checks that `data_dir` is missing or empty, and picks its staging folder, named for
    /// `doing` (`restoring`, `importing`).
    pub fn prepare(data_dir: &Path, doing: &str) -> Result<NewDataFolder, BackupError> {
        let data_dir = std::path::absolute(data_dir).map_err(BackupError::io(format!(
            "cannot resolve {}",
            data_dir.display()
        )))?;
        refuse_unless_empty(&data_dir)?;
        let exists = data_dir.is_dir();
        let (parent, name) = match (data_dir.parent(), data_dir.file_name()) {
            (Some(parent), Some(name)) => (parent.to_owned(), name.to_string_lossy().into_owned()),
            _ => {
                let reason = std::io::Error::other("a data folder cannot be the root folder");
                return Err(BackupError::io(format!(
                    "cannot write into {}",
                    data_dir.display()
                ))(reason));
            }
        };
        let (scratch, staging) = if exists {
            let staging = data_dir.join(format!(".{doing}-{}", std::process::id()));
            (data_dir.clone(), staging)
        } else {
            std::fs::DirBuilder::new()
                .recursive(true)
                .create(&parent)
                .map_err(BackupError::io(format!(
                    "cannot create {}",
                    parent.display()
                )))?;
            let staging = parent.join(format!(".{name}.{doing}-{}", std::process::id()));
            (parent, staging)
        };
        Ok(NewDataFolder {
            data_dir,
            scratch,
            staging: Staging(staging),
            exists,
        })
    }

    /// A folder on the same disk where scratch files may go meanwhile.
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    /// Makes the staging folder (owner only) and says where it is.
    pub fn create_staging(&self) -> Result<PathBuf, BackupError> {
        make_private_dir(&self.staging.0)?;
        Ok(self.staging.0.clone())
    }

    /// Makes the staging folder the data folder, once everything in it is synced.
    pub fn place(self) -> Result<PathBuf, BackupError> {
        let NewDataFolder {
            data_dir,
            staging,
            exists,
            ..
        } = self;
        sync_folders(&staging.0)?;
        if exists {
            move_up(&staging.0, &data_dir)?;
            drop(staging);
            sync(&data_dir)?;
        } else {
            std::fs::rename(&staging.0, &data_dir).map_err(BackupError::io(format!(
                "cannot create {}",
                data_dir.display()
            )))?;
            staging.keep();
            if let Some(parent) = data_dir.parent() {
                sync(parent)?;
            }
        }
        Ok(data_dir)
    }
}

/// Moves the new folder's entries from `staging` up into `data_dir`, the database last (a folder
/// without it is not taken for a restored one), and never over anything: if something else
/// appeared in `data_dir` meanwhile (a server started on it), nothing moves, and if a move
/// fails, what moved goes back.
fn move_up(staging: &Path, data_dir: &Path) -> Result<(), BackupError> {
    let cannot = || {
        BackupError::io(format!(
            "cannot move the new data into {}",
            data_dir.display()
        ))
    };
    let others = std::fs::read_dir(data_dir)
        .map_err(cannot())?
        .filter(|entry| entry.as_ref().map_or(true, |e| e.path() != staging))
        .count();
    if others > 0 {
        return Err(BackupError::NotEmpty {
            path: data_dir.to_owned(),
        });
    }
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    for entry in [FILES_DIR, ACME_DIR, DATABASE] {
        let (from, to) = (staging.join(entry), data_dir.join(entry));
        if !from.exists() {
            continue;
        }
        let result = if to.exists() {
            Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
        } else {
            std::fs::rename(&from, &to)
        };
        if let Err(err) = result {
            for (from, to) in moved.into_iter().rev() {
                let _ = std::fs::rename(to, from);
            }
            return Err(cannot()(err));
        }
        moved.push((from, to));
    }
    Ok(())
}

fn sync(folder: &Path) -> Result<(), BackupError> {
    File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(BackupError::io(format!("cannot sync {}", folder.display())))
}

fn refuse_unless_empty(data_dir: &Path) -> Result<(), BackupError> {
    match std::fs::read_dir(data_dir) {
        Ok(mut listing) => match listing.next() {
            None => Ok(()),
            Some(_) => Err(BackupError::NotEmpty {
                path: data_dir.to_owned(),
            }),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(BackupError::io(format!(
            "cannot read {}",
            data_dir.display()
        ))(err)),
    }
}

fn make_private_dir(path: &Path) -> Result<(), BackupError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(path)
        .map_err(BackupError::io(format!("cannot create {}", path.display())))
}

/// Syncs every folder under `root` (the files were synced as they were written), so the
/// entries of the restored folder are on disk before it takes its name.
fn sync_folders(root: &Path) -> Result<(), BackupError> {
    let cannot = || BackupError::io(format!("cannot sync {}", root.display()));
    let mut folders = vec![root.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).map_err(cannot())? {
            let entry = entry.map_err(cannot())?;
            if entry.file_type().map_err(cannot())?.is_dir() {
                folders.push(entry.path());
            }
        }
        sync(&folder)?;
    }
    Ok(())
}

/// A folder being restored into, removed unless it became the data folder.
struct Staging(PathBuf);

impl Staging {
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
