//! The HTTPS flags of `serve`: certificates from an ACME CA for `--domain`, or from PEM files,
//! and which of the two (or neither) the flags ask for. A file of its own because it is a
//! help section of its own, with rules of its own between its flags.

use std::path::PathBuf;

use clap::Args;

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
pub(super) fn check_domain(domain: &str) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Cli;

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
}
