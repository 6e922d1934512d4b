//! One HTTP/1.1 POST at a time to a checked [`Endpoint`], over rustls with the public web roots
//! (or plain TCP where `http` is allowed), bounded by one deadline from connecting to the
//! answer's status. A connection serves one request: the few requests made do not need a pool,
//! and a fresh resolution each time keeps the address check honest.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use poem::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_util::task::AbortOnDropHandle;

use super::{Endpoint, EndpointError, Reach};

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("{0}")]
    Endpoint(#[from] EndpointError),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("TLS: {0}")]
    Tls(std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
}

/// The answer's status, and `Retry-After` in seconds when it said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
}

/// The client: which addresses it may reach and how long a request may take.
#[derive(Clone)]
pub struct Client {
    /// Made on the first `https` request: a server nobody subscribed on never loads it.
    tls: Arc<OnceLock<TlsConnector>>,
    reach: Reach,
    timeout: Duration,
}

/// TLS with the public web's roots and rustls's safe defaults.
fn connector() -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

impl Client {
    pub fn new(reach: Reach, timeout: Duration) -> Client {
        Client {
            tls: Arc::new(OnceLock::new()),
            reach,
            timeout,
        }
    }

    pub fn reach(&self) -> Reach {
        self.reach
    }

    /// POSTs `body` with `headers` to the endpoint and returns the answer's status; the answer's
    /// body is not read.
    pub async fn post(
        &self,
        endpoint: &Endpoint,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Answer, OutboundError> {
        tokio::time::timeout(self.timeout, self.exchange(endpoint, headers, body))
            .await
            .map_err(|_| OutboundError::Timeout(self.timeout))?
    }

    async fn exchange(
        &self,
        endpoint: &Endpoint,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Answer, OutboundError> {
        let addr: SocketAddr = endpoint.resolve(self.reach).await?;
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(OutboundError::Connect)?;
        let _ = tcp.set_nodelay(true);
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(endpoint.target.as_str())
            .body(Full::new(body))
            .map_err(|_| EndpointError::Invalid)?;
        *request.headers_mut() = headers;
        let host = match (endpoint.https, endpoint.port) {
            (true, 443) | (false, 80) => endpoint.host.clone(),
            (_, port) if endpoint.host.contains(':') => format!("[{}]:{port}", endpoint.host),
            (_, port) => format!("{}:{port}", endpoint.host),
        };
        let host = HeaderValue::from_str(&host).map_err(|_| EndpointError::Invalid)?;
        request.headers_mut().insert(header::HOST, host);
        if endpoint.https {
            let name =
                ServerName::try_from(endpoint.host.clone()).map_err(|_| EndpointError::Invalid)?;
            let tls = self
                .tls
                .get_or_init(connector)
                .connect(name, tcp)
                .await
                .map_err(OutboundError::Tls)?;
            send(TokioIo::new(tls), request).await
        } else {
            send(TokioIo::new(tcp), request).await
        }
    }
}

async fn send<Io>(io: Io, request: Request<Full<Bytes>>) -> Result<Answer, OutboundError>
where
    Io: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    // The connection is driven beside the request and ends with it, also when the deadline
    // drops this future first.
    let _driven = AbortOnDropHandle::new(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let answer = sender.send_request(request).await?;
    let retry_after = answer
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    Ok(Answer {
        status: answer.status(),
        retry_after,
    })
}
