//! The settings of `serve`: where to listen, the data folder, logging, sign-up and the HTTP
//! timeouts, gathered with the HTTPS flags and the limits into `ServeArgs`, which refuses
//! combinations that cannot work and hands each layer its settings. Apart from the grammar of
//! the subcommands because `confab` alone and `confab healthcheck` take them too, and they are
//! the only flags with rules between them.

use std::time::Duration;

use clap::{ArgAction, Args, ValueEnum};

use super::tls::check_domain;
use super::{DataArgs, Limits, TlsArgs, TlsMode};
use crate::auth::AuthSettings;
use crate::chat::ChatSettings;
use crate::files::FileSettings;
use crate::outbound::Reach;
use crate::ratelimit::Rate;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Where HTTPS is served by default.
pub const DEFAULT_TLS_LISTEN: &str = "0.0.0.0:443";
/// The shortest `--metrics-token`: guessing it must be hopeless.
pub const METRICS_TOKEN_MIN: usize = 16;
/// Where the plain-HTTP redirect is served by default when HTTPS is on.
pub const DEFAULT_HTTP_LISTEN: &str = "0.0.0.0:80";

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

    /// Let push targets and webhooks be loopback or private addresses, over plain `http` too:
    /// for tests and intranets. Off: only `https` on public addresses.
    #[arg(long, env = "CONFAB_ALLOW_PRIVATE_ENDPOINTS")]
    pub allow_private_endpoints: bool,

    /// Serve `GET /metrics` (Prometheus) on the main port to requests that carry
    /// `Authorization: Bearer TOKEN` (16 characters at least). Without it, and without
    /// --metrics-listen, there are no metrics.
    #[arg(
        long,
        env = "CONFAB_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// Serve `GET /metrics` on an address of its own, such as 127.0.0.1:9100, for a scraper
    /// on the same machine or network (with --metrics-token, it asks for the token too).
    #[arg(long, env = "CONFAB_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<String>,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub limits: Limits,

    /// Not a flag: the defaults suit every deployment; tests shorten them.
    #[arg(skip = HttpTimeouts::DEFAULT)]
    pub http_timeouts: HttpTimeouts,

    /// Not a flag: how long an upload no message holds is kept, and how often the sweep
    /// looks; tests shorten them.
    #[arg(skip = FileSettings::DEFAULT.grace)]
    pub upload_grace: Duration,
    #[arg(skip = FileSettings::DEFAULT.sweep_every)]
    pub upload_sweep_every: Duration,
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
        if let Some(token) = &self.metrics_token
            && (token.chars().count() < METRICS_TOKEN_MIN
                || token.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            anyhow::bail!(
                "--metrics-token must be at least {METRICS_TOKEN_MIN} characters, without spaces"
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

    /// Settings of files.
    pub fn file_settings(&self) -> FileSettings {
        FileSettings {
            max_upload_bytes: self.limits.max_upload_bytes,
            user_quota_bytes: self.limits.user_quota_bytes,
            grace: self.upload_grace,
            sweep_every: self.upload_sweep_every,
        }
    }

    /// Which addresses pushes may go to.
    pub fn reach(&self) -> Reach {
        if self.allow_private_endpoints {
            Reach::Private
        } else {
            Reach::Public
        }
    }

    /// Who runs this server, as VAPID tells push services: the ACME e-mail address, else the
    /// site.
    pub fn push_contact(&self) -> String {
        match (&self.tls.acme_email, self.tls.domains.first()) {
            (Some(email), _) => format!("mailto:{email}"),
            (None, Some(domain)) => format!("https://{domain}"),
            (None, None) => "https://localhost".to_owned(),
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
            allow_private_endpoints: false,
            metrics_token: None,
            metrics_listen: None,
            limits: Limits {
                signin_account_rate: Rate::new(5, Duration::from_secs(60)),
                signin_ip_rate: Rate::new(10, Duration::from_secs(18)),
                signup_ip_rate: Rate::new(10, Duration::from_secs(60)),
                ws_send_rate: Rate::new(20, Duration::from_millis(200)),
                ws_frame_rate: Rate::new(100, Duration::from_millis(20)),
                ws_queue_bytes: 1024 * 1024,
                max_upload_bytes: FileSettings::DEFAULT.max_upload_bytes,
                user_quota_bytes: FileSettings::DEFAULT.user_quota_bytes,
                max_concurrent_hashes: 0,
            },
            http_timeouts: HttpTimeouts::DEFAULT,
            upload_grace: FileSettings::DEFAULT.grace,
            upload_sweep_every: FileSettings::DEFAULT.sweep_every,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Cli;

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
}
