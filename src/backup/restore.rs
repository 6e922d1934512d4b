//! Restoring an archive into a new data folder. The whole archive is checked first; then it is
//! written into the new folder's staging folder (checked again as it is written, in case the
//! archive changed meanwhile), which becomes the data folder only once all of it is on disk
//! (see [`NewDataFolder`]).

use std::path::{Path, PathBuf};

use super::check::{self, Checked};
use super::new_folder::NewDataFolder;
use super::{ACME_DIR, BackupError, DATABASE, EntryKind, stored_path};

/// Restores `archive` into `data_dir`, which must be missing or empty.
pub fn restore(archive: &Path, data_dir: &Path) -> Result<Checked, BackupError> {
    let folder = NewDataFolder::prepare(data_dir, "restoring")?;
    check::verify(archive, &[folder.scratch()])?;
    let staging = folder.create_staging()?;
    let checked = check::read(archive, &staging, &mut |kind| {
        Ok(Some(match kind {
            EntryKind::Database => PathBuf::from(DATABASE),
            EntryKind::File(digest) => PathBuf::from(stored_path(digest)),
            // A plain file name, no folders: checked with the entry's name.
            EntryKind::Acme(name) => Path::new(ACME_DIR).join(name),
            EntryKind::Manifest | EntryKind::Seal => return Ok(None),
        }))
    })?;
    folder.place()?;
    Ok(checked)
}
