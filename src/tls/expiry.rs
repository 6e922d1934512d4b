//! When the certificate being served stops being valid, for the metrics
//! (`confab_certificate_expiry_timestamp_seconds`) and the doctor. Recorded whenever a
//! certificate is loaded: from the files at start and on SIGHUP, from the ACME cache, and when
//! a new one is issued.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The served certificate's `notAfter`, in Unix seconds; 0 while none is known.
#[derive(Debug, Clone, Default)]
pub struct CertExpiry(Arc<AtomicU64>);

impl CertExpiry {
    pub fn get(&self) -> Option<u64> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            at => Some(at),
        }
    }

    pub fn set(&self, not_after: u64) {
        self.0.store(not_after, Ordering::Relaxed);
    }

    /// Records the expiry of the first certificate in `pem` (the server's own, before its
    /// chain), if it reads.
    pub fn set_from_pem(&self, pem: &[u8]) {
        if let Some(at) = first_in_pem(pem).and_then(|der| not_after(&der)) {
            self.set(at);
        }
    }
}

/// The first certificate of a PEM file.
pub fn first_in_pem(pem: &[u8]) -> Option<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem).next()?.ok()
}

/// A certificate's `notAfter`, in Unix seconds.
pub fn not_after(der: &[u8]) -> Option<u64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    u64::try_from(cert.validity().not_after.timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_expiry_of_the_first_certificate_in_a_pem() {
        let mut params = rcgen::CertificateParams::new(vec!["chat.example.com".into()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 5, 17);
        let key = rcgen::KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        let expiry = CertExpiry::default();
        assert_eq!(expiry.get(), None);
        expiry.set_from_pem(pem.as_bytes());
        // 2031-05-17T00:00:00Z
        assert_eq!(expiry.get(), Some(1_936_742_400));
        expiry.set_from_pem(b"not a certificate");
        assert_eq!(
            expiry.get(),
            Some(1_936_742_400),
            "a bad file changes nothing"
        );
    }
}
