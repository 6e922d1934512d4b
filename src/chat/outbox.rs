//! The outgoing queue of one socket.
//!
//! Publishers (the writer thread, presence changes) push pre-encoded frames without ever
//! waiting; the socket's own task drains them. The queue is bounded in bytes: when a client
//! reads too slowly and the queue would overflow, it is emptied and the socket is closed with
//! 1013, so the client resumes with `since` instead of silently missing messages.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One queued frame.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A change to a room (a new message), tagged with its sequence number so the socket can
    /// skip what it already delivered in a `joined` or `history` answer.
    Change {
        room_id: u64,
        seq: u64,
        frame: Utf8Bytes,
    },
    /// Any other frame (presence, a late error, the person's own events).
    Frame(Utf8Bytes),
    /// The person lost access to this room: the socket stops following it. Comes after every
    /// change of the room committed before the loss, and before any committed after it.
    Unfollow { room_id: u64 },
    /// A room joined the person's list: the socket starts watching it.
    Watch { room_id: u64 },
}

impl Outgoing {
    fn len(&self) -> usize {
        match self {
            Outgoing::Change { frame, .. } | Outgoing::Frame(frame) => frame.len(),
            Outgoing::Unfollow { .. } | Outgoing::Watch { .. } => 0,
        }
    }
}

/// Why a socket is being closed, with its WebSocket close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client fell too far behind (1013, try again later).
    Overflow,
    /// The session was signed out or its password changed (4001).
    SignedOut,
    /// The server is shutting down (1001, going away).
    Shutdown,
    /// The person's name, picture or notification privacy changed: their page reconnects to
    /// learn it (4002).
    ProfileChanged,
}

impl CloseReason {
    pub fn code(self) -> u16 {
        match self {
            CloseReason::Overflow => 1013,
            CloseReason::SignedOut => 4001,
            CloseReason::Shutdown => 1001,
            CloseReason::ProfileChanged => 4002,
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            CloseReason::Overflow => "too far behind; resume with since",
            CloseReason::SignedOut => "signed out",
            CloseReason::Shutdown => "going away",
            CloseReason::ProfileChanged => "your profile changed; reconnect",
        }
    }
}

struct State {
    queue: VecDeque<Outgoing>,
    bytes: usize,
    close: Option<CloseReason>,
    /// The socket task, when it waits for work. Woken after the lock is released.
    waiter: Option<Waker>,
}

/// What the socket task should do next.
pub enum Work {
    /// Frames were moved into the caller's buffer.
    Send,
    Close(CloseReason),
}

/// Queue capacity kept between bursts; more is given back so idle sockets stay small.
const RETAINED_CAPACITY: usize = 64;

pub struct Outbox {
    state: Mutex<State>,
    capacity_bytes: usize,
}

impl Outbox {
    pub fn new(capacity_bytes: usize) -> Self {
        Outbox {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                bytes: 0,
                close: None,
                waiter: None,
            }),
            capacity_bytes,
        }
    }

    /// Queues a frame. Never blocks; returns false if the socket is closing (now or already).
    pub fn push(&self, item: Outgoing) -> bool {
        let mut state = self.lock();
        if state.close.is_some() {
            return false;
        }
        let len = item.len();
        let accepted = state.bytes + len <= self.capacity_bytes;
        if accepted {
            state.bytes += len;
            state.queue.push_back(item);
        } else {
            state.queue = VecDeque::new();
            state.bytes = 0;
            state.close = Some(CloseReason::Overflow);
        }
        let waiter = state.waiter.take();
        drop(state);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        accepted
    }

    /// Bytes of frames waiting to be written.
    pub fn queued_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Asks the socket to close. The first reason wins.
    pub fn close(&self, reason: CloseReason) {
        let mut state = self.lock();
        if state.close.is_none() {
            state.close = Some(reason);
        }
        let waiter = state.waiter.take();
        drop(state);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// Resolves when there is something to send or a reason to close. Safe to cancel: the
    /// state is checked on every poll, and only the one socket task ever waits.
    pub fn ready(&self) -> Ready<'_> {
        Ready { outbox: self }
    }

    /// Moves everything queued into `into`, which must be empty; a pending close takes
    /// precedence. The two buffers trade places, so in steady state no frame costs an
    /// allocation.
    pub fn take_into(&self, into: &mut VecDeque<Outgoing>) -> Option<Work> {
        debug_assert!(into.is_empty());
        let mut state = self.lock();
        if let Some(reason) = state.close {
            return Some(Work::Close(reason));
        }
        if state.queue.is_empty() {
            return None;
        }
        state.bytes = 0;
        if into.capacity() > RETAINED_CAPACITY {
            into.shrink_to(RETAINED_CAPACITY);
        }
        std::mem::swap(&mut state.queue, into);
        Some(Work::Send)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // No code panics while holding this lock; recover the data if one ever did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The future of [`Outbox::ready`].
pub struct Ready<'a> {
    outbox: &'a Outbox,
}

impl Future for Ready<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.outbox.lock();
        if state.close.is_some() || !state.queue.is_empty() {
            return Poll::Ready(());
        }
        match &mut state.waiter {
            Some(waiter) if waiter.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> Outgoing {
        Outgoing::Frame(Utf8Bytes::from(text))
    }

    #[test]
    fn queues_in_order_and_drains_everything() {
        let outbox = Outbox::new(1024);
        assert!(outbox.push(frame("a")));
        assert!(outbox.push(frame("b")));
        let mut items = VecDeque::new();
        assert!(matches!(outbox.take_into(&mut items), Some(Work::Send)));
        let texts: Vec<_> = items
            .iter()
            .map(|i| match i {
                Outgoing::Frame(f) => f.as_str().to_owned(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(texts, ["a", "b"]);
        items.clear();
        assert!(outbox.take_into(&mut items).is_none());
    }

    #[test]
    fn overflow_empties_the_queue_and_closes_with_1013() {
        let outbox = Outbox::new(10);
        assert!(outbox.push(frame("12345")));
        assert!(outbox.push(frame("12345")));
        assert!(!outbox.push(frame("1")));
        assert!(matches!(
            outbox.take_into(&mut VecDeque::new()),
            Some(Work::Close(CloseReason::Overflow))
        ));
        assert!(
            !outbox.push(frame("1")),
            "a closing outbox takes nothing more"
        );
        assert_eq!(CloseReason::Overflow.code(), 1013);
    }

    #[test]
    fn draining_frees_capacity() {
        let outbox = Outbox::new(10);
        assert!(outbox.push(frame("1234567890")));
        assert!(outbox.take_into(&mut VecDeque::new()).is_some());
        assert!(outbox.push(frame("1234567890")));
    }

    #[test]
    fn first_close_reason_wins() {
        let outbox = Outbox::new(10);
        outbox.close(CloseReason::SignedOut);
        outbox.close(CloseReason::Shutdown);
        assert!(matches!(
            outbox.take_into(&mut VecDeque::new()),
            Some(Work::Close(CloseReason::SignedOut))
        ));
    }

    #[tokio::test]
    async fn ready_wakes_on_push_from_another_thread() {
        let outbox = std::sync::Arc::new(Outbox::new(100));
        let pusher = std::sync::Arc::clone(&outbox);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            pusher.push(frame("x"));
        });
        tokio::time::timeout(std::time::Duration::from_secs(5), outbox.ready())
            .await
            .expect("woken by the push");
        thread.join().unwrap();
    }
}
