//! TLS for tests: a throwaway CA that issues certificates, a TLS client that trusts chosen
//! roots, HTTPS requests and WebSockets over it, and a real ACME CA (pebble) on loopback.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::ClientConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A certificate authority made up for one test.
pub struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A certificate and its key, as PEM.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Issued {
    /// Writes `cert.pem` and `key.pem` into `dir`.
    pub fn write(&self, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{stem}.cert.pem"));
        let key = dir.join(format!("{stem}.key.pem"));
        std::fs::write(&cert, &self.cert_pem).unwrap();
        std::fs::write(&key, &self.key_pem).unwrap();
        (cert, key)
    }
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestCa { cert, key }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// A server certificate for these names (DNS names or IP addresses).
    pub fn issue(&self, names: &[&str]) -> Issued {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].clone());
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A TLS client that trusts exactly these roots.
pub fn client_config(roots: &[CertificateDer<'static>]) -> Arc<ClientConfig> {
    let provider = confab::tls::provider();
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).unwrap();
    }
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Opens a verified TLS connection to `addr`, asking for `name`.
pub async fn connect(
    addr: SocketAddr,
    name: &str,
    config: Arc<ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(name.to_owned()).unwrap();
    TlsConnector::from(config).connect(name, tcp).await
}

/// The certificate the server presented.
pub fn peer_certificate(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream
        .get_ref()
        .1
        .peer_certificates()
        .expect("server certificate")[0]
        .clone()
        .into_owned()
}

/// Issuer common name and DNS names of a certificate.
pub fn describe(cert: &CertificateDer<'_>) -> (String, Vec<String>) {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).unwrap();
    let issuer = parsed
        .issuer()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or("")
        .to_owned();
    let names = parsed
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    (issuer, names)
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over any stream; reads the answer to the end.
pub async fn request<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    host: &str,
    method: &str,
    path: &str,
    extra_headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    if let Some(body) = body {
        stream.write_all(body.as_bytes()).await.unwrap();
    }
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify; what was read is the answer.
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// Polls until `addr` serves a certificate for `name` that `config` trusts.
pub async fn wait_for_certificate(
    addr: SocketAddr,
    name: &str,
    config: Arc<ClientConfig>,
    within: Duration,
) -> TlsStream<TcpStream> {
    let started = Instant::now();
    loop {
        if let Ok(stream) = connect(addr, name, Arc::clone(&config)).await {
            return stream;
        }
        assert!(
            started.elapsed() < within,
            "no trusted certificate for {name} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Let's Encrypt's test CA, on loopback, with a fake DNS server answering 127.0.0.1 for every
/// name. Pebble validates TLS-ALPN-01 by connecting to `tls_port` on 127.0.0.1.
pub struct Pebble {
    _dir: TempDir,
    pebble: tokio::process::Child,
    _dns: tokio::process::Child,
    pub acme_port: u16,
    pub management_port: u16,
    /// The CA of pebble's own HTTPS listener: confab's `--acme-ca-root`.
    pub listener_ca: PathBuf,
    listener_ca_der: CertificateDer<'static>,
    log: Arc<Mutex<String>>,
}

fn require(program: &str) {
    assert!(
        Path::new(program).exists(),
        "{program} is missing: install Debian's pebble package (tests/run.sh does)"
    );
}

fn collect_output(child: &mut tokio::process::Child, log: &Arc<Mutex<String>>) {
    for reader in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let log = Arc::clone(log);
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
    }
}

impl Pebble {
    pub async fn start(tls_port: u16) -> Pebble {
        require("/usr/bin/pebble");
        require("/usr/bin/pebble-challtestsrv");
        let dir = TempDir::new().unwrap();
        let ca = TestCa::new("pebble listener test CA");
        let (cert, key) = ca
            .issue(&["127.0.0.1", "localhost"])
            .write(dir.path(), "listener");
        let listener_ca = dir.path().join("listener-ca.pem");
        std::fs::write(&listener_ca, ca.pem()).unwrap();

        let dns_port = free_port_udp();
        let log = Arc::new(Mutex::new(String::new()));
        let mut dns = tokio::process::Command::new("/usr/bin/pebble-challtestsrv")
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &format!("127.0.0.1:{}", super::free_port())])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start pebble-challtestsrv");
        collect_output(&mut dns, &log);

        let acme_port = super::free_port();
        let management_port = super::free_port();
        let config = serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{acme_port}"),
            "managementListenAddress": format!("127.0.0.1:{management_port}"),
            "certificate": cert,
            "privateKey": key,
            "httpPort": super::free_port(),
            "tlsPort": tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }});
        let config_path = dir.path().join("pebble.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let mut pebble = tokio::process::Command::new("/usr/bin/pebble")
            .arg("-config")
            .arg(&config_path)
            .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start pebble");
        collect_output(&mut pebble, &log);

        let pebble = Pebble {
            _dir: dir,
            pebble,
            _dns: dns,
            acme_port,
            management_port,
            listener_ca,
            listener_ca_der: ca.der(),
            log,
        };
        pebble.wait_ready().await;
        pebble
    }

    async fn wait_ready(&self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.acme_port));
        let config = client_config(std::slice::from_ref(&self.listener_ca_der));
        let started = Instant::now();
        loop {
            if let Ok(stream) = connect(addr, "127.0.0.1", Arc::clone(&config)).await {
                let answer = request(stream, "127.0.0.1", "GET", "/dir", &[], None).await;
                if answer.status == 200 {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "pebble did not start:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn directory_url(&self) -> String {
        format!("https://127.0.0.1:{}/dir", self.acme_port)
    }

    /// The root that signs the certificates this pebble issues (new at every start).
    pub async fn issuing_root(&self) -> CertificateDer<'static> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.management_port));
        let config = client_config(std::slice::from_ref(&self.listener_ca_der));
        let stream = connect(addr, "127.0.0.1", config).await.unwrap();
        let answer = request(stream, "127.0.0.1", "GET", "/roots/0", &[], None).await;
        assert_eq!(answer.status, 200);
        CertificateDer::from_pem_slice(answer.body.as_bytes()).unwrap()
    }

    /// How many certificates pebble has issued.
    pub fn issued(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .matches("Issued certificate serial")
            .count()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub async fn stop(mut self) {
        let _ = self.pebble.kill().await;
    }
}

fn free_port_udp() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
