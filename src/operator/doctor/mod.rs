//! `confab doctor --data DIR`: checks a data folder and the machine it is served from, and
//! explains each finding with its fix. It reads the same flags and `CONFAB_*` variables as
//! `serve`, so it checks what the server would do:
//!
//! - [`folder`]: the folder's owner and modes, and the disk's free space;
//! - [`database`]: redb's integrity check, the schema version, the journal (only while no
//!   server has the database open: a running server is asked for its status instead);
//! - [`network`]: the listen addresses, and with `--domain` its DNS, the certificate and its
//!   days left, and the ACME account; with `--tls-cert` the certificate's days left.
//!
//! It changes nothing beyond what opening the database with redb's check does (a repair, as
//! at any start), and exits non-zero when a finding is a problem.

mod database;
mod folder;
mod network;

use std::fmt::Write;
use std::io;
use std::path::Path;
use std::time::Duration;

use super::actions::AdminRequest;
use super::control;
use crate::config::ServeArgs;

/// How long a running server gets to answer on its control socket.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// Worth knowing; nothing to do.
    Note,
    /// Works now, but will not for long, or is unsafe.
    Warning,
    /// Something is wrong: the server will fail, or has.
    Problem,
}

/// One thing checked, what was found, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// What was checked: `data folder`, `free disk`, `database`.
    pub topic: &'static str,
    pub said: String,
    pub fix: Option<String>,
}

impl Finding {
    fn ok(topic: &'static str, said: impl Into<String>) -> Finding {
        Finding {
            level: Level::Ok,
            topic,
            said: said.into(),
            fix: None,
        }
    }

    fn note(topic: &'static str, said: impl Into<String>) -> Finding {
        Finding {
            level: Level::Note,
            ..Finding::ok(topic, said)
        }
    }

    fn warning(topic: &'static str, said: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            level: Level::Warning,
            fix: Some(fix.into()),
            ..Finding::ok(topic, said)
        }
    }

    fn problem(topic: &'static str, said: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            level: Level::Problem,
            fix: Some(fix.into()),
            ..Finding::ok(topic, said)
        }
    }
}

/// Space on a file system, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    /// Available to the server's user.
    pub free: u64,
    pub total: u64,
}

/// What doctor asks the machine beyond files, so a test can stand in for a full disk.
pub struct Machine {
    pub space: fn(&Path) -> io::Result<Space>,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            space: folder::space_of,
        }
    }
}

/// Every finding, in the order checked.
pub async fn examine(config: &ServeArgs, machine: &Machine) -> Vec<Finding> {
    let dir = &config.data.dir;
    let mut findings = folder::check(dir);
    if findings
        .iter()
        .any(|f| f.topic == "data folder" && f.level == Level::Problem)
        && !dir.is_dir()
    {
        return findings;
    }
    findings.push(folder::disk(dir, machine));
    // A running server holds the database: it is asked, and its own ports are its own.
    let asked = tokio::time::timeout(ASK_TIMEOUT, control::request(dir, &AdminRequest::Status));
    let running = match asked.await {
        Ok(Ok(reply)) if reply.ok => Some(reply.output),
        _ => None,
    };
    match &running {
        Some(status) => {
            let first = status.lines().next().unwrap_or_default().to_owned();
            findings.push(Finding::note(
                "server",
                format!("a server is running on this folder: {first}"),
            ));
            findings.push(Finding::note(
                "database",
                "open in the running server, so its integrity was not checked; stop the server and run doctor again to check it",
            ));
        }
        None => findings.extend(database::check(dir).await),
    }
    findings.extend(network::listen(config, running.is_some()).await);
    findings.extend(network::tls(config).await);
    findings
}

/// How many findings are problems.
pub fn problems(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.level == Level::Problem)
        .count()
}

/// The findings as the terminal shows them, one block each, then a summary line.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let mark = match finding.level {
            Level::Ok => "ok     ",
            Level::Note => "note   ",
            Level::Warning => "WARNING",
            Level::Problem => "PROBLEM",
        };
        let _ = writeln!(out, "{mark}  {}: {}", finding.topic, finding.said);
        if let Some(fix) = &finding.fix {
            let _ = writeln!(out, "         fix: {fix}");
        }
    }
    let warnings = findings
        .iter()
        .filter(|f| f.level == Level::Warning)
        .count();
    let _ = match (problems(findings), warnings) {
        (0, 0) => writeln!(out, "\nall good"),
        (0, w) => writeln!(out, "\nno problems; {w} warning(s)"),
        (p, w) => writeln!(out, "\n{p} problem(s), {w} warning(s)"),
    };
    out
}
