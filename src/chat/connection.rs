//! One WebSocket, from upgrade to close: reads client frames and answers them, submits sends
//! to the writer, and drains the socket's outbox onto the wire.
//!
//! Everything happens on one task, so a `joined` answer is always written before any live
//! message of that room, and the outbox never races with the answer it follows.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, interval_at, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::Chat;
use super::hub::{ConnId, Member};
use super::outbox::{Outbox, Outgoing, Work};
use super::protocol::{
    ClientFrame, ErrorFrame, history_frame, joined_frame, left_frame, parse_client_frame,
};
use super::writer::{NewMessage, Pending};
use crate::ratelimit::TokenBucket;
use crate::rooms::input::{ROOM_NAME_MAX, check_client_id, check_message_text, check_room_name};
use crate::rooms::view::MessageView;
use crate::rooms::{History, RoomError, RoomRef};
use crate::store::{HistoryQuery, SessionKey, User, room_key};

/// Rooms one socket may be in at once.
const MAX_ROOMS: usize = 32;
/// Messages in a `joined` answer without `since`.
const JOIN_LATEST: usize = 50;
/// Messages in a `joined` answer with `since`; past this the client pages on with `history`.
const JOIN_RESUME_MAX: usize = 500;
const HISTORY_DEFAULT: u32 = 50;
const HISTORY_MAX: u32 = 200;
/// Bytes of messages in one `joined` or `history` answer. Past this an answer holds fewer
/// messages and says `more: true`, and the client pages on, as it does past the count limits.
/// Counts alone do not bound an answer: 500 messages of 4,000 characters are 6 MiB, three times
/// that once JSON escapes them. An answer that big would cost the server megabytes per request
/// and could not reach a slow phone within the write timeout, so the client would reconnect
/// and ask again forever.
const ANSWER_BYTES: usize = 512 * 1024;
/// A ping is sent this often; a socket silent for `IDLE_LIMIT` is considered dead.
const PING_EVERY: Duration = Duration::from_secs(30);
const IDLE_LIMIT: Duration = Duration::from_secs(75);
/// A client that does not take a frame within this time is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Rate-limited frames in a row after which the client is considered abusive.
const MAX_STRIKES: u32 = 200;

struct JoinedRoom {
    key: String,
    id: u64,
    name: Arc<str>,
    /// Highest sequence number this socket has been given; live changes at or below it are
    /// skipped.
    delivered: u64,
}

struct Socket<'a> {
    chat: &'a Chat,
    member: Member,
    rooms: Vec<JoinedRoom>,
    send_bucket: TokenBucket,
    frame_bucket: TokenBucket,
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
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let outbox = Arc::new(Outbox::new(chat.settings.queue_bytes));
    let conn: ConnId = chat.hub.connect(session, Arc::clone(&outbox));
    let now = chat.clock.now_ms();
    let mut socket = Socket {
        chat: &chat,
        member: Member {
            conn,
            user_id: user.id,
            username: user.username.as_str().into(),
            outbox,
        },
        rooms: Vec::new(),
        send_bucket: TokenBucket::new(chat.settings.send_rate, now),
        frame_bucket: TokenBucket::new(chat.settings.frame_rate, now),
        strikes: 0,
    };

    // Frames taken from the outbox; kept across batches so sending allocates nothing.
    let mut queued = VecDeque::new();
    let mut ping = interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    let close = loop {
        // Queued frames first: a wake-up for the outbox then does not also poll the socket
        // for reading (each read attempt costs a buffer fill in tungstenite).
        tokio::select! {
            biased;
            () = socket.member.outbox.ready() => {
                let written = match socket.member.outbox.take_into(&mut queued) {
                    Some(Work::Send) => socket.write_queued(&mut ws, &mut queued).await,
                    Some(Work::Close(reason)) => {
                        break Some((CloseCode::from(reason.code()), reason.text()));
                    }
                    None => Ok(()),
                };
                if written.is_err() {
                    break None;
                }
            }
            incoming = ws.next() => {
                last_heard = Instant::now();
                let flow = match incoming {
                    None => break None,
                    Some(Ok(Message::Text(text))) => {
                        let (reply, flow) = socket.handle_text(text.as_str()).await;
                        if let Some(reply) = reply
                            && send(&mut ws, reply).await.is_err()
                        {
                            break None;
                        }
                        flow
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let reply = ErrorFrame::new("bad_request", "Frames must be JSON text, not binary.");
                        if send(&mut ws, reply.encode()).await.is_err() {
                            break None;
                        }
                        Flow::Continue
                    }
                    Some(Ok(Message::Close(_))) => break None,
                    Some(Ok(_)) => Flow::Continue,
                    Some(Err(WsError::Capacity(_))) => Flow::Close(CloseCode::Size, "message too big"),
                    Some(Err(WsError::Utf8(_))) => Flow::Close(CloseCode::Invalid, "invalid UTF-8"),
                    Some(Err(WsError::Protocol(_))) => Flow::Close(CloseCode::Protocol, "protocol error"),
                    Some(Err(_)) => break None,
                };
                if let Flow::Close(code, reason) = flow {
                    break Some((code, reason));
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > IDLE_LIMIT {
                    break Some((CloseCode::Away, "idle"));
                }
                if send_message(&mut ws, Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
        }
    };

    if let Some((code, reason)) = close {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = timeout(WRITE_TIMEOUT, ws.close(Some(frame))).await;
    }
    for room in &socket.rooms {
        chat.hub.leave(room.id, conn);
    }
    chat.hub.disconnect(session, conn);
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

/// Cuts a page to [`ANSWER_BYTES`], keeping its oldest messages (a page read forward) or its
/// newest (the latest, or a page read backward), and at least one.
fn fit_answer(page: &mut History, keep_oldest: bool) {
    let mut total = 0;
    let mut fits = |message: &MessageView| {
        total += encoded_len(message);
        total <= ANSWER_BYTES
    };
    let kept = if keep_oldest {
        page.messages.iter().take_while(|m| fits(m)).count()
    } else {
        page.messages.iter().rev().take_while(|m| fits(m)).count()
    }
    .max(1);
    if kept < page.messages.len() {
        let cut = page.messages.len() - kept;
        if keep_oldest {
            page.messages.truncate(kept);
        } else {
            page.messages.drain(..cut);
        }
        page.more = true;
    }
}

/// An upper bound of the bytes a message takes in a frame: every string as if JSON escaped each
/// control character to six bytes, the room name at its longest, and the other fields.
fn encoded_len(message: &MessageView) -> usize {
    fn json_len(text: &str) -> usize {
        text.chars()
            .map(|c| match c {
                '"' | '\\' => 2,
                c if u32::from(c) < 0x20 => 6,
                c => c.len_utf8(),
            })
            .sum()
    }
    let client_id = message.client_id.as_deref().map_or(0, json_len);
    json_len(&message.text) + json_len(&message.user) + client_id + 6 * ROOM_NAME_MAX + 192
}

impl Socket<'_> {
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
            let reply = ErrorFrame::new("rate_limited", "Too many frames; slow down.");
            return (Some(reply.encode()), Flow::Continue);
        }
        self.strikes = 0;
        let frame = match parse_client_frame(text) {
            Ok(frame) => frame,
            Err(reason) => {
                let reply = ErrorFrame::new("bad_request", format!("Unreadable frame: {reason}."));
                return (Some(reply.encode()), Flow::Continue);
            }
        };
        let reply = match frame {
            ClientFrame::Join { room, since } => self.join(&room, since).await,
            ClientFrame::Leave { room } => self.leave(&room),
            ClientFrame::Send {
                room,
                text,
                client_id,
            } => self.send(&room, text, client_id, now).await,
            ClientFrame::History {
                room,
                before,
                after,
                limit,
            } => self.history(&room, before, after, limit).await,
        };
        (reply, Flow::Continue)
    }

    fn joined(&self, room: &str) -> Option<usize> {
        let key = room_key(room);
        self.rooms.iter().position(|r| r.key == key)
    }

    fn not_joined(room: &str) -> Option<Utf8Bytes> {
        Some(
            ErrorFrame::new("not_joined", "Join the room first.")
                .room(room)
                .encode(),
        )
    }

    async fn join(&mut self, raw: &str, since: Option<u64>) -> Option<Utf8Bytes> {
        let name = match check_room_name(raw) {
            Ok(name) => name.to_owned(),
            Err(reason) => return Some(ErrorFrame::new("invalid_room", reason).room(raw).encode()),
        };
        let existing = self.joined(&name);
        if existing.is_none() && self.rooms.len() >= MAX_ROOMS {
            let reply = ErrorFrame::new("too_many_rooms", "Leave a room before joining another.");
            return Some(reply.room(name).encode());
        }
        let user_id = self.member.user_id;
        let room = match self
            .chat
            .rooms
            .join(user_id, RoomRef::Name(name.clone()))
            .await
        {
            Ok(visible) => visible.room,
            Err(err) => return Some(ErrorFrame::for_room(&err).room(name).encode()),
        };
        let room_name: Arc<str> = room.name.as_deref().unwrap_or_default().into();
        // Subscribe before reading history: a change committed meanwhile is either in the
        // page or queued live (or both, and then skipped by sequence number).
        let members = self.chat.hub.join(room.id, &room_name, &self.member);
        let (query, limit) = match since {
            Some(since) => (HistoryQuery::Since(since), JOIN_RESUME_MAX),
            None => (HistoryQuery::Latest, JOIN_LATEST),
        };
        let page = match self.read(room.id, query, limit).await {
            Ok(page) => page,
            Err(err) => {
                if existing.is_none() {
                    self.chat.hub.leave(room.id, self.member.conn);
                }
                return Some(ErrorFrame::for_room(&err).room(name).encode());
            }
        };
        // Up to date as of the snapshot, unless a resume must page on: then up to its page, so
        // the live changes past it are not skipped.
        let delivered = match (since, page.more, page.messages.last()) {
            (Some(_), true, Some(last)) => last.seq,
            _ => page.room.seq,
        };
        let joined = JoinedRoom {
            key: room_key(&room_name),
            id: room.id,
            name: Arc::clone(&room_name),
            delivered,
        };
        match existing {
            Some(index) => self.rooms[index] = joined,
            None => self.rooms.push(joined),
        }
        Some(joined_frame(
            &room_name,
            &members,
            &page.messages,
            page.more,
        ))
    }

    fn leave(&mut self, room: &str) -> Option<Utf8Bytes> {
        let Some(index) = self.joined(room) else {
            return Self::not_joined(room);
        };
        let left = self.rooms.swap_remove(index);
        self.chat.hub.leave(left.id, self.member.conn);
        Some(left_frame(&left.name))
    }

    async fn send(
        &mut self,
        room: &str,
        text: String,
        client_id: Option<String>,
        now: u64,
    ) -> Option<Utf8Bytes> {
        let Some(index) = self.joined(room) else {
            return Self::not_joined(room);
        };
        let refuse = |code, message: &str| {
            Some(
                ErrorFrame::new(code, message)
                    .room(room)
                    .client_id(client_id.clone())
                    .encode(),
            )
        };
        if let Err(problem) = check_message_text(&text) {
            return refuse(problem.code(), problem.message());
        }
        if let Some(id) = client_id.as_deref()
            && !check_client_id(id)
        {
            return refuse("bad_request", "client_id must be at most 64 characters.");
        }
        if let Err(wait) = self.send_bucket.take(self.chat.settings.send_rate, now) {
            let message = format!("Sending too fast; wait {} ms.", wait.as_millis().max(1));
            return refuse("rate_limited", &message);
        }
        let joined = &self.rooms[index];
        let pending = Pending {
            message: NewMessage {
                room_id: joined.id,
                user_id: self.member.user_id,
                text,
                client_id: client_id.clone(),
            },
            author: Arc::clone(&self.member.username),
            room_name: Arc::clone(&joined.name),
            sender: Arc::clone(&self.member.outbox),
        };
        if self.chat.writer.submit(pending).await.is_err() {
            return refuse(
                "unavailable",
                "The server is shutting down; send again after reconnecting.",
            );
        }
        // The acknowledgement is the message itself, published after it commits.
        None
    }

    async fn history(
        &mut self,
        room: &str,
        before: Option<u64>,
        after: Option<u64>,
        limit: Option<u32>,
    ) -> Option<Utf8Bytes> {
        let Some(index) = self.joined(room) else {
            return Self::not_joined(room);
        };
        let limit = limit.unwrap_or(HISTORY_DEFAULT);
        if !(1..=HISTORY_MAX).contains(&limit) {
            let reply = ErrorFrame::new("bad_request", "limit must be between 1 and 200.");
            return Some(reply.room(room).encode());
        }
        let query = HistoryQuery::from_bounds(before, after);
        let (room_id, name) = (self.rooms[index].id, Arc::clone(&self.rooms[index].name));
        match self.read(room_id, query, limit as usize).await {
            Ok(page) => Some(history_frame(&name, &page.messages, page.more)),
            Err(err) => Some(ErrorFrame::for_room(&err).room(&*name).encode()),
        }
    }

    /// A page of history (access checked on the snapshot it is read from), cut to
    /// [`ANSWER_BYTES`] at the end away from where it starts.
    async fn read(
        &self,
        room_id: u64,
        query: HistoryQuery,
        limit: usize,
    ) -> Result<History, RoomError> {
        let user_id = self.member.user_id;
        let rooms = &self.chat.rooms;
        let mut page = rooms
            .history(user_id, RoomRef::Id(room_id), query, limit)
            .await?;
        fit_answer(&mut page, query.reads_forward());
        Ok(page)
    }

    /// Writes queued frames (draining `queued`, whose capacity is kept for the next batch),
    /// skipping live copies of messages already delivered. One deadline covers the batch.
    async fn write_queued<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        ws: &mut WebSocketStream<S>,
        queued: &mut VecDeque<Outgoing>,
    ) -> Result<(), ()> {
        let rooms = &mut self.rooms;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Kind, Room};

    fn page(count: u64, text: &str) -> History {
        let room = Room {
            id: 1,
            kind: Kind::Open,
            name: Some("r".into()),
            topic: None,
            created_at: 0,
            created_by: None,
            seq: count,
            last_id: count,
            last_activity: 0,
            members: 1,
        };
        let messages = (1..=count)
            .map(|id| MessageView {
                room_id: 1,
                room: room.name.clone(),
                id,
                seq: id,
                user_id: 1,
                user: "alice".into(),
                text: text.into(),
                ts: id,
                client_id: None,
            })
            .collect();
        History {
            room,
            messages,
            more: false,
        }
    }

    fn ids(page: &History) -> Vec<u64> {
        page.messages.iter().map(|m| m.id).collect()
    }

    #[test]
    fn answers_of_short_messages_are_left_whole() {
        let mut short = page(500, "hello");
        fit_answer(&mut short, true);
        assert_eq!(short.messages.len(), 500);
        assert!(!short.more);
    }

    #[test]
    fn answers_of_long_messages_are_cut_at_the_end_away_from_their_start() {
        // 4,000 control characters: 24,000 bytes each once escaped.
        let long = "\u{1}".repeat(4000);
        let mut forward = page(100, &long);
        fit_answer(&mut forward, true);
        let kept = forward.messages.len();
        assert!((10..=21).contains(&kept), "{kept}");
        assert_eq!(ids(&forward), (1..=kept as u64).collect::<Vec<_>>());
        assert!(forward.more);
        let encoded = crate::chat::protocol::history_frame("r", &forward.messages, true);
        assert!(encoded.len() <= ANSWER_BYTES, "{}", encoded.len());

        let mut backward = page(100, &long);
        fit_answer(&mut backward, false);
        assert_eq!(backward.messages.len(), kept);
        assert_eq!(backward.messages.last().unwrap().id, 100);
        assert!(backward.more);
    }

    #[test]
    fn one_message_is_always_kept() {
        // Each message alone is over the limit (100,000 characters escaped to 600,000 bytes).
        let mut one = page(3, &"\u{1}".repeat(100_000));
        fit_answer(&mut one, true);
        assert_eq!(ids(&one), vec![1]);
    }
}
