//! One WebSocket, from upgrade to close: the loop reads client frames and hands each to its
//! command (`cmd/`, one file per frame type), and drains the socket's outbox onto the wire.
//!
//! Everything happens on one task, so a `joined` answer is always written before any live
//! change of that room, and the outbox never races with the answer it follows.

mod answer;
mod cmd;

use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, interval_at, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::Chat;
use super::hub::{Closed, ConnId, Member};
use super::outbox::{Outbox, Outgoing, Work};
use super::presence;
use super::protocol::frames::{Hello, hello_frame};
use super::protocol::{ErrorFrame, parse_client_frame};
use crate::access::Actor;
use crate::errors::Code;
use crate::people::standing_in;
use crate::ratelimit::{Rate, TokenBucket};
use crate::rooms::sidebar_in;
use crate::store::{SessionKey, StoreError, User};

/// A ping is sent this often; a socket silent for `IDLE_LIMIT` is considered dead.
const PING_EVERY: Duration = Duration::from_secs(30);
const IDLE_LIMIT: Duration = Duration::from_secs(75);
/// A client that does not take a frame within this time is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Rate-limited frames in a row after which the client is considered abusive.
const MAX_STRIKES: u32 = 200;
/// `typing` frames per socket: a page sends one every 3 s while its person types, so a burst
/// of 3 then one a second leaves room for several rooms and a late timer.
const TYPING_RATE: Rate = Rate::new(3, Duration::from_secs(1));

/// A room this socket follows.
struct Following {
    id: u64,
    /// The lower-cased name it was joined by, if any, to find it again by name.
    name_key: Option<String>,
    /// Highest sequence number this socket has been given; live changes at or below it are
    /// skipped.
    delivered: u64,
}

struct Socket<'a> {
    chat: &'a Chat,
    /// Who this socket acts for.
    actor: Actor,
    /// The address it came from, for the audit log of what its person moderates.
    from: Option<IpAddr>,
    member: Member,
    rooms: Vec<Following>,
    /// The rooms of the person's list this socket watches for new messages (see the hub).
    watched: HashSet<u64>,
    send_bucket: TokenBucket,
    frame_bucket: TokenBucket,
    typing_bucket: TokenBucket,
    strikes: u32,
}

enum Flow {
    Continue,
    Close(CloseCode, &'static str),
}

/// Serves one upgraded socket until it closes.
pub async fn serve_socket<S>(
    mut ws: WebSocketStream<S>,
    chat: Arc<Chat>,
    user: User,
    session: SessionKey,
    from: Option<IpAddr>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let outbox = Arc::new(Outbox::new(chat.settings.queue_bytes));
    let (conn, came_online): (ConnId, bool) =
        chat.hub.connect(session, user.id, Arc::clone(&outbox));

    let now = chat.clock.now_ms();
    let mut socket = Socket {
        chat: &chat,
        actor: Actor::signed_in(&user),
        from,
        member: Member {
            conn,
            user_id: user.id,
            username: user.username.as_str().into(),
            outbox,
        },
        rooms: Vec::new(),
        watched: HashSet::new(),
        send_bucket: TokenBucket::new(chat.settings.send_rate, now),
        frame_bucket: TokenBucket::new(chat.settings.frame_rate, now),
        typing_bucket: TokenBucket::new(TYPING_RATE, now),
        strikes: 0,
    };

    // The person's rooms and friends as they are now come first; events after them arrive
    // live, so a reconnecting page misses nothing of its sidebar.
    let close = match hello(&chat, &user) {
        Ok((frame, friends, rooms)) => match send(&mut ws, frame).await {
            Ok(()) => {
                for room_id in rooms {
                    socket.watch(room_id);
                }
                if came_online {
                    presence::came_online(&chat, &user, &friends);
                }
                socket.run(&mut ws).await
            }
            Err(()) => None,
        },
        Err(err) => {
            tracing::warn!(error = %err, "cannot read a user's rooms for a new socket");
            Some((
                CloseCode::Error,
                "the server cannot read its data; reconnect",
            ))
        }
    };

    let why = Closed {
        reason: closed_because(close),
    };
    chat.hub.counts.closed.get_or_create(&why).inc();
    if let Some((code, reason)) = close {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = timeout(WRITE_TIMEOUT, ws.close(Some(frame))).await;
    }
    for room_id in socket
        .rooms
        .iter()
        .map(|r| r.id)
        .chain(socket.watched.iter().copied())
    {
        chat.hub.leave(room_id, conn, false);
    }
    if chat.hub.disconnect(session, user.id, conn) {
        presence::went_offline(&chat, &user).await;
    }
}

/// Why a socket closed, as the metrics name it (one of the hub's `CLOSE_REASONS`): `client`
/// when the other side closed or went away, else the reason the server closed it with.
fn closed_because(close: Option<(CloseCode, &'static str)>) -> &'static str {
    let Some((code, text)) = close else {
        return "client";
    };
    match u16::from(code) {
        1001 if text == "idle" => "idle",
        1001 => "shutdown",
        1013 => "overflow",
        4001 => "signed_out",
        4002 => "profile_changed",
        1009 => "too_big",
        1002 | 1007 => "protocol",
        1008 => "policy",
        _ => "error",
    }
}

/// The first frame of a socket (the person's rooms, friends and blocks), the ids of their
/// friends, whom their coming online concerns, and the ids of those rooms.
fn hello(chat: &Chat, user: &User) -> Result<(Utf8Bytes, Vec<u64>, Vec<u64>), String> {
    // One snapshot, read on this thread: reads wait for no fsync, and a trip to the blocking
    // pool would cost a connect more than the read.
    let read = || -> Result<_, StoreError> {
        let snapshot = chat.store.snapshot()?;
        Ok((
            sidebar_in(&snapshot, &Actor::signed_in(user))?,
            standing_in(&snapshot, user.id)?,
        ))
    };
    let (rooms, standing) = read().map_err(|e| e.to_string())?;
    let friends = presence::entries(chat, &standing.friends);
    let frame = hello_frame(&Hello {
        user,
        rooms: &rooms,
        friends: &friends,
        blocked: &standing.blocked,
    });
    let room_ids = rooms.iter().map(|room| room.id).collect();
    Ok((frame, standing.friend_ids(), room_ids))
}

async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    frame: Utf8Bytes,
) -> Result<(), ()> {
    send_message(ws, Message::Text(frame)).await
}

async fn send_message<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    message: Message,
) -> Result<(), ()> {
    match timeout(WRITE_TIMEOUT, ws.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

impl Socket<'_> {
    /// Reads and answers frames and drains the outbox until the socket closes; returns the
    /// close frame to send, if any.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        ws: &mut WebSocketStream<S>,
    ) -> Option<(CloseCode, &'static str)> {
        // Frames taken from the outbox; kept across batches so sending allocates nothing.
        let mut queued = VecDeque::new();
        let mut ping = interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        let mut last_heard = Instant::now();
        loop {
            // Queued frames first: a wake-up for the outbox then does not also poll the socket
            // for reading (each read attempt costs a buffer fill in tungstenite).
            tokio::select! {
                biased;
                () = self.member.outbox.ready() => {
                    let written = match self.member.outbox.take_into(&mut queued) {
                        Some(Work::Send) => self.write_queued(ws, &mut queued).await,
                        Some(Work::Close(reason)) => {
                            return Some((CloseCode::from(reason.code()), reason.text()));
                        }
                        None => Ok(()),
                    };
                    if written.is_err() {
                        return None;
                    }
                }
                incoming = ws.next() => {
                    last_heard = Instant::now();
                    let flow = match incoming {
                        None => return None,
                        Some(Ok(Message::Text(text))) => {
                            let (reply, flow) = self.handle_text(text.as_str()).await;
                            if let Some(reply) = reply
                                && send(ws, reply).await.is_err()
                            {
                                return None;
                            }
                            flow
                        }
                        Some(Ok(Message::Binary(_))) => {
                            let reply = ErrorFrame::new(Code::BadRequest, "Frames must be JSON text, not binary.");
                            if send(ws, reply.encode()).await.is_err() {
                                return None;
                            }
                            Flow::Continue
                        }
                        Some(Ok(Message::Close(_))) => return None,
                        Some(Ok(_)) => Flow::Continue,
                        Some(Err(WsError::Capacity(_))) => Flow::Close(CloseCode::Size, "message too big"),
                        Some(Err(WsError::Utf8(_))) => Flow::Close(CloseCode::Invalid, "invalid UTF-8"),
                        // Gone without a goodbye: there is nobody to send a close frame to.
                        Some(Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))) => return None,
                        Some(Err(WsError::Protocol(_))) => Flow::Close(CloseCode::Protocol, "protocol error"),
                        Some(Err(_)) => return None,
                    };
                    if let Flow::Close(code, reason) = flow {
                        return Some((code, reason));
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > IDLE_LIMIT {
                        return Some((CloseCode::Away, "idle"));
                    }
                    if send_message(ws, Message::Ping(Default::default())).await.is_err() {
                        return None;
                    }
                }
            }
        }
    }

    async fn handle_text(&mut self, text: &str) -> (Option<Utf8Bytes>, Flow) {
        let now = self.chat.clock.now_ms();
        if self
            .frame_bucket
            .take(self.chat.settings.frame_rate, now)
            .is_err()
        {
            self.strikes += 1;
            if self.strikes > MAX_STRIKES {
                return (None, Flow::Close(CloseCode::Policy, "too many frames"));
            }
            let reply = ErrorFrame::new(Code::RateLimited, "Too many frames; slow down.");
            return (Some(reply.encode()), Flow::Continue);
        }
        self.strikes = 0;
        let reply = match parse_client_frame(text) {
            Ok(frame) => cmd::dispatch(self, frame, now).await,
            Err(reason) => {
                let reply =
                    ErrorFrame::new(Code::BadRequest, format!("Unreadable frame: {reason}."));
                Some(reply.encode())
            }
        };
        (reply, Flow::Continue)
    }

    fn following(&self, room_id: u64) -> Option<usize> {
        self.rooms.iter().position(|r| r.id == room_id)
    }

    fn watch(&mut self, room_id: u64) {
        if self.watched.insert(room_id) {
            self.chat.hub.watch(room_id, &self.member);
        }
    }

    /// This socket stops following a room; it goes on watching it if the room is in its list.
    fn unfollow(&self, room_id: u64) {
        let keep_watching = self.watched.contains(&room_id);
        self.chat
            .hub
            .leave(room_id, self.member.conn, keep_watching);
    }

    /// Writes queued frames (draining `queued`, whose capacity is kept for the next batch),
    /// skipping live copies of changes already delivered. One deadline covers the batch.
    async fn write_queued<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        ws: &mut WebSocketStream<S>,
        queued: &mut VecDeque<Outgoing>,
    ) -> Result<(), ()> {
        let rooms = &mut self.rooms;
        let watched = &mut self.watched;
        let (hub, member) = (&self.chat.hub, &self.member);
        let write = async {
            let mut wrote = false;
            for item in queued.drain(..) {
                let frame = match item {
                    Outgoing::Frame(frame) => frame,
                    Outgoing::Change {
                        room_id,
                        seq,
                        frame,
                    } => {
                        let Some(room) = rooms.iter_mut().find(|r| r.id == room_id) else {
                            continue;
                        };
                        if seq <= room.delivered {
                            continue;
                        }
                        room.delivered = seq;
                        frame
                    }
                    Outgoing::Unfollow { room_id } => {
                        rooms.retain(|r| r.id != room_id);
                        watched.remove(&room_id);
                        continue;
                    }
                    Outgoing::Watch { room_id } => {
                        if watched.insert(room_id) {
                            hub.watch(room_id, member);
                        }
                        continue;
                    }
                };
                ws.feed(Message::Text(frame)).await?;
                wrote = true;
            }
            if wrote {
                ws.flush().await?;
            }
            Ok::<(), WsError>(())
        };
        match timeout(WRITE_TIMEOUT, write).await {
            Ok(Ok(())) => Ok(()),
            _ => {
                queued.clear();
                Err(())
            }
        }
    }
}
