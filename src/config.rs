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
    /// Measure this machine: connections, fan-out latency, throughput, sign-ins, durability.
    Bench(crate::bench::BenchArgs),
    /// Exit 0 when the server answers /healthz, 1 otherwise.
    Healthcheck {
        /// URL to check; by default derived from the same flags and variables as `serve`.
        #[arg(long, env = "CONFAB_HEALTHCHECK_URL")]
        url: Option<String>,
        #[command(flatten)]
        serve: ServeArgs,
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
    /// Print a one-time sign-in link, valid for an hour, that lets the person choose a new
    /// password (for someone locked out without recovery codes).
    ResetLink {
        name: String,
        /// The server's address as people reach it, e.g. https://chat.example.com [default:
        /// the running server's own; else https://DOMAIN from CONFAB_DOMAIN, or
        /// http://127.0.0.1:8080].
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable { name: String },
    /// Enable a disabled account again.
    Enable { name: String },
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Where HTTPS is served by default.
pub const DEFAULT_TLS_LISTEN: &str = "0.0.0.0:443";
/// Where the plain-HTTP redirect is served by default when HTTPS is on.
pub const DEFAULT_HTTP_LISTEN: &str = "0.0.0.0:80";

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
    /// Address to serve on [default: 127.0.0.1:8080, or 0.0.0.0:443 with HTTPS].
    #[arg(long, env = "CONFAB_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,

    /// With HTTPS: address of the plain-HTTP listener, which only redirects to HTTPS and
    /// answers /healthz [default: 0.0.0.0:80].
    #[arg(long, env = "CONFAB_HTTP_LISTEN", value_name = "ADDR")]
    pub http_listen: Option<String>,

    #[command(flatten)]
    pub data: DataArgs,

    /// Log format on standard error.
    #[arg(long, env = "CONFAB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Whether anyone may create an account (`confab user add` always can).
    #[arg(long, env = "CONFAB_OPEN_SIGNUP", default_value_t = true, action = ArgAction::Set, value_name = "true|false")]
    pub open_signup: bool,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub limits: Limits,

    /// Not a flag: the defaults suit every deployment; tests shorten them.
    #[arg(skip = HttpTimeouts::DEFAULT)]
    pub http_timeouts: HttpTimeouts,
}

/// How long a client may take to send a request, so connections that never finish one are
/// shed instead of holding a socket each (see `accept::HeadDeadline` and `web::security`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// A request head must arrive within this of the connection's start, or of the end of the
    /// previous response on a kept-alive connection.
    pub request_head: Duration,
    /// A request body (at most 64 KiB) must arrive within this once its head is in; 408 if not.
    pub request_body: Duration,
}

impl HttpTimeouts {
    /// 30 s each: hyper's own default for a head; a 64 KiB body at 2 KiB/s.
    pub const DEFAULT: HttpTimeouts = HttpTimeouts {
        request_head: Duration::from_secs(30),
        request_body: Duration::from_secs(30),
    };
}

/// HTTPS: certificates from an ACME CA (Let's Encrypt) for `--domain`, or from PEM files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[command(next_help_heading = "HTTPS")]
pub struct TlsArgs {
    /// Serve HTTPS for this domain with a certificate from Let's Encrypt, obtained and renewed
    /// automatically (repeat, or separate with commas, for several).
    #[arg(
        long = "domain",
        env = "CONFAB_DOMAIN",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub domains: Vec<String>,
    /// Contact address given to the certificate authority (expiry warnings).
    #[arg(long, env = "CONFAB_ACME_EMAIL", value_name = "ADDR")]
    pub acme_email: Option<String>,
    /// Use Let's Encrypt's staging CA (for trials: untrusted certificates, generous limits).
    #[arg(long, env = "CONFAB_ACME_STAGING", conflicts_with = "acme_directory")]
    pub acme_staging: bool,
    /// ACME directory URL of another CA [default: Let's Encrypt production].
    #[arg(long, env = "CONFAB_ACME_DIRECTORY", value_name = "URL")]
    pub acme_directory: Option<String>,
    /// Also trust this CA certificate (PEM) when talking to the ACME server (private CAs).
    #[arg(long, env = "CONFAB_ACME_CA_ROOT", value_name = "PEM")]
    pub acme_ca_root: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM) instead of ACME; re-read on SIGHUP.
    #[arg(
        long,
        env = "CONFAB_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key",
        conflicts_with = "domains"
    )]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) for --tls-cert.
    #[arg(
        long,
        env = "CONFAB_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

/// Let's Encrypt's production directory: the default, so certificates are trusted.
pub const LETS_ENCRYPT_PRODUCTION: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory, with `--acme-staging`.
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// Where certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP.
    Off,
    /// From an ACME CA, for these domains.
    Acme,
    /// From PEM files.
    Files { cert: PathBuf, key: PathBuf },
}

impl TlsArgs {
    pub fn mode(&self) -> TlsMode {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => TlsMode::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ if !self.domains.is_empty() => TlsMode::Acme,
            _ => TlsMode::Off,
        }
    }

    /// The ACME directory to use.
    pub fn directory(&self) -> &str {
        match (&self.acme_directory, self.acme_staging) {
            (Some(url), _) => url,
            (None, true) => LETS_ENCRYPT_STAGING,
            (None, false) => LETS_ENCRYPT_PRODUCTION,
        }
    }
}

/// A domain name as `--domain` takes it: no scheme, path or port.
fn check_domain(domain: &str) -> anyhow::Result<()> {
    let valid = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !valid {
        anyhow::bail!(
            "--domain {domain:?} is not a domain name; give just the name, e.g. --domain chat.example.com"
        );
    }
    Ok(())
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
    /// Refuses combinations that cannot work, with a message that says what to change.
    pub fn validate(&self) -> anyhow::Result<()> {
        for domain in &self.tls.domains {
            check_domain(domain)?;
        }
        let tls = &self.tls;
        let acme_only = tls.acme_email.is_some()
            || tls.acme_staging
            || tls.acme_directory.is_some()
            || tls.acme_ca_root.is_some();
        if acme_only && tls.mode() != TlsMode::Acme {
            anyhow::bail!(
                "--acme-email, --acme-staging, --acme-directory and --acme-ca-root need --domain"
            );
        }
        if self.http_listen.is_some() && tls.mode() == TlsMode::Off {
            anyhow::bail!("--http-listen only makes sense with HTTPS (--domain or --tls-cert)");
        }
        Ok(())
    }

    /// Whether HTTPS is served.
    pub fn tls_enabled(&self) -> bool {
        self.tls.mode() != TlsMode::Off
    }

    /// The address of the main listener.
    pub fn listen_addr(&self) -> String {
        match (&self.listen, self.tls_enabled()) {
            (Some(addr), _) => addr.clone(),
            (None, true) => DEFAULT_TLS_LISTEN.into(),
            (None, false) => DEFAULT_LISTEN.into(),
        }
    }

    /// The address of the plain-HTTP redirect listener, when HTTPS is on.
    pub fn http_listen_addr(&self) -> Option<String> {
        self.tls_enabled().then(|| {
            self.http_listen
                .clone()
                .unwrap_or_else(|| DEFAULT_HTTP_LISTEN.into())
        })
    }

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
            listen: None,
            http_listen: None,
            tls: TlsArgs::default(),
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
            http_timeouts: HttpTimeouts::DEFAULT,
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
        assert_eq!(cli.serve.listen_addr(), "127.0.0.1:8080");
        assert_eq!(cli.serve.http_listen_addr(), None);
        assert_eq!(cli.serve.data.dir, defaults.data.dir);
        assert!(cli.serve.open_signup);
        assert_eq!(cli.serve.limits, defaults.limits);
    }

    #[test]
    fn flags_without_a_subcommand_serve() {
        let cli =
            Cli::try_parse_from(["confab", "--listen", "0.0.0.0:80", "--open-signup", "false"])
                .unwrap();
        assert_eq!(cli.serve.listen_addr(), "0.0.0.0:80");
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
    fn https_with_a_domain_defaults_to_443_and_a_redirect_on_80() {
        let cli = Cli::try_parse_from(["confab", "--domain", "chat.example.com,www.example.com"])
            .unwrap();
        assert_eq!(cli.serve.tls.mode(), TlsMode::Acme);
        assert_eq!(
            cli.serve.tls.domains,
            ["chat.example.com", "www.example.com"]
        );
        assert_eq!(cli.serve.listen_addr(), "0.0.0.0:443");
        assert_eq!(cli.serve.http_listen_addr().as_deref(), Some("0.0.0.0:80"));
        assert_eq!(
            cli.serve.tls.directory(),
            LETS_ENCRYPT_PRODUCTION,
            "production unless told"
        );
        cli.serve.validate().unwrap();
        let staging =
            Cli::try_parse_from(["confab", "--domain", "a.example", "--acme-staging"]).unwrap();
        assert_eq!(staging.serve.tls.directory(), LETS_ENCRYPT_STAGING);
    }

    #[test]
    fn conflicting_https_flags_are_refused() {
        assert!(
            Cli::try_parse_from(["confab", "--tls-cert", "c.pem"]).is_err(),
            "needs --tls-key"
        );
        assert!(
            Cli::try_parse_from([
                "confab",
                "--tls-cert",
                "c",
                "--tls-key",
                "k",
                "--domain",
                "a.example"
            ])
            .is_err()
        );
        assert!(
            Cli::try_parse_from([
                "confab",
                "--domain",
                "a.example",
                "--acme-staging",
                "--acme-directory",
                "https://x"
            ])
            .is_err()
        );
        let no_domain = Cli::try_parse_from(["confab", "--acme-email", "me@example.com"]).unwrap();
        assert!(no_domain.serve.validate().is_err());
        let redirect_without_tls =
            Cli::try_parse_from(["confab", "--http-listen", "0.0.0.0:80"]).unwrap();
        assert!(redirect_without_tls.serve.validate().is_err());
        for bad in [
            "https://chat.example.com",
            "chat.example.com:443",
            "chat example",
            "-x.example",
            "",
        ] {
            let cli = Cli::try_parse_from(["confab", &format!("--domain={bad}")]).unwrap();
            assert!(cli.serve.validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_rate_is_refused() {
        assert!(Cli::try_parse_from(["confab", "--ws-send-rate", "fast"]).is_err());
    }
}
