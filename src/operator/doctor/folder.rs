//! The data folder: it exists, belongs to the user the server runs as, and is not open to
//! others (it holds password hashes, session keys and certificates); and the disk under it has
//! room.

use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::{Finding, Machine, Space};
use crate::store::{DB_FILE, JOURNAL_FILE};

const FOLDER: &str = "data folder";
const DISK: &str = "free disk";

/// Below this free, or this share of the disk, the disk is full for all purposes.
const FULL_BYTES: u64 = 64 * 1024 * 1024;
/// Below this free, or a tenth of the disk, it is time to act.
const LOW_BYTES: u64 = 1024 * 1024 * 1024;

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

pub(super) fn check(dir: &Path) -> Vec<Finding> {
    let shown = dir.display();
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return vec![Finding::problem(
                FOLDER,
                format!("{shown} does not exist"),
                format!(
                    "pass the folder the server uses (--data DIR or CONFAB_DATA), or start `confab serve --data {shown}` once to make it"
                ),
            )];
        }
        Err(err) => {
            return vec![Finding::problem(
                FOLDER,
                format!("{shown} cannot be read: {err}"),
                "run doctor as the user the server runs as",
            )];
        }
    };
    if !meta.is_dir() {
        return vec![Finding::problem(
            FOLDER,
            format!("{shown} is not a folder"),
            "pass the data folder itself with --data DIR",
        )];
    }
    let mut findings = Vec::new();
    let me = euid();
    if meta.uid() != me {
        findings.push(Finding::problem(
            FOLDER,
            format!(
                "{shown} belongs to uid {}, but this runs as uid {me}: the server, run as this user, cannot keep its data there",
                meta.uid()
            ),
            format!("chown -R {me} {shown} (or run confab as the folder's owner)"),
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o002 != 0 {
        findings.push(Finding::problem(
            FOLDER,
            format!("{shown} is writable by everyone (mode {mode:o}): anyone on this machine can replace the database"),
            format!("chmod 700 {shown}"),
        ));
    } else if mode & 0o077 != 0 {
        findings.push(Finding::warning(
            FOLDER,
            format!(
                "{shown} is open to other users (mode {mode:o}); it holds password hashes and keys"
            ),
            format!("chmod 700 {shown}"),
        ));
    }
    for name in [DB_FILE, JOURNAL_FILE] {
        let path = dir.join(name);
        let Ok(file) = std::fs::metadata(&path) else {
            continue;
        };
        let file_mode = file.permissions().mode() & 0o777;
        if file.uid() != me {
            findings.push(Finding::problem(
                FOLDER,
                format!(
                    "{} belongs to uid {}, not to uid {me} who runs this",
                    path.display(),
                    file.uid()
                ),
                format!("chown {me} {}", path.display()),
            ));
        } else if file_mode & 0o077 != 0 {
            findings.push(Finding::warning(
                FOLDER,
                format!(
                    "{} is open to other users (mode {file_mode:o})",
                    path.display()
                ),
                format!(
                    "chmod 600 {} (the server sets this at each start)",
                    path.display()
                ),
            ));
        }
    }
    if findings.is_empty() {
        findings.push(Finding::ok(
            FOLDER,
            format!("{shown}, owned by uid {me}, mode {mode:o}"),
        ));
    }
    findings
}

/// Space on the file system holding `path` (`statvfs`).
pub(super) fn space_of(path: &Path) -> io::Result<Space> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in the path"))?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `stat` a writable statvfs.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let block = stat.f_frsize as u64;
    Ok(Space {
        free: stat.f_bavail as u64 * block,
        total: stat.f_blocks as u64 * block,
    })
}

fn mib(bytes: u64) -> String {
    if bytes >= 10 * 1024 * 1024 * 1024 {
        format!("{} GiB", bytes / (1024 * 1024 * 1024))
    } else {
        format!("{} MiB", bytes / (1024 * 1024))
    }
}

pub(super) fn disk(dir: &Path, machine: &Machine) -> Finding {
    let space = match (machine.space)(dir) {
        Ok(space) => space,
        Err(err) => {
            return Finding::warning(DISK, format!("cannot tell: {err}"), "check with df -h");
        }
    };
    judge(space)
}

/// What a disk's free space means for the server.
fn judge(Space { free, total }: Space) -> Finding {
    let share = (free.saturating_mul(100)).checked_div(total).unwrap_or(0);
    let said = format!("{} free of {} ({share}%)", mib(free), mib(total));
    if free < FULL_BYTES || share < 1 {
        Finding::problem(
            DISK,
            format!("{said}: the disk is full; messages cannot be stored and are refused"),
            "free space on the disk, or move the data folder to a bigger one (confab backup, then confab restore there)",
        )
    } else if free < LOW_BYTES || share < 10 {
        Finding::warning(
            DISK,
            format!("{said}: running low"),
            "free space on the disk before it fills; uploads are the first to grow (--user-quota)",
        )
    } else {
        Finding::ok(DISK, said)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::doctor::Level;

    #[test]
    fn a_disk_is_full_low_or_fine() {
        const GIB: u64 = 1024 * 1024 * 1024;
        let level = |free, total| judge(Space { free, total }).level;
        assert_eq!(level(10 * 1024 * 1024, 100 * GIB), Level::Problem);
        assert_eq!(level(GIB / 2, 100 * GIB), Level::Problem, "half a percent");
        assert_eq!(level(GIB / 2, 4 * GIB), Level::Warning);
        assert_eq!(level(5 * GIB, 100 * GIB), Level::Warning);
        assert_eq!(level(50 * GIB, 100 * GIB), Level::Ok);
        assert_eq!(level(0, 0), Level::Problem);
    }
}
