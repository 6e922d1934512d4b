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
//!
//! The deadline itself is in `deadline`; the reading of the bytes it watches (where request
//! heads end, what a write starts with) in `scan`, which knows nothing of time or sockets.

mod deadline;
mod scan;
#[cfg(test)]
mod tests;

use std::io;
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::net::{TcpListener, TcpStream};

pub use deadline::{BUSY_FACTOR, HeadDeadline};

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
