//! The database and the journal, checked while no server has them open.

use std::path::{Path, PathBuf};

use super::Finding;
use crate::store::{self, DB_FILE, JOURNAL_FILE, SCHEMA_VERSION, StoreError};

const DATABASE: &str = "database";
const SCHEMA: &str = "schema";
const JOURNAL: &str = "journal";

pub(super) async fn check(dir: &Path) -> Vec<Finding> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || check_files(&dir))
        .await
        .unwrap_or_else(|_| {
            vec![Finding::problem(
                DATABASE,
                "the check itself failed",
                "run doctor again; if it fails again, restore the last backup",
            )]
        })
}

fn restore_fix(dir: &Path) -> String {
    format!(
        "stop the server, then restore the last good backup into a new folder (confab backup --verify FILE; confab restore FILE --data NEWDIR) and serve from it; keep {} for later",
        dir.display()
    )
}

fn check_files(dir: &Path) -> Vec<Finding> {
    let path: PathBuf = dir.join(DB_FILE);
    if !path.exists() {
        return vec![Finding::note(
            DATABASE,
            format!("none yet in {}: the first start makes it", dir.display()),
        )];
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut findings = Vec::new();
    match store::check_database(&path) {
        Ok(checked) => {
            findings.push(Finding::ok(
                DATABASE,
                format!(
                    "{} passed redb's integrity check ({} MiB)",
                    path.display(),
                    size.div_ceil(1024 * 1024)
                ),
            ));
            findings.push(schema(checked.schema));
        }
        Err(StoreError::AlreadyOpen) => findings.push(Finding::note(
            DATABASE,
            "open in another process (a server starting or stopping?); not checked",
        )),
        Err(err) => findings.push(Finding::problem(
            DATABASE,
            format!("{} cannot be read: {err}", path.display()),
            restore_fix(dir),
        )),
    }
    findings.push(journal(&dir.join(JOURNAL_FILE)));
    findings
}

fn schema(found: Option<u64>) -> Finding {
    match found {
        None => Finding::note(SCHEMA, "not set yet: the next start writes it"),
        Some(version) if version == SCHEMA_VERSION => {
            Finding::ok(SCHEMA, format!("version {version}, this confab's"))
        }
        Some(version) if version < SCHEMA_VERSION => Finding::note(
            SCHEMA,
            format!(
                "version {version}: this confab brings it to {SCHEMA_VERSION} at its next start (take a backup first)"
            ),
        ),
        Some(version) => Finding::problem(
            SCHEMA,
            format!(
                "version {version}, written by a newer confab (this one knows {SCHEMA_VERSION}): this one will not start on it"
            ),
            "run the newer confab again, or restore a backup this version made",
        ),
    }
}

fn journal(path: &Path) -> Finding {
    if !path.exists() {
        return Finding::ok(JOURNAL, "none (made at the next start)");
    }
    match store::journal_messages(path) {
        Ok((_, 0)) => Finding::ok(JOURNAL, "empty: the database holds every message"),
        Ok((bytes, messages)) => Finding::note(
            JOURNAL,
            format!(
                "holds {messages} message(s) ({bytes} bytes) the database does not yet: the next start applies them"
            ),
        ),
        Err(err) => Finding::problem(
            JOURNAL,
            format!("{} cannot be read: {err}", path.display()),
            format!(
                "check the disk (dmesg); moving {} aside lets the server start, losing at most its last second of messages",
                path.display()
            ),
        ),
    }
}
