//! The control socket: a Unix socket in the data folder (`control.sock`, mode 0600) through
//! which `confab user …` and `confab backup` reach a running server, since redb lets only one
//! process open the database. One JSON request line in, one JSON reply line out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::actions::{AdminReply, AdminRequest, execute};
use crate::auth::Auth;
use crate::clock::SharedClock;
use crate::events::Events;
use crate::files::Files;
use crate::push::Push;
use crate::store::Store;
use crate::web::AppState;

pub const SOCKET_FILE: &str = "control.sock";
/// Longest request line accepted.
const MAX_REQUEST: u64 = 64 * 1024;

/// The running control socket; [`ControlSocket::stop`] removes it.
pub struct ControlSocket {
    path: PathBuf,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl ControlSocket {
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What operator commands act on: the running server's own store, accounts, event stream and
/// files, or, with no server running, the same opened by the command itself.
pub struct Operated {
    pub store: Arc<Store>,
    pub auth: Arc<Auth>,
    pub events: Arc<Events>,
    pub clock: SharedClock,
    pub data_dir: PathBuf,
    /// The running server's files, whose removals a backup holds back; `None` when no server
    /// runs, so nothing removes files meanwhile.
    pub files: Option<Arc<Files>>,
    /// The running server's pushes, whose counts `stats` reports; `None` when no server runs.
    pub push: Option<Arc<Push>>,
    /// The server's address as people reach it, for the links it makes.
    pub origin: String,
    /// The running server, for `status`; `None` when no server runs.
    pub server: Option<Arc<AppState>>,
}

/// Starts listening on `<data>/control.sock`. Call this only after the database is open:
/// holding it proves no other server owns the folder, so a leftover socket file is stale.
pub fn serve(data_dir: &Path, server: Arc<Operated>) -> std::io::Result<ControlSocket> {
    let path = data_dir.join(SOCKET_FILE);
    let stop = CancellationToken::new();
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(listener) => listener,
        Err(err) => {
            tracing::warn!(error = %err, path = %path.display(),
                "no control socket: `confab user` and `confab backup` will not work while the server runs");
            return Ok(ControlSocket {
                path,
                stop,
                task: None,
            });
        }
    };
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let token = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                () = token.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let server = Arc::clone(&server);
                        tokio::spawn(async move {
                            if let Err(err) = answer(stream, &server).await {
                                tracing::warn!(error = %err, "control request failed");
                            }
                        });
                    }
                    Err(err) => tracing::warn!(error = %err, "control socket accept failed"),
                }
            }
        }
    });
    Ok(ControlSocket {
        path,
        stop,
        task: Some(task),
    })
}

async fn answer(stream: UnixStream, server: &Operated) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await?;
    let reply = match serde_json::from_str::<AdminRequest>(&line) {
        Ok(mut request) => {
            if let AdminRequest::UserResetLink { base_url, .. } = &mut request {
                base_url.get_or_insert_with(|| server.origin.clone());
            }
            execute(server, request).await
        }
        Err(err) => AdminReply {
            ok: false,
            output: format!("unreadable control request: {err}"),
        },
    };
    let mut out = serde_json::to_vec(&reply)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    Ok(())
}

/// Sends one request to the server that has `data_dir` open.
pub async fn request(data_dir: &Path, request: &AdminRequest) -> anyhow::Result<AdminReply> {
    let path = data_dir.join(SOCKET_FILE);
    let stream = UnixStream::connect(&path).await.with_context(|| {
        format!(
            "the database in {} is open in another process, and its control socket {} does not answer",
            data_dir.display(),
            path.display()
        )
    })?;
    let (read, mut write) = stream.into_split();
    let mut out = serde_json::to_vec(request)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    write.shutdown().await?;
    let mut line = String::new();
    BufReader::new(read)
        .read_line(&mut line)
        .await
        .context("no answer on the control socket")?;
    serde_json::from_str(&line).context("unreadable answer on the control socket")
}
