//! HTTPS: certificates from an ACME CA (Let's Encrypt, TLS-ALPN-01 answered inside the TLS
//! handshake on the HTTPS port) or from PEM files, and the listener that terminates TLS in
//! front of poem.
//!
//! One crypto provider is linked (ring) and installed as the process default, so nothing picks
//! another one at run time.

mod acceptor;
mod acme;
mod cache;
pub mod expiry;
mod files;

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::ResolvesServerCert;
use tokio::task::JoinHandle;

pub use acceptor::TlsAcceptor;
pub use expiry::CertExpiry;

use crate::config::{TlsArgs, TlsMode};

/// The crypto provider of every TLS connection, server and client.
pub fn provider() -> Arc<CryptoProvider> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Ignore "already installed": every caller installs the same provider.
    let _ = CryptoProvider::install_default((*provider).clone());
    provider
}

/// Everything needed to accept TLS connections, and the tasks that keep certificates fresh.
pub struct Tls {
    /// For ordinary connections (HTTP/1.1 and HTTP/2).
    pub server_config: Arc<ServerConfig>,
    /// For TLS-ALPN-01 validation connections from the CA (ACME only).
    pub challenge_config: Option<Arc<ServerConfig>>,
    /// Renewal (ACME) or SIGHUP reloading (files); aborted at shutdown.
    pub background: JoinHandle<()>,
    /// When the certificate being served expires, once one is loaded.
    pub expiry: CertExpiry,
}

impl Tls {
    /// Sets up certificates as configured; `None` for plain HTTP. File problems surface here, at
    /// start, as one clear error.
    pub fn start(args: &TlsArgs, data_dir: &Path) -> anyhow::Result<Option<Tls>> {
        let provider = provider();
        let expiry = CertExpiry::default();
        let (resolver, challenge_config, background): (Arc<dyn ResolvesServerCert>, _, _) =
            match args.mode() {
                TlsMode::Off => return Ok(None),
                TlsMode::Files { cert, key } => {
                    let resolver = Arc::new(files::FileCertResolver::load(
                        cert,
                        key,
                        Arc::clone(&provider),
                        expiry.clone(),
                    )?);
                    let background = files::reload_on_sighup(Arc::clone(&resolver));
                    (resolver, None, background)
                }
                TlsMode::Acme => {
                    let acme = acme::start(args, data_dir, Arc::clone(&provider), expiry.clone())?;
                    (acme.resolver, Some(acme.challenge_config), acme.background)
                }
            };
        let mut server_config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(resolver);
        server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Some(Tls {
            server_config: Arc::new(server_config),
            challenge_config,
            background,
            expiry,
        }))
    }
}
