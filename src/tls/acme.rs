//! Certificates from an ACME CA with rustls-acme. The state machine runs in one task: it serves
//! the cached certificate at once, orders a new one when none is cached or the cached one is
//! two thirds through its life, and retries failures with exponential backoff. Its events are
//! logged with what the operator should check.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use futures_util::StreamExt;
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_acme::{AcmeConfig, EventOk, ResolvesServerCertAcme};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio::task::JoinHandle;

use super::CertExpiry;
use super::cache::AcmeCache;
use crate::config::TlsArgs;

pub struct Acme {
    pub resolver: Arc<ResolvesServerCertAcme>,
    pub challenge_config: Arc<ServerConfig>,
    pub background: JoinHandle<()>,
}

/// The TLS client used to talk to the CA: the public web roots, plus `--acme-ca-root`.
fn client_config(
    args: &TlsArgs,
    provider: Arc<CryptoProvider>,
) -> anyhow::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &args.acme_ca_root {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read --acme-ca-root {}", path.display()))?;
        if certs.is_empty() {
            anyhow::bail!("--acme-ca-root {} holds no PEM certificate", path.display());
        }
        for cert in certs {
            roots.add(cert).with_context(|| {
                format!(
                    "--acme-ca-root {} is not a usable CA certificate",
                    path.display()
                )
            })?;
        }
    }
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

pub fn start(
    args: &TlsArgs,
    data_dir: &Path,
    provider: Arc<CryptoProvider>,
    expiry: CertExpiry,
) -> anyhow::Result<Acme> {
    let directory = args.directory().to_owned();
    let domains = args.domains.clone();
    let mut state =
        AcmeConfig::new_with_client_config(&domains, client_config(args, Arc::clone(&provider))?)
            .contact(
                args.acme_email
                    .iter()
                    .map(|email| format!("mailto:{email}")),
            )
            .cache(AcmeCache::new(data_dir.join("acme"), expiry))
            .directory(&directory)
            .state();
    let resolver = state.resolver();
    let challenge_config = state.challenge_rustls_config_with_provider(provider);
    tracing::info!(domains = ?domains, ca = %directory, "HTTPS certificates come from ACME");
    let background = tokio::spawn(async move {
        while let Some(event) = state.next().await {
            match event {
                Ok(EventOk::DeployedCachedCert) => {
                    tracing::info!(domains = ?domains, "serving the cached certificate")
                }
                Ok(EventOk::DeployedNewCert) => {
                    tracing::info!(domains = ?domains, "new certificate issued and deployed")
                }
                Ok(EventOk::CertCacheStore) => {
                    tracing::info!("certificate saved in the data folder")
                }
                Ok(EventOk::AccountCacheStore) => {
                    tracing::info!("ACME account key saved in the data folder")
                }
                Err(err) => {
                    let detail = format!("{err:?}");
                    tracing::error!(error = %err, hint = hint(&detail, &domains, &directory), "certificate management failed; retrying with backoff");
                }
            }
        }
    });
    Ok(Acme {
        resolver,
        challenge_config,
        background,
    })
}

/// What an operator should check for a failed ACME step.
fn hint(detail: &str, domains: &[String], directory: &str) -> String {
    let names = domains.join(", ");
    if detail.contains("rateLimited") {
        format!(
            "the CA is rate limiting certificates for {names}; keep the data folder between runs (certificates are cached there) and wait, or try --acme-staging"
        )
    } else if detail.contains("BadAuth")
        || detail.contains("TooManyAttemptsAuth")
        || detail.contains("unauthorized")
        || detail.contains("connection") && detail.contains("challenge")
    {
        format!(
            "the CA could not validate {names}: check that DNS for each name points to this server and that port 443 is reachable from the internet"
        )
    } else if detail.contains("dns") || detail.contains("Dns") || detail.contains("resolve") {
        format!(
            "cannot resolve the CA at {directory}: check this server's DNS and outbound network"
        )
    } else if detail.contains("HttpRequest")
        || detail.contains("Io(")
        || detail.contains("refused")
        || detail.contains("timed out")
    {
        format!(
            "cannot reach the CA at {directory}: check outbound HTTPS from this server; the cached certificate (if any) is served meanwhile"
        )
    } else if detail.contains("Cache") {
        "cannot read or write the acme folder in the data folder: check its permissions".to_owned()
    } else {
        format!("see the error; the CA is {directory}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_point_at_what_the_operator_can_fix() {
        let domains = ["chat.example.com".to_owned()];
        let dir = "https://acme.example/dir";
        let rate = hint(
            r#"Order(Acme(Problem { typ: "urn:ietf:params:acme:error:rateLimited" }))"#,
            &domains,
            dir,
        );
        assert!(rate.contains("keep the data folder"), "{rate}");
        let auth = hint(
            "Order(BadAuth(Auth { status: Invalid, .. }))",
            &domains,
            dir,
        );
        assert!(
            auth.contains("DNS") && auth.contains("443") && auth.contains("chat.example.com"),
            "{auth}"
        );
        let down = hint(
            "Order(Acme(HttpRequest(Io(Connection refused))))",
            &domains,
            dir,
        );
        assert!(
            down.contains("cannot reach the CA at https://acme.example/dir"),
            "{down}"
        );
    }
}
