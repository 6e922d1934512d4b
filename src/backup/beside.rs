//! Writing a file that takes the place of another only once it is complete: scratch files are
//! made beside it under names of their own (readable by their owner only, so two writers never
//! share one), and the finished file is renamed to its name and its folder synced. A failure
//! leaves the old file as it was and no scratch behind.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Where a file is being written.
pub struct Beside {
    folder: PathBuf,
    name: String,
    dest: PathBuf,
}

impl Beside {
    pub fn of(dest: &Path) -> io::Result<Beside> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::other("it names a folder, not a file"))?
            .to_string_lossy()
            .into_owned();
        let folder = match dest.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
            _ => PathBuf::from("."),
        };
        Ok(Beside {
            folder,
            name,
            dest: dest.to_owned(),
        })
    }

    /// A new scratch file, `.NAME.RANDOM.SUFFIX`, removed when dropped.
    pub fn scratch(&self, suffix: &str) -> io::Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix(&format!(".{}.", self.name))
            .suffix(suffix)
            .tempfile_in(&self.folder)
    }

    /// Gives the finished file its name (after the caller synced it) and syncs the folder.
    pub fn finish(&self, done: NamedTempFile) -> io::Result<()> {
        done.persist(&self.dest).map_err(|err| err.error)?;
        File::open(&self.folder)?.sync_all()
    }
}
