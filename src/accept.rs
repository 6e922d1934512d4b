//! What every connection goes through before poem sees it.
//!
//! [`PlainAcceptor`] is the plain-TCP listener. It exists for `TCP_NODELAY`: chat frames are
//! small and must leave at once; with Nagle's algorithm a frame written while an earlier one is
//! unacknowledged waits for the peer's delayed ACK, up to 40 ms.
//!
//! [`HeadDeadline`] wraps every accepted stream, plain or TLS. hyper only times out a request
//! head when it is given a timer, and poem gives it none: without this, a connection that sends
//! nothing, half a request head, or a byte every few seconds keeps its socket and task forever,
//! and a few thousand of them exhaust the file descriptors. The wrapper watches the bytes go by:
//!
//! - **Waiting for a head** (no request unanswered): from accept, and again from the last
//!   write of a response, the client has one deadline to send a whole request head, up to its
//!   empty line. A read or write still stalled at the deadline fails with `TimedOut`, and hyper
//!   drops the connection. The deadline is for the whole head, not for silence, so trickling a
//!   byte at a time does not extend it; each write of a response moves it on, so a slow
//!   download is not cut off while it makes progress.
//! - **Busy** (heads read, not all answered; pipelined heads are counted): a longer deadline,
//!   [`BUSY_FACTOR`] times the head deadline, so a request may wait its turn (a sign-in queued
//!   behind other password hashes) but a connection the wrapper misreads is still bounded. A
//!   body that stalls is the guard's business: it answers 408 (see `web::security`).
//! - **HTTP/2** (the connection opened with the HTTP/2 preface): streams interleave, so heads
//!   cannot be told apart from bytes; the deadline is for silence instead, moved by every read
//!   and write.
//! - **Upgraded**: the server answered `101 Switching Protocols` (a WebSocket). Chat sockets
//!   live by their own rules (they ping and drop silent clients), so the wrapper steps aside
//!   for good.

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

/// The Busy deadline is this many head deadlines.
pub const BUSY_FACTOR: u32 = 4;

/// The first bytes of every HTTP/2 connection (RFC 9113, 3.4), up to where HTTP/1 would see a
/// request line.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Http1,
    Http2,
    Upgraded,
}

/// What a scan of read bytes found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scanned {
    /// This many complete request heads (pipelined requests come several to a read).
    Heads(usize),
    /// The connection speaks HTTP/2.
    Http2,
}

/// Finds the empty lines that end request heads, across reads. Empty lines before a request
/// line are skipped, as servers do; a bare `\n` ends a line as well as `\r\n`, as in hyper's
/// parser. Bodies are not told apart from heads: a body with an empty line in it would count
/// as a head, which only moves the connection to the longer Busy deadline.
#[derive(Debug)]
struct HeadScan {
    /// Some byte other than CR or LF has been read: a request line has begun.
    started: bool,
    /// The last line break was not followed by anything but CRs.
    at_line_start: bool,
    /// How much of the HTTP/2 preface the connection's first bytes matched, while they do.
    preface: Option<usize>,
}

impl HeadScan {
    /// A scan from the first byte of a connection, which may be the HTTP/2 preface.
    fn new() -> Self {
        HeadScan {
            started: false,
            at_line_start: false,
            preface: Some(0),
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Scanned {
        let mut heads = 0;
        for &byte in bytes {
            if let Some(matched) = self.preface {
                self.preface = (HTTP2_PREFACE[matched] == byte).then_some(matched + 1);
                if self.preface == Some(HTTP2_PREFACE.len()) {
                    return Scanned::Http2;
                }
            }
            match byte {
                b'\n' if self.started && self.at_line_start => {
                    heads += 1;
                    self.started = false;
                    self.at_line_start = false;
                }
                b'\n' => self.at_line_start = true,
                b'\r' => {}
                _ => {
                    self.started = true;
                    self.at_line_start = false;
                }
            }
        }
        Scanned::Heads(heads)
    }
}

/// What the server started writing, judged from the start of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    /// More of something already started (a body), or only interim (`1xx`) answers.
    Continuation,
    /// A final answer to a request.
    Response,
    /// `101 Switching Protocols`.
    Upgrade,
}

/// Looks at the status lines at the start of `bytes`, skipping interim answers such as
/// `100 Continue` (hyper may send one in the same write as the final answer).
fn classify(mut bytes: &[u8]) -> Written {
    while bytes.starts_with(b"HTTP/1.") && bytes.len() >= 12 {
        match &bytes[9..12] {
            b"101" => return Written::Upgrade,
            [b'1', _, _] => match bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                Some(end) => bytes = &bytes[end + 4..],
                None => return Written::Continuation,
            },
            _ => return Written::Response,
        }
    }
    Written::Continuation
}

/// A stream with the deadlines described in the module documentation.
pub struct HeadDeadline<S> {
    inner: S,
    head_timeout: Duration,
    mode: Mode,
    scan: HeadScan,
    /// Request heads read and not yet answered.
    unanswered: usize,
    /// The current deadline; dropped once upgraded, so a chat socket does not keep a timer.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> HeadDeadline<S> {
    pub fn new(inner: S, head_timeout: Duration) -> Self {
        HeadDeadline {
            inner,
            head_timeout,
            mode: Mode::Http1,
            scan: HeadScan::new(),
            unanswered: 0,
            deadline: Some(Box::pin(tokio::time::sleep(head_timeout))),
        }
    }

    /// Called with the bytes a read returned.
    fn on_read(&mut self, bytes: &[u8], cx: &mut Context<'_>) {
        match self.mode {
            Mode::Http1 => match self.scan.feed(bytes) {
                Scanned::Http2 => {
                    self.mode = Mode::Http2;
                    self.restart_deadline(self.head_timeout, cx);
                }
                Scanned::Heads(0) => {}
                Scanned::Heads(heads) => {
                    if self.unanswered == 0 {
                        self.restart_deadline(self.head_timeout * BUSY_FACTOR, cx);
                    }
                    self.unanswered += heads;
                }
            },
            Mode::Http2 if !bytes.is_empty() => self.restart_deadline(self.head_timeout, cx),
            Mode::Http2 | Mode::Upgraded => {}
        }
    }

    /// Called with what the server handed to the socket after a successful write.
    fn on_write(&mut self, bytes: &[u8], cx: &mut Context<'_>) {
        match self.mode {
            Mode::Http1 => match classify(bytes) {
                Written::Upgrade => {
                    self.mode = Mode::Upgraded;
                    self.deadline = None;
                }
                Written::Response => {
                    self.unanswered = self.unanswered.saturating_sub(1);
                    if self.unanswered == 0 {
                        self.restart_deadline(self.head_timeout, cx);
                    } else {
                        self.restart_deadline(self.head_timeout * BUSY_FACTOR, cx);
                    }
                }
                // More of a response: the wait for the next head counts from the last write,
                // as long as the client has not begun sending it.
                Written::Continuation if self.unanswered == 0 && !self.scan.started => {
                    self.restart_deadline(self.head_timeout, cx);
                }
                Written::Continuation => {}
            },
            Mode::Http2 => self.restart_deadline(self.head_timeout, cx),
            Mode::Upgraded => {}
        }
    }

    /// Moves the deadline to `timeout` from now. The timer is polled here, with the waker of
    /// the task doing the I/O, which is the connection's: hyper may already be waiting on a
    /// read or write registered under the earlier deadline, and only this wakes it to find
    /// the new one passed.
    fn restart_deadline(&mut self, timeout: Duration, cx: &mut Context<'_>) {
        let at = Instant::now() + timeout;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        deadline.as_mut().reset(at);
        let _ = deadline.as_mut().poll(cx);
    }

    /// For a read or write that would wait: has the deadline passed?
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline
            .as_mut()
            .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready())
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
                this.on_read(&buf.filled()[before..], cx);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The start of what a vectored write handed over, enough to read its status lines.
fn start_of<'a>(bufs: &[IoSlice<'_>], scratch: &'a mut [u8; 512]) -> &'a [u8] {
    let mut len = 0;
    for buf in bufs {
        let take = buf.len().min(scratch.len() - len);
        scratch[len..len + take].copy_from_slice(&buf[..take]);
        len += take;
        if len == scratch.len() {
            break;
        }
    }
    &scratch[..len]
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
                    this.on_write(buf, cx);
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
                if matches!(result, Ok(n) if n > 0) && this.mode != Mode::Upgraded {
                    let mut scratch = [0u8; 512];
                    this.on_write(start_of(bufs, &mut scratch), cx);
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
    fn heads_end_at_their_empty_line_and_pipelined_ones_are_counted() {
        let mut scan = HeadScan::new();
        assert_eq!(scan.feed(b"GET / HTTP/1.1\r\nHost: a\r"), Scanned::Heads(0));
        assert_eq!(scan.feed(b"\n\r\nGET /b HTTP/1.1\r\n"), Scanned::Heads(1));
        assert!(scan.started, "the next head has begun");
        assert_eq!(scan.feed(b"\r\nGET /c HTTP/1.1\n\n"), Scanned::Heads(2));
        let mut leading = HeadScan::new();
        assert_eq!(
            leading.feed(b"\r\n\r\n\r\n"),
            Scanned::Heads(0),
            "empty lines before the request are not a head"
        );
        assert_eq!(leading.feed(b"GET / HTTP/1.1\r\n\r\n"), Scanned::Heads(1));
    }

    #[test]
    fn the_http2_preface_is_recognised_only_at_the_start() {
        let mut scan = HeadScan::new();
        assert_eq!(scan.feed(b"PRI * HTTP"), Scanned::Heads(0));
        assert_eq!(scan.feed(b"/2.0\r\n\r\n"), Scanned::Http2);
        let mut later = HeadScan::new();
        assert_eq!(later.feed(b"GET / HTTP/1.1\r\n\r\n"), Scanned::Heads(1));
        assert_eq!(later.feed(b"PRI * HTTP/2.0\r\n\r\n"), Scanned::Heads(1));
    }

    #[test]
    fn writes_are_told_apart_by_their_status_lines() {
        assert_eq!(classify(b"HTTP/1.1 200 OK\r\n\r\n"), Written::Response);
        assert_eq!(
            classify(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
            Written::Upgrade
        );
        assert_eq!(
            classify(b"HTTP/1.1 100 Continue\r\n\r\n"),
            Written::Continuation
        );
        assert_eq!(
            classify(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n{}"),
            Written::Response
        );
        assert_eq!(classify(b"{\"messages\":[]}"), Written::Continuation);
        assert_eq!(classify(b"HTTP/1."), Written::Continuation);
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
    async fn a_request_being_handled_has_the_longer_deadline() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        read(&mut server).await.unwrap();
        assert!(
            still_waiting(&mut server, DEADLINE * 3).await,
            "a longer deadline while the request is handled"
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

    #[tokio::test]
    async fn a_request_never_answered_is_cut_off_at_the_busy_deadline() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        read(&mut server).await.unwrap();
        let started = Instant::now();
        let err = read(&mut server).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let took = started.elapsed();
        assert!(took >= DEADLINE * (BUSY_FACTOR - 1), "{took:?}");
    }

    #[tokio::test]
    async fn a_continue_and_the_answer_in_one_write_bring_back_the_head_deadline() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client
            .write_all(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")
            .await
            .unwrap();
        read(&mut server).await.unwrap();
        server
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        assert_eq!(
            read(&mut server).await.unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        assert!(started.elapsed() < DEADLINE * 2);
    }

    #[tokio::test]
    async fn pipelined_requests_keep_the_busy_deadline_until_the_last_is_answered() {
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client
            .write_all(b"GET /a HTTP/1.1\r\n\r\nGET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
            .await
            .unwrap();
        read(&mut server).await.unwrap();
        server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        assert!(
            still_waiting(&mut server, DEADLINE * 2).await,
            "the second request is still being handled"
        );
        server
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        assert!(
            still_waiting(&mut server, DEADLINE * (BUSY_FACTOR + 1)).await,
            "the upgraded socket has no deadline"
        );
    }

    #[tokio::test]
    async fn http2_connections_are_cut_off_when_silent_not_while_busy() {
        // Half a preface, then nothing.
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client.write_all(b"PRI * HTTP/2.0\r\n\r\n").await.unwrap();
        read(&mut server).await.unwrap();
        let started = Instant::now();
        assert_eq!(
            read(&mut server).await.unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        assert!(started.elapsed() < DEADLINE * 2);

        // Traffic back and forth keeps a connection open past any one deadline.
        let (mut client, server) = duplex(1024);
        let mut server = HeadDeadline::new(server, DEADLINE);
        client
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < DEADLINE * 3 {
            read(&mut server).await.unwrap();
            tokio::time::sleep(DEADLINE / 4).await;
            server.write_all(b"frame").await.unwrap();
            client.write_all(b"frame").await.unwrap();
        }
    }
}
