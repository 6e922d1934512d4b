//! `confab user …`, `confab backup`, `confab export` and `confab import` on the command line:
//! reads what the command needs (a password from a prompt or standard input), then runs the
//! action against the data folder directly when no server has it open, or sends it to the
//! running server over its control socket. A restore and an import make a new data folder, and
//! need no server.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::actions::{AdminRequest, FALLBACK_URL, execute, format_utc};
use super::control::{self, Operated};
use crate::auth::Auth;
use crate::backup;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{ServeArgs, UserCommand};
use crate::events::Events;
use crate::export::{self, Scope};
use crate::store::{self, Store, StoreError};

/// Reads a password: the first line of standard input, or a prompt on the terminal (twice,
/// to catch typos).
fn read_password(name: &str, from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(password);
    }
    let first = rpassword::prompt_password(format!("Password for {name}: "))
        .context("cannot read a password from the terminal; use --password-stdin")?;
    let second = rpassword::prompt_password("Repeat the password: ")
        .context("cannot read a password from the terminal; use --password-stdin")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// `confab user …` from the command line.
pub async fn user_command(action: UserCommand, data_dir: &Path) -> anyhow::Result<String> {
    let (request, create) = match action {
        UserCommand::Add {
            name,
            password_stdin,
            admin,
        } => {
            let password = read_password(&name, password_stdin)?;
            (
                AdminRequest::UserAdd {
                    name,
                    password,
                    admin,
                },
                true,
            )
        }
        UserCommand::Promote { name } => (AdminRequest::UserAdmin { name, admin: true }, false),
        UserCommand::Demote { name } => (AdminRequest::UserAdmin { name, admin: false }, false),
        UserCommand::List => (AdminRequest::UserList, false),
        UserCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let password = read_password(&name, password_stdin)?;
            (AdminRequest::UserResetPassword { name, password }, false)
        }
        UserCommand::ResetLink { name, url } => {
            let base_url = url.or_else(|| {
                std::env::var("CONFAB_DOMAIN")
                    .ok()
                    .and_then(|domains| domains.split(',').next().map(str::trim).map(str::to_owned))
                    .filter(|domain| !domain.is_empty())
                    .map(|domain| format!("https://{domain}"))
            });
            (AdminRequest::UserResetLink { name, base_url }, false)
        }
        UserCommand::Disable { name } => (AdminRequest::UserDisable { name }, false),
        UserCommand::Enable { name } => (AdminRequest::UserEnable { name }, false),
    };
    run(request, data_dir, create).await
}

/// `confab backup FILE` and `confab backup --verify FILE` from the command line.
pub async fn backup_command(file: &Path, verify: bool, data_dir: &Path) -> anyhow::Result<String> {
    let path =
        std::path::absolute(file).with_context(|| format!("cannot resolve {}", file.display()))?;
    if !verify {
        return run(AdminRequest::Backup { path }, data_dir, false).await;
    }
    let started = std::time::Instant::now();
    let checked = tokio::task::spawn_blocking(move || {
        // Its database is copied beside it (a container may have no temporary folder), or
        // into the temporary folder when that is read-only.
        let beside = path.parent().unwrap_or(Path::new(".")).to_owned();
        backup::verify(&path, &[&beside, &std::env::temp_dir()]).map(|checked| (path, checked))
    })
    .await??;
    let (path, checked) = checked;
    Ok(format!(
        "{} is sound (checked in {:.1} s): written by confab {} at {} UTC; {}",
        path.display(),
        started.elapsed().as_secs_f64(),
        checked.manifest.confab,
        format_utc(checked.manifest.created_ms),
        backup::describe(&checked.census, checked.bytes)
    ))
}

/// `confab restore FILE --data DIR` from the command line.
pub async fn restore_command(file: &Path, data_dir: &Path) -> anyhow::Result<String> {
    let (file, data_dir) = (file.to_owned(), data_dir.to_owned());
    let started = std::time::Instant::now();
    let (checked, file, data_dir) = tokio::task::spawn_blocking(move || {
        backup::restore(&file, &data_dir).map(|checked| (checked, file, data_dir))
    })
    .await??;
    Ok(format!(
        "restored {} into {} in {:.1} s: {}\nstart it with: confab --data {}",
        file.display(),
        data_dir.display(),
        started.elapsed().as_secs_f64(),
        backup::describe(&checked.census, checked.bytes),
        data_dir.display()
    ))
}

/// `confab export --room NAME FILE` and `confab export --all FILE` from the command line.
pub async fn export_command(file: &Path, scope: Scope, data_dir: &Path) -> anyhow::Result<String> {
    let path =
        std::path::absolute(file).with_context(|| format!("cannot resolve {}", file.display()))?;
    run(AdminRequest::Export { scope, path }, data_dir, false).await
}

/// `confab status --data DIR`: what the server running on the folder says of itself. Only a
/// running server is asked: the folder itself is never opened.
pub async fn status_command(data_dir: &Path) -> anyhow::Result<String> {
    match control::request(data_dir, &AdminRequest::Status).await {
        Ok(reply) if reply.ok => Ok(reply.output),
        Ok(reply) => bail!("{}", reply.output),
        Err(err) if refused(&err) => bail!(
            "the server on {} answers only the account it runs as; run this as that account",
            data_dir.display()
        ),
        Err(_) => bail!(
            "no confab server is running on {} (its control socket does not answer); start it, or pass --data DIR",
            data_dir.display()
        ),
    }
}

/// Whether the control socket (mode 0600) or its folder refused this account.
fn refused(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
    })
}

/// `confab import FILE --data DIR` from the command line.
pub async fn import_command(file: &Path, data_dir: &Path) -> anyhow::Result<String> {
    let (file, data_dir) = (file.to_owned(), data_dir.to_owned());
    let started = std::time::Instant::now();
    let imported = tokio::task::spawn_blocking(move || export::import(&file, &data_dir)).await??;
    Ok(format!(
        "imported into {} in {:.1} s: {}\nstart it with: confab --data {}",
        imported.data_dir.display(),
        started.elapsed().as_secs_f64(),
        export::describe(&imported.counts, imported.bytes),
        imported.data_dir.display()
    ))
}

async fn run(request: AdminRequest, data_dir: &Path, create: bool) -> anyhow::Result<String> {
    if !create && !data_dir.join(store::DB_FILE).exists() {
        bail!(
            "no confab database in {}; pass --data DIR",
            data_dir.display()
        );
    }
    if create {
        store::create_data_dir(data_dir)?;
    }
    let reply = match Store::open(data_dir) {
        Ok(store) => {
            let store = Arc::new(store);
            let clock: SharedClock = Arc::new(SystemClock);
            // No server, so no open socket for a change to concern.
            let events = Arc::new(Events::new(None));
            let auth = Arc::new(Auth::new(
                Arc::clone(&store),
                Arc::clone(&events),
                Arc::clone(&clock),
                &ServeArgs::default().auth_settings(),
            ));
            let operated = Operated {
                store,
                auth,
                events,
                clock,
                data_dir: data_dir.to_owned(),
                files: None,
                push: None,
                origin: FALLBACK_URL.to_owned(),
                server: None,
            };
            execute(&operated, request).await
        }
        // A server has the database open: ask it to run the command.
        Err(StoreError::AlreadyOpen) => control::request(data_dir, &request).await?,
        Err(err) => bail!(
            "cannot open data folder {}: {err}; pass --data DIR",
            data_dir.display()
        ),
    };
    if reply.ok {
        Ok(reply.output)
    } else {
        bail!("{}", reply.output)
    }
}
