//! A poem `Acceptor` that terminates TLS. Handshakes run in their own tasks, so a slow or
//! silent client never holds up the next one; a CA's TLS-ALPN-01 validation handshake is
//! answered with the challenge certificate and closed, never reaching HTTP. After the handshake
//! a connection has the same request-head deadline as a plain one (`accept::HeadDeadline`).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use rustls::ServerConfig;
use rustls::server::Acceptor as HelloReader;
use rustls_acme::is_tls_alpn_challenge;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

use super::Tls;
use crate::accept::HeadDeadline;

/// A client has this long to complete its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for the HTTP server to pick them up.
const BACKLOG: usize = 1024;

type Accepted = (TlsStream<TcpStream>, RemoteAddr);

pub struct TlsAcceptor {
    local_addr: LocalAddr,
    head_timeout: Duration,
    accepted: mpsc::Receiver<Accepted>,
    accept_loop: JoinHandle<()>,
}

impl TlsAcceptor {
    /// Accepts from `listener`; after its handshake every connection must send each request
    /// head within `head_timeout`.
    pub fn new(listener: TcpListener, tls: &Tls, head_timeout: Duration) -> io::Result<Self> {
        let local_addr = LocalAddr(listener.local_addr()?.into());
        let (sender, accepted) = mpsc::channel(BACKLOG);
        let server_config = Arc::clone(&tls.server_config);
        let challenge_config = tls.challenge_config.clone();
        let accept_loop = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: back off a little and go on.
                        tracing::warn!(error = %err, "accepting a TLS connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Small frames must leave at once (see `accept`).
                let _ = tcp.set_nodelay(true);
                let sender = sender.clone();
                let server_config = Arc::clone(&server_config);
                let challenge_config = challenge_config.clone();
                tokio::spawn(async move {
                    let handshake = handshake(tcp, server_config, challenge_config);
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                        Ok(Ok(Some(stream))) => {
                            let _ = sender.send((stream, RemoteAddr(peer.into()))).await;
                        }
                        Ok(Ok(None)) => {}
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, error = %err, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsAcceptor {
            local_addr,
            head_timeout,
            accepted,
            accept_loop,
        })
    }
}

/// Completes one handshake. `None` when it was a CA's validation connection.
async fn handshake(
    tcp: TcpStream,
    server_config: Arc<ServerConfig>,
    challenge_config: Option<Arc<ServerConfig>>,
) -> io::Result<Option<TlsStream<TcpStream>>> {
    let start = LazyConfigAcceptor::new(HelloReader::default(), tcp).await?;
    if let Some(challenge_config) = challenge_config
        && is_tls_alpn_challenge(&start.client_hello())
    {
        tracing::info!("answering a TLS-ALPN-01 validation request from the CA");
        let mut stream = start.into_stream(challenge_config).await?;
        stream.shutdown().await?;
        return Ok(None);
    }
    Ok(Some(start.into_stream(server_config).await?))
}

impl Drop for TlsAcceptor {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl Acceptor for TlsAcceptor {
    type Io = HeadDeadline<TlsStream<TcpStream>>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![self.local_addr.clone()]
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        match self.accepted.recv().await {
            Some((stream, remote)) => Ok((
                HeadDeadline::new(stream, self.head_timeout),
                self.local_addr.clone(),
                remote,
                Scheme::HTTPS,
            )),
            None => Err(io::Error::other("the TLS listener stopped")),
        }
    }
}
