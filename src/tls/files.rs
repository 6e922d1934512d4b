//! Certificates from PEM files (`--tls-cert`, `--tls-key`), re-read on SIGHUP so a renewed
//! certificate is picked up without a restart.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::task::JoinHandle;

use super::CertExpiry;
use super::expiry::not_after;

/// Serves whatever certificate was loaded last.
pub struct FileCertResolver {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    expiry: CertExpiry,
}

impl fmt::Debug for FileCertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileCertResolver")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Reads a certificate chain and its key, checking that they belong together.
fn read(cert: &Path, key: &Path, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| {
            format!(
                "cannot read certificates from --tls-cert {}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        anyhow::bail!("--tls-cert {} holds no PEM certificate", cert.display());
    }
    let private_key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key from --tls-key {}", key.display()))?;
    CertifiedKey::from_der(chain, private_key, provider).with_context(|| {
        format!(
            "the key in {} does not fit the certificate in {}",
            key.display(),
            cert.display()
        )
    })
}

impl FileCertResolver {
    pub fn load(
        cert: PathBuf,
        key: PathBuf,
        provider: Arc<CryptoProvider>,
        expiry: CertExpiry,
    ) -> anyhow::Result<Self> {
        let current = read(&cert, &key, &provider)?;
        record_expiry(&current, &expiry);
        Ok(FileCertResolver {
            cert,
            key,
            provider,
            current: RwLock::new(Arc::new(current)),
            expiry,
        })
    }

    /// Reads the files again; on error the certificate in use stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = read(&self.cert, &self.key, &self.provider)?;
        record_expiry(&fresh, &self.expiry);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        Ok(())
    }
}

/// Records when the served certificate (the chain's first) expires.
fn record_expiry(key: &CertifiedKey, expiry: &CertExpiry) {
    if let Some(at) = key.cert.first().and_then(|der| not_after(der)) {
        expiry.set(at);
    }
}

impl ResolvesServerCert for FileCertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

/// Reloads the certificate files whenever the process gets SIGHUP.
pub fn reload_on_sighup(resolver: Arc<FileCertResolver>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!("cannot listen for SIGHUP; certificate files are read only at start");
            return;
        };
        while hangups.recv().await.is_some() {
            match resolver.reload() {
                Ok(()) => tracing::info!(cert = %resolver.cert.display(), "certificate reloaded"),
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "certificate reload failed; still serving the previous one")
                }
            }
        }
    })
}
