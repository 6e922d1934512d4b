//! The command line: every flag also readable from a `CONFAB_*` environment variable.
//! Parsed once in `main`, validated, then passed down by value.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::auth::AuthSettings;
use crate::chat::ChatSettings;
use crate::ratelimit::Rate;

/// Version and git revision, e.g. `0.1.0 (3f2a1b9)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CONFAB_GIT_REVISION"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "confab",
    version = VERSION,
    about = "A self-hosted chat server in one file.",
    long_about = "A self-hosted chat server in one file.\n\nWith no subcommand, confab serves the chat (the same as `confab serve`).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the chat (the default).
    Serve(ServeArgs),
    /// Manage accounts (works while the server runs).
    User {
        #[command(subcommand)]
        action: UserCommand,
        /// Data folder of the server (the one given to `confab serve --data`).
        #[arg(
            long = "data",
            env = "CONFAB_DATA",
            default_value = "confab-data",
            value_name = "DIR",
            global = true
        )]
        data: PathBuf,
    },
    /// Write a consistent copy of the database to FILE (works while the server runs).
    Backup {
        /// Where to write the copy; replaced if it exists.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Exit 0 when the server answers /healthz, 1 otherwise.
    Healthcheck {
        /// URL to check; by default derived from --listen.
        #[arg(long, env = "CONFAB_HEALTHCHECK_URL")]
        url: Option<String>,
        #[arg(long, env = "CONFAB_LISTEN", default_value = DEFAULT_LISTEN)]
        listen: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (even when sign-up is closed).
    Add {
        name: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Set a new password and end the account's sessions.
    ResetPassword {
        name: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable { name: String },
    /// Enable a disabled account again.
    Enable { name: String },
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data folder: the database (confab.redb) lives here; created if missing.
    #[arg(
        long = "data",
        env = "CONFAB_DATA",
        default_value = "confab-data",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to serve on.
    #[arg(long, env = "CONFAB_LISTEN", default_value = DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: String,

    #[command(flatten)]
    pub data: DataArgs,

    /// Log format on standard error.
    #[arg(long, env = "CONFAB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Whether anyone may create an account (`confab user add` always can).
    #[arg(long, env = "CONFAB_OPEN_SIGNUP", default_value_t = true, action = ArgAction::Set, value_name = "true|false")]
    pub open_signup: bool,

    #[command(flatten)]
    pub limits: Limits,
}

/// Rate limits and resource bounds. Each rate is BURST/INTERVAL: BURST actions at once, then one
/// more every INTERVAL (e.g. 5/60s, 20/200ms).
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[command(next_help_heading = "Limits")]
pub struct Limits {
    /// Sign-in attempts per account.
    #[arg(
        long,
        env = "CONFAB_SIGNIN_ACCOUNT_RATE",
        default_value = "5/60s",
        value_name = "RATE"
    )]
    pub signin_account_rate: Rate,
    /// Sign-in attempts per client IP address.
    #[arg(
        long,
        env = "CONFAB_SIGNIN_IP_RATE",
        default_value = "10/18s",
        value_name = "RATE"
    )]
    pub signin_ip_rate: Rate,
    /// Sign-ups per client IP address.
    #[arg(
        long,
        env = "CONFAB_SIGNUP_IP_RATE",
        default_value = "10/60s",
        value_name = "RATE"
    )]
    pub signup_ip_rate: Rate,
    /// `send` frames per WebSocket.
    #[arg(
        long,
        env = "CONFAB_WS_SEND_RATE",
        default_value = "20/200ms",
        value_name = "RATE"
    )]
    pub ws_send_rate: Rate,
    /// Frames of any kind per WebSocket.
    #[arg(
        long,
        env = "CONFAB_WS_FRAME_RATE",
        default_value = "100/20ms",
        value_name = "RATE"
    )]
    pub ws_frame_rate: Rate,
    /// Outgoing bytes queued per WebSocket before a slow client is disconnected (it resumes).
    #[arg(long, env = "CONFAB_WS_QUEUE_BYTES", default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub ws_queue_bytes: usize,
    /// Password hashes computed at once (each takes ~19 MiB); 0 means one per CPU core.
    #[arg(
        long,
        env = "CONFAB_MAX_CONCURRENT_HASHES",
        default_value_t = 0,
        value_name = "N"
    )]
    pub max_concurrent_hashes: usize,
}

impl ServeArgs {
    /// Settings of the auth layer.
    pub fn auth_settings(&self) -> AuthSettings {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        AuthSettings {
            open_signup: self.open_signup,
            signin_per_account: self.limits.signin_account_rate,
            signin_per_ip: self.limits.signin_ip_rate,
            signup_per_ip: self.limits.signup_ip_rate,
            max_concurrent_hashes: match self.limits.max_concurrent_hashes {
                0 => cores,
                n => n,
            },
        }
    }

    /// Settings of the chat layer.
    pub fn chat_settings(&self) -> ChatSettings {
        ChatSettings {
            queue_bytes: self.limits.ws_queue_bytes.max(64 * 1024),
            send_rate: self.limits.ws_send_rate,
            frame_rate: self.limits.ws_frame_rate,
        }
    }
}

/// Defaults that tests and the benchmark start from.
impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            listen: DEFAULT_LISTEN.into(),
            data: DataArgs {
                dir: "confab-data".into(),
            },
            log_format: LogFormat::Text,
            open_signup: true,
            limits: Limits {
                signin_account_rate: Rate::new(5, Duration::from_secs(60)),
                signin_ip_rate: Rate::new(10, Duration::from_secs(18)),
                signup_ip_rate: Rate::new(10, Duration::from_secs(60)),
                ws_send_rate: Rate::new(20, Duration::from_millis(200)),
                ws_frame_rate: Rate::new(100, Duration::from_millis(20)),
                ws_queue_bytes: 1024 * 1024,
                max_concurrent_hashes: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_the_spec() {
        let cli = Cli::try_parse_from(["confab"]).unwrap();
        assert!(cli.command.is_none());
        let defaults = ServeArgs::default();
        assert_eq!(cli.serve.listen, defaults.listen);
        assert_eq!(cli.serve.data.dir, defaults.data.dir);
        assert!(cli.serve.open_signup);
        assert_eq!(cli.serve.limits, defaults.limits);
    }

    #[test]
    fn flags_without_a_subcommand_serve() {
        let cli =
            Cli::try_parse_from(["confab", "--listen", "0.0.0.0:80", "--open-signup", "false"])
                .unwrap();
        assert_eq!(cli.serve.listen, "0.0.0.0:80");
        assert!(!cli.serve.open_signup);
    }

    #[test]
    fn admin_subcommands_take_the_data_folder() {
        let cli =
            Cli::try_parse_from(["confab", "user", "add", "alice", "--data", "/tmp/x"]).unwrap();
        match cli.command {
            Some(Command::User {
                action:
                    UserCommand::Add {
                        name,
                        password_stdin,
                    },
                data,
            }) => {
                assert_eq!(name, "alice");
                assert!(!password_stdin);
                assert_eq!(data, PathBuf::from("/tmp/x"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["confab", "backup"]).is_err());
    }

    #[test]
    fn bad_rate_is_refused() {
        assert!(Cli::try_parse_from(["confab", "--ws-send-rate", "fast"]).is_err());
    }
}
