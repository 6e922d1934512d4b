//! What every connection goes through before poem sees it.
//!
//! [`PlainAcceptor`] is the plain-TCP listener. It exists for `TCP_NODELAY`: chat frames are
//! small and must leave at once; with Nagle's algorithm a frame written while an earlier one is
//! unacknowledged waits for the peer's delayed ACK, up to 40 ms.
//!
//! [`HeadDeadline`] wraps every accepted stream, plain or TLS. hyper only times out a request
//! head when it is given a timer, and poem gives it none: without this, a connection that sends
//! nothing, half a request head, or a byte every few seconds keeps its socket and task forever,
//! and a few thousand of them exhaust the file descriptors. The wrapper watches the bytes go by
//! and knows three phases:
//!
//! - **Head**: from accept, and again from the server's last write of a response (a kept-alive
//!   connection waiting for its next request), the client has one deadline to send a whole
//!   request head, up to its empty line. A read or write still stalled at the deadline fails
//!   with `TimedOut`, and hyper drops the connection. The deadline is for the whole head, not
//!   for silence, so trickling a byte at a time does not extend it; each write of a response
//!   moves it on, so a slow download is not cut off while it makes progress.
//! - **Busy**: the head is in; no deadline. The handler may take as long as it takes (a sign-in
//!   queued behind other password hashes), and a body that stalls is the guard's business: it
//!   answers 408 (see `web::security`).
//! - **Passthrough**: the server's answer was `101 Switching Protocols` (a WebSocket), or the
//!   connection is not HTTP/1 at all (HTTP/2 answers its preface with a settings frame). Such a
//!   connection lives by its own rules (chat sockets ping and drop silent clients), so the
//!   wrapper steps aside for good. An interim `100 Continue` leaves the request Busy.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

pub struct PlainAcceptor {
    listener: TcpListener,
    local_addr: LocalAddr,
    head_timeout: Duration,
}

impl PlainAcceptor {
    /// Accepts from `listener`; every connection must send each request head within
    /// `head_timeout` (see [`HeadDeadline`]).
    pub fn new(listener: TcpListener, head_timeout: Duration) -> io::Result<Self> {
        let local_addr = LocalAddr(listener.local_addr()?.into());
        Ok(PlainAcceptor {
            listener,
            local_addr,
            head_timeout,
        })
    }
}

impl Acceptor for PlainAcceptor {
    type Io = HeadDeadline<TcpStream>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![self.local_addr.clone()]
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        loop {
            let (stream, peer) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like. poem would call again at once and
                    // spin; back off a little so the connections being shed can free some.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // A connection reset before this is just gone; it must not stop the listener.
            if stream.set_nodelay(true).is_err() {
                continue;
            }
            return Ok((
                HeadDeadline::new(stream, self.head_timeout),
                self.local_addr.clone(),
                RemoteAddr(peer.into()),
                Scheme::HTTP,
            ));
        }
    }
}

enum Phase {
    /// Waiting for (the rest of) a request head.
    Head(HeadScan),
    /// The head is in and no response has started yet.
    Busy,
    /// Upgraded, or not HTTP/1: no deadline ever again.
    Passthrough,
}

/// Finds the empty line that ends a request head, across reads. Empty lines before the request
/// line are skipped, as servers do; a bare `\n` ends a line as well as `\r\n`, as in hyper's
/// parser.
#[derive(Default)]
struct HeadScan {
    /// Some byte other than CR or LF has been read: the request line has begun.
    started: bool,
    /// The last line break was not followed by anything but CRs.
    at_line_start: bool,
}

impl HeadScan {
    /// Feeds bytes; true when they complete the head.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &byte in bytes {
            match byte {
                b'\n' if self.started && self.at_line_start => return true,
                b'\n' => self.at_line_start = true,
                b'\r' => {}
                _ => {
                    self.started = true;
                    self.at_line_start = false;
                }
            }
        }
        false
    }
}

/// A stream with the request-head deadline described in the module documentation.
pub struct HeadDeadline<S> {
    inner: S,
    timeout: Duration,
    phase: Phase,
    /// The head deadline; dropped in Passthrough, so a long-lived socket does not keep a timer.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> HeadDeadline<S> {
    pub fn new(inner: S, timeout: Duration) -> Self {
        HeadDeadline {
            inner,
            timeout,
            phase: Phase::Head(HeadScan::default()),
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
        }
    }

    /// Called with what the server hands to the socket after a successful write.
    fn wrote(&mut self, bytes: &[u8], cx: &mut Context<'_>) {
        match &self.phase {
            Phase::Busy => {
                // The first write after a head is the start of the response.
                let informational = bytes.starts_with(b"HTTP/1.") && bytes.get(9) == Some(&b'1');
                if !bytes.starts_with(b"HTTP/1.") || bytes.get(9..12) == Some(b"101") {
                    self.phase = Phase::Passthrough;
                    self.deadline = None;
                } else if !informational {
                    self.phase = Phase::Head(HeadScan::default());
                    self.restart_deadline(cx);
                }
            }
            // More of a response: the wait for the next head counts from the last write, as
            // long as the client has not begun sending it.
            Phase::Head(scan) if !scan.started => self.restart_deadline(cx),
            Phase::Head(_) | Phase::Passthrough => {}
        }
    }

    /// Moves the deadline to `timeout` from now. The timer is polled here, with the waker of
    /// the task that writes, which is the connection's: hyper may already be waiting on a read
    /// (registered while the request was Busy, without a deadline), and only this wakes it to
    /// find the deadline passed.
    fn restart_deadline(&mut self, cx: &mut Context<'_>) {
        let at = Instant::now() + self.timeout;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        deadline.as_mut().reset(at);
        let _ = deadline.as_mut().poll(cx);
    }

    /// For a read or write that would wait: has the head deadline passed?
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        match (&self.phase, &mut self.deadline) {
            (Phase::Head(_), Some(deadline)) => deadline.as_mut().poll(cx).is_ready(),
            _ => false,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the client did not send a request in time",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for HeadDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if let Phase::Head(scan) = &mut this.phase
                    && scan.feed(&buf.filled()[before..])
                {
                    this.phase = Phase::Busy;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    this.wrote(buf, cx);
                }
                Poll::Ready(result)
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
                    this.wrote(first, cx);
                }
                Poll::Ready(result)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    /// Short real deadlines: these tests wait on the clock.
    const DEADLINE: Duration = Duration::from_millis(200);

    async fn read(server: &mut HeadDeadline<tokio::io::DuplexStream>) -> io::Result<usize> {
        server.read(&mut [0u8; 256]).await
    }

    /// Whether a read is still waiting after `wait` (rather than failing or reading).
    async fn still_waiting(
        server: &mut HeadDeadline<tokio::io::DuplexStream>,
        wait: Duration,
    ) -> bool {
        tokio::time::timeout(wait, read(server)).await.is_err()
    }

    #[test]
    fn the_head_ends_at_its_empty_line() {
        let mut scan = HeadScan::default();
        assert!(!scan.feed(b"GET / HTTP/1.1\r\nHost: a\r"));
        assert!(scan.feed(b"\n\r\nbody"));
        let mut bare = HeadScan::default();
        assert!(bare.feed(b"GET / HTTP/1.1\nHost: a\n\n"));
        let mut leading = HeadScan::default();
        assert!(
            !leading.feed(b"\r\n\r\n\r\n"),
            "empty lines before the request are not a head"
        );
        assert!(leading.feed(b"GET / HTTP/1.1\r\n\r\n"));
    }

    #[tokio::test]
    async fn a_silent_client_times_out() {
        let (_client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        let started = Instant::now();
        let err = read(&mut server).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= DEADLINE);
    }

    #[tokio::test]
    async fn after_the_head_only_the_next_head_has_a_deadline() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        read(&mut server).await.unwrap();
        assert!(
            still_waiting(&mut server, DEADLINE * 3).await,
            "no deadline while the request is handled"
        );
        server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        let err = read(&mut server).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "the next head has one");
    }

    #[tokio::test]
    async fn a_read_already_waiting_when_the_response_is_written_still_times_out() {
        let (mut client, server) = duplex(1024);
        let (mut reader, mut writer) = tokio::io::split(HeadDeadline::new(server, DEADLINE));
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let head = reader.read(&mut [0u8; 256]).await.unwrap();
        assert_eq!(head, 18);
        // As hyper does, on one task: wait for the next request while the handler runs, then
        // write the answer.
        let started = Instant::now();
        let mut buf = [0u8; 256];
        let (read, ()) = tokio::join!(reader.read(&mut buf), async {
            tokio::time::sleep(DEADLINE * 2).await;
            writer
                .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .await
                .unwrap();
        });
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::TimedOut);
        let took = started.elapsed();
        assert!(took >= DEADLINE * 3 && took < DEADLINE * 6, "{took:?}");
    }

    #[tokio::test]
    async fn upgraded_connections_have_no_deadline() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client
            .write_all(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
            .await
            .unwrap();
        read(&mut server).await.unwrap();
        server
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .unwrap();
        server
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        assert!(still_waiting(&mut server, DEADLINE * 3).await);
    }

    #[tokio::test]
    async fn trickling_does_not_extend_the_deadline() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        let trickle = tokio::spawn(async move {
            for byte in b"GET / HTTP/1.1\r\nX: ".iter().cycle().take(100) {
                if client.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(DEADLINE / 10).await;
            }
        });
        let started = Instant::now();
        let err = loop {
            if let Err(err) = read(&mut server).await {
                break err;
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < DEADLINE * 3);
        drop(server);
        trickle.await.unwrap();
    }
}
