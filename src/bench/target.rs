//! The server under test: a child `confab serve` on a loopback port with a temporary data
//! folder (so its memory can be measured on its own), or a running server at `--url`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::cpu::{CpuTimes, cpu_times};

/// Limits for a benchmark run: high enough that the load generator, all on 127.0.0.1, is not
/// throttled. Raised through flags, like any operator would.
const RAISED_LIMITS: &[&str] = &[
    "--signin-account-rate",
    "1000000/1ms",
    "--signin-ip-rate",
    "1000000/1ms",
    "--signup-ip-rate",
    "1000000/1ms",
    "--ws-send-rate",
    "1000000/1ms",
    "--ws-frame-rate",
    "1000000/1ms",
];

pub struct Target {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    child: Option<Child>,
    data: Option<tempfile::TempDir>,
    port: u16,
    /// The CPU a spawned server is pinned to.
    pin: Option<usize>,
}

impl Target {
    /// Starts `confab serve` (this same binary) with a fresh data folder, pinned to CPU `pin`
    /// when given.
    pub async fn spawn(pin: Option<usize>) -> anyhow::Result<Target> {
        let data = tempfile::TempDir::new().context("cannot create a temporary data folder")?;
        let (child, base, port) = start(&data.path().to_path_buf(), None, pin).await?;
        Ok(Target {
            base,
            child: Some(child),
            data: Some(data),
            port,
            pin,
        })
    }

    /// A server someone else runs.
    pub fn external(url: &str) -> anyhow::Result<Target> {
        let base = url.trim_end_matches('/').to_owned();
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .context("--url must be http://HOST:PORT")?;
        if !base.starts_with("http://") {
            bail!("--url must be an http:// URL");
        }
        Ok(Target {
            base,
            child: None,
            data: None,
            port,
            pin: None,
        })
    }

    /// The data folder of a spawned server.
    pub fn data_path(&self) -> Option<PathBuf> {
        self.data.as_ref().map(|data| data.path().to_path_buf())
    }

    pub fn is_spawned(&self) -> bool {
        self.child.is_some()
    }

    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    /// Resident memory of the server process in bytes (spawned servers only).
    pub fn rss(&self) -> Option<u64> {
        (self.rss_reader())()
    }

    /// Reads the server's resident memory on demand, from any task.
    pub fn rss_reader(&self) -> impl Fn() -> Option<u64> + Send + 'static {
        let pid = self.child.as_ref().and_then(Child::id);
        move || rss_of(pid?)
    }

    /// Reads the server's CPU times on demand (spawned servers only).
    pub fn cpu_reader(&self) -> impl Fn() -> Option<CpuTimes> + Send + 'static {
        let pid = self.child.as_ref().and_then(Child::id);
        move || cpu_times(pid?)
    }

    /// Durable commits the spawned server has made so far, asked over its control socket
    /// (None for a server at `--url`, or when it does not answer).
    pub async fn durable_commits(&self) -> Option<u64> {
        let data = self.data.as_ref()?;
        let request = crate::operator::actions::AdminRequest::Stats;
        let reply = crate::operator::control::request(data.path(), &request)
            .await
            .ok()?;
        let stats: serde_json::Value = serde_json::from_str(&reply.output).ok()?;
        stats["durable_commits"].as_u64()
    }

    /// Kills the server without warning (SIGKILL), as a crash or power cut would.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(child) = self.child.as_mut() {
            child.kill().await.context("cannot kill the server")?;
        }
        Ok(())
    }

    /// Starts the server again on the same port and data folder.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let data = self
            .data
            .as_ref()
            .context("only a spawned server can restart")?;
        let (child, _, _) = start(&data.path().to_path_buf(), Some(self.port), self.pin).await?;
        self.child = Some(child);
        Ok(())
    }

    /// Stops the server gracefully.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                // SAFETY: sending a signal to our own child process.
                unsafe { libc::kill(pid as i32, libc::SIGTERM) };
            }
            let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
        }
    }
}

fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

async fn start(
    data: &PathBuf,
    port: Option<u16>,
    pin: Option<usize>,
) -> anyhow::Result<(Child, String, u16)> {
    let exe = std::env::current_exe().context("cannot find this program's own binary")?;
    let listen = format!("127.0.0.1:{}", port.unwrap_or(0));
    let mut command = Command::new(exe);
    command
        .args(["serve", "--listen", &listen, "--data"])
        .arg(data)
        .args(RAISED_LIMITS)
        // The push scenario's push service listens on loopback.
        .arg("--allow-private-endpoints")
        .env("CONFAB_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(cpu) = pin {
        // SAFETY: between fork and exec only `sched_setaffinity` runs (no allocation, no
        // locks); every thread the server then starts inherits the mask.
        unsafe {
            command.pre_exec(move || super::cpu::pin_current_thread(cpu));
        }
    }
    let mut child = command.spawn().context("cannot start confab serve")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .context("the server did not start within 30 s")??
        .context("the server exited at start")?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .with_context(|| format!("no URL in {line:?}"))?;
    let base = url.trim_end_matches('/').to_owned();
    let port = base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .context("no port")?;
    Ok((child, base, port))
}

/// Raises this process's open-files limit to its hard limit (children inherit it): ten
/// thousand sockets need twenty thousand descriptors on one machine.
pub fn raise_open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    limit.rlim_cur
}
