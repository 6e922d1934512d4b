//! The operator's actions: `confab user …`, `confab backup` and `confab export`, as one request type and one
//! function that carries it out. The same code runs in the command's own process (no server
//! running) and inside the server (over its control socket), where ending a session also
//! closes its open sockets.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::control::Operated;
use crate::access::Administrator;
use crate::auth::AccountAction;
use crate::backup;
use crate::export::{self, Scope};
use crate::store::User;

/// One operator command, as sent over the control socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum AdminRequest {
    UserAdd {
        name: String,
        password: String,
        /// An admin from the start (the server's first account is one anyway).
        #[serde(default)]
        admin: bool,
    },
    /// Make an account an admin (`true`) or no longer one.
    UserAdmin {
        name: String,
        admin: bool,
    },
    UserList,
    UserResetPassword {
        name: String,
        password: String,
    },
    /// A one-time sign-in link; `base_url` is the server's address as people reach it (the
    /// running server fills in its own when the command gives none).
    UserResetLink {
        name: String,
        base_url: Option<String>,
    },
    UserDisable {
        name: String,
    },
    UserEnable {
        name: String,
    },
    Backup {
        path: PathBuf,
    },
    /// An export of one room or of the whole server.
    Export {
        scope: Scope,
        path: PathBuf,
    },
    /// Counters of the running server, as JSON (`{"durable_commits": N, "events_dropped":
    /// {CONSUMER: N}, "pushes": {"queued", "sent", "failed", "dropped", "gone"}}`), for
    /// `confab bench`.
    Stats,
    /// What the running server says of itself: version, uptime, sockets, rooms, last commit.
    Status,
}

/// The address a sign-in link names when nobody said where the server is: the default of
/// `confab serve`.
pub(super) const FALLBACK_URL: &str = "http://127.0.0.1:8080";

/// What the command printed, and whether it succeeded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminReply {
    pub ok: bool,
    pub output: String,
}

impl AdminReply {
    pub fn ok(output: impl Into<String>) -> Self {
        AdminReply {
            ok: true,
            output: output.into(),
        }
    }

    pub fn failed(output: impl Into<String>) -> Self {
        AdminReply {
            ok: false,
            output: output.into(),
        }
    }
}

/// Runs a command. Inside a running server, `auth` publishes on the server's event stream, so
/// ended sessions lose their open sockets at once.
pub async fn execute(operated: &Operated, request: AdminRequest) -> AdminReply {
    let Operated {
        store,
        auth,
        events,
        push,
        clock,
        ..
    } = operated;
    // Whoever reaches this function is at the server's machine: the command's own process, or
    // the control socket, which only the server's user may open.
    let by = Administrator::operator();
    match request {
        AdminRequest::Stats => {
            let dropped: serde_json::Map<String, serde_json::Value> = events
                .dropped()
                .into_iter()
                .map(|d| (d.consumer.to_owned(), d.events.into()))
                .collect();
            let pushes = push.as_ref().map(|push| {
                let [queued, sent, failed, dropped, gone] = push.counted();
                serde_json::json!({"queued": queued, "sent": sent, "failed": failed,
                    "dropped": dropped, "gone": gone})
            });
            AdminReply::ok(
                serde_json::json!({
                    "durable_commits": store.durable_commits(),
                    "events_dropped": dropped,
                    "pushes": pushes,
                })
                .to_string(),
            )
        }
        AdminRequest::Status => match &operated.server {
            Some(state) => AdminReply::ok(super::status::describe(state, clock.now_ms())),
            None => AdminReply::failed(format!(
                "no confab server is running on {}; start it, or pass --data DIR",
                operated.data_dir.display()
            )),
        },
        AdminRequest::UserAdd {
            name,
            password,
            admin,
        } => match auth.add_user(&by, &name, &password, admin).await {
            Ok(user) if user.admin => AdminReply::ok(format!(
                "created user {} (id {}), an admin",
                user.username, user.id
            )),
            Ok(user) => AdminReply::ok(format!("created user {} (id {})", user.username, user.id)),
            Err(err) => AdminReply::failed(format!("cannot create user {name}: {err}")),
        },
        AdminRequest::UserAdmin { name, admin } => {
            let action = if admin {
                AccountAction::Promote
            } else {
                AccountAction::Demote
            };
            match auth.administer(&by, &name, action).await {
                Ok(done) if done.changed && admin => AdminReply::ok(format!("{name} is an admin")),
                Ok(done) if done.changed => AdminReply::ok(format!("{name} is no longer an admin")),
                Ok(_) if admin => AdminReply::ok(format!("{name} is an admin already")),
                Ok(_) => AdminReply::ok(format!("{name} was not an admin")),
                Err(err) if admin => AdminReply::failed(format!("cannot promote {name}: {err}")),
                Err(err) => AdminReply::failed(format!("cannot demote {name}: {err}")),
            }
        }
        AdminRequest::UserList => match auth.list_users().await {
            Ok(users) => AdminReply::ok(user_table(&users)),
            Err(err) => AdminReply::failed(format!("cannot list users: {err}")),
        },
        AdminRequest::UserResetPassword { name, password } => {
            match auth.reset_password(&by, &name, &password).await {
                Ok(done) => AdminReply::ok(format!(
                    "password of {name} changed; {} session(s) ended",
                    done.ended.len()
                )),
                Err(err) => {
                    AdminReply::failed(format!("cannot reset the password of {name}: {err}"))
                }
            }
        }
        AdminRequest::UserResetLink { name, base_url } => {
            match auth.sign_in_link(&by, &name).await {
                Ok(link) => {
                    let base = base_url.as_deref().unwrap_or(FALLBACK_URL);
                    AdminReply::ok(format!(
                        "sign-in link for {} (works once, until {} UTC):\n{}/reset/{}",
                        link.user.username,
                        format_utc(link.expires_at),
                        base.trim_end_matches('/'),
                        link.token
                    ))
                }
                Err(err) => AdminReply::failed(format!("cannot make a link for {name}: {err}")),
            }
        }
        AdminRequest::UserDisable { name } => {
            match auth.administer(&by, &name, AccountAction::Disable).await {
                Ok(done) if done.changed => AdminReply::ok(format!(
                    "disabled {name}; {} session(s) ended",
                    done.ended.len()
                )),
                Ok(_) => AdminReply::ok(format!("{name} was disabled already")),
                Err(err) => AdminReply::failed(format!("cannot disable {name}: {err}")),
            }
        }
        AdminRequest::UserEnable { name } => {
            match auth.administer(&by, &name, AccountAction::Enable).await {
                Ok(done) if done.changed => AdminReply::ok(format!("enabled {name}")),
                Ok(_) => AdminReply::ok(format!("{name} was not disabled")),
                Err(err) => AdminReply::failed(format!("cannot enable {name}: {err}")),
            }
        }
        AdminRequest::Backup { path } => {
            // Taken before the snapshot: no file it names is removed until the copy is done.
            let _hold = match &operated.files {
                Some(files) => Some(files.hold_removals().await),
                None => None,
            };
            let store = Arc::clone(store);
            let data_dir = operated.data_dir.clone();
            let dest = path.clone();
            let now_ms = operated.clock.now_ms();
            let started = std::time::Instant::now();
            let written = tokio::task::spawn_blocking(move || {
                backup::write(&store, &data_dir, &dest, now_ms)
            })
            .await;
            match written {
                Ok(Ok(written)) => AdminReply::ok(format!(
                    "backup written to {} in {:.1} s: {}",
                    path.display(),
                    started.elapsed().as_secs_f64(),
                    backup::describe(&written.census, written.bytes)
                )),
                Ok(Err(err)) => {
                    AdminReply::failed(format!("backup to {} failed: {err}", path.display()))
                }
                Err(err) => AdminReply::failed(format!("backup failed: {err}")),
            }
        }
        AdminRequest::Export { scope, path } => {
            // Taken before the snapshot: no file it names is removed until the copy is done.
            let _hold = match &operated.files {
                Some(files) => Some(files.hold_removals().await),
                None => None,
            };
            let store = Arc::clone(store);
            let data_dir = operated.data_dir.clone();
            let dest = path.clone();
            let now_ms = operated.clock.now_ms();
            let started = std::time::Instant::now();
            let written = tokio::task::spawn_blocking(move || {
                export::write(&store, &data_dir, &scope, &dest, now_ms)
            })
            .await;
            match written {
                Ok(Ok(written)) => AdminReply::ok(format!(
                    "export written to {} in {:.1} s: {}",
                    path.display(),
                    started.elapsed().as_secs_f64(),
                    export::describe(&written.counts, written.bytes)
                )),
                Ok(Err(err)) => {
                    AdminReply::failed(format!("export to {} failed: {err}", path.display()))
                }
                Err(err) => AdminReply::failed(format!("export failed: {err}")),
            }
        }
    }
}

fn user_table(users: &[User]) -> String {
    if users.is_empty() {
        return "no users yet".into();
    }
    let mut out = format!(
        "{:>6}  {:<32}  {:<16}  {:<8}  {}\n",
        "ID", "USERNAME", "CREATED (UTC)", "STATUS", "ROLE"
    );
    for user in users {
        out.push_str(&format!(
            "{:>6}  {:<32}  {:<16}  {:<8}  {}\n",
            user.id,
            user.username,
            format_utc(user.created_at),
            if user.disabled { "disabled" } else { "active" },
            if user.admin { "admin" } else { "member" }
        ));
    }
    out.pop();
    out
}

/// `YYYY-MM-DD HH:MM` in UTC, from Unix milliseconds.
pub fn format_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let (hour, minute) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(format_utc(1_796_014_260_000), "2026-11-30 04:51");
    }

    #[test]
    fn requests_round_trip_as_json() {
        let request = AdminRequest::UserAdd {
            name: "alice".into(),
            password: "secret pw".into(),
            admin: true,
        };
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.contains(r#""command":"user_add""#));
        assert!(matches!(
            serde_json::from_str::<AdminRequest>(&json).unwrap(),
            AdminRequest::UserAdd { admin: true, .. }
        ));
    }
}
