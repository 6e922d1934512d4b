//! Where ACME state lives: `<data>/acme/`, one file for the account key and one per certificate
//! (keyed by domains and CA). Files are written to a temporary name and renamed, so a crash
//! never leaves half a key behind, and are readable by their owner only.

use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_acme::{AccountCache, CertCache};
use sha2::{Digest, Sha256};

use super::CertExpiry;

pub struct AcmeCache {
    dir: PathBuf,
    /// Set from each certificate read from or written to the cache: the one being served.
    expiry: CertExpiry,
}

impl AcmeCache {
    pub fn new(dir: PathBuf, expiry: CertExpiry) -> Self {
        AcmeCache { dir, expiry }
    }

    /// A file name that changes when the domains, the contact or the CA change.
    fn file_name(prefix: &str, parts: &[String], directory_url: &str) -> String {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update(directory_url.as_bytes());
        format!("{prefix}-{}", URL_SAFE_NO_PAD.encode(hash.finalize()))
    }

    async fn read(&self, name: String) -> std::io::Result<Option<Vec<u8>>> {
        let path = self.dir.join(name);
        let read = tokio::task::spawn_blocking(move || std::fs::read(path)).await?;
        match read {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn write(&self, name: String, contents: Vec<u8>) -> std::io::Result<()> {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &contents)).await?
    }
}

fn write_atomically(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    // Make the rename itself durable.
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait]
impl CertCache for AcmeCache {
    type EC = std::io::Error;

    async fn load_cert(
        &self,
        domains: &[String],
        directory_url: &str,
    ) -> Result<Option<Vec<u8>>, Self::EC> {
        let cert = self
            .read(Self::file_name("cert", domains, directory_url))
            .await?;
        if let Some(pem) = &cert {
            self.expiry.set_from_pem(pem);
        }
        Ok(cert)
    }

    async fn store_cert(
        &self,
        domains: &[String],
        directory_url: &str,
        cert: &[u8],
    ) -> Result<(), Self::EC> {
        self.expiry.set_from_pem(cert);
        self.write(
            Self::file_name("cert", domains, directory_url),
            cert.to_vec(),
        )
        .await
    }
}

#[async_trait]
impl AccountCache for AcmeCache {
    type EA = std::io::Error;

    async fn load_account(
        &self,
        contact: &[String],
        directory_url: &str,
    ) -> Result<Option<Vec<u8>>, Self::EA> {
        self.read(Self::file_name("account", contact, directory_url))
            .await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory_url: &str,
        account: &[u8],
    ) -> Result<(), Self::EA> {
        self.write(
            Self::file_name("account", contact, directory_url),
            account.to_vec(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_and_loads_by_domains_and_ca() {
        let dir = tempfile::TempDir::new().unwrap();
        let cache = AcmeCache::new(dir.path().join("acme"), CertExpiry::default());
        let domains = vec!["a.example".to_owned()];
        assert_eq!(
            cache.load_cert(&domains, "https://ca/dir").await.unwrap(),
            None
        );
        cache
            .store_cert(&domains, "https://ca/dir", b"pem")
            .await
            .unwrap();
        assert_eq!(
            cache
                .load_cert(&domains, "https://ca/dir")
                .await
                .unwrap()
                .as_deref(),
            Some(&b"pem"[..])
        );
        assert_eq!(
            cache
                .load_cert(&domains, "https://other/dir")
                .await
                .unwrap(),
            None
        );
        let other = vec!["b.example".to_owned()];
        assert_eq!(
            cache.load_cert(&other, "https://ca/dir").await.unwrap(),
            None
        );

        cache
            .store_account(&[], "https://ca/dir", b"key")
            .await
            .unwrap();
        assert!(
            cache
                .load_account(&[], "https://ca/dir")
                .await
                .unwrap()
                .is_some()
        );
        use std::os::unix::fs::PermissionsExt;
        for entry in std::fs::read_dir(dir.path().join("acme")).unwrap() {
            let entry = entry.unwrap();
            assert!(!entry.file_name().to_string_lossy().ends_with(".tmp"));
            assert_eq!(
                entry.metadata().unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
