//! [`HeadDeadline`], the stream wrapper that sheds connections which do not send their request
//! heads in time (the rules are in the module documentation of `accept`). Apart from the
//! acceptor because it wraps TLS streams as well as plain ones.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::scan::{HeadScan, Scanned, Written, classify};

/// The Busy deadline is this many head deadlines.
pub const BUSY_FACTOR: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Http1,
    Http2,
    Upgraded,
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
