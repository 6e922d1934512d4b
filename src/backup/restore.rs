//! Restoring an archive into a new data folder: the whole archive is checked first, then
//! written into a hidden folder beside the destination (checked again as it is written, in
//! case the archive changed meanwhile), which becomes the data folder with one rename.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::check::{self, Checked};
use super::{ACME_DIR, BackupError, DATABASE, EntryKind, FILES_DIR};

/// Restores `archive` into `data_dir`, which must be missing or empty.
pub fn restore(archive: &Path, data_dir: &Path) -> Result<Checked, BackupError> {
    let data_dir = std::path::absolute(data_dir).map_err(BackupError::io(format!(
        "cannot resolve {}",
        data_dir.display()
    )))?;
    refuse_unless_empty(&data_dir)?;
    let (parent, name) = match (data_dir.parent(), data_dir.file_name()) {
        (Some(parent), Some(name)) => (parent.to_owned(), name.to_string_lossy().into_owned()),
        _ => {
            return Err(BackupError::NotEmpty { path: data_dir });
        }
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .create(&parent)
        .map_err(BackupError::io(format!(
            "cannot create {}",
            parent.display()
        )))?;
    check::verify(archive, &parent)?;

    let staging = Staging(parent.join(format!(".{name}.restoring-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&staging.0);
    make_private_dir(&staging.0)?;
    let checked = check::read(archive, &staging.0, &mut |kind| {
        Ok(Some(match kind {
            EntryKind::Database => PathBuf::from(DATABASE),
            EntryKind::File(digest) => {
                let hex = digest.hex();
                Path::new(FILES_DIR).join(&hex[..2]).join(hex)
            }
            // A plain file name, no folders: checked with the entry's name.
            EntryKind::Acme(name) => Path::new(ACME_DIR).join(name),
            EntryKind::Manifest | EntryKind::Seal => return Ok(None),
        }))
    })?;
    sync_folders(&staging.0)?;
    refuse_unless_empty(&data_dir)?;
    if data_dir.exists() {
        std::fs::remove_dir(&data_dir).map_err(BackupError::io(format!(
            "cannot replace {}",
            data_dir.display()
        )))?;
    }
    std::fs::rename(&staging.0, &data_dir).map_err(BackupError::io(format!(
        "cannot create {}",
        data_dir.display()
    )))?;
    staging.keep();
    File::open(&parent)
        .and_then(|f| f.sync_all())
        .map_err(BackupError::io(format!("cannot sync {}", parent.display())))?;
    Ok(checked)
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
        File::open(&folder)
            .and_then(|f| f.sync_all())
            .map_err(cannot())?;
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
