//! A crowd of chat clients: sockets joined to rooms, each with a reader that counts what it
//! receives and how late it arrived. Senders stamp each text with the time it was sent
//! (`"<seq> <micros since the run began>"`), so latency is measured on one clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::stream::{SplitSink, StreamExt};
use futures_util::{SinkExt, stream};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::client::{self, Socket, message_id, message_text};
use super::stats::Latencies;
use super::text::{Rng, Vocabulary};

/// What one socket received.
#[derive(Default)]
pub struct Received {
    pub latencies: Latencies,
    /// (room index, message id, text), when asked to keep them.
    pub messages: Vec<(usize, u64, String)>,
}

pub struct Member {
    /// The room's id on the server.
    pub room_id: u64,
    pub sink: SplitSink<Socket, Message>,
    reader: JoinHandle<Received>,
}

/// Sockets in rooms, with shared counters.
pub struct Crowd {
    pub members: Vec<Member>,
    pub epoch: Instant,
    /// Messages received by all readers together.
    pub received: Arc<AtomicU64>,
    /// `typing` frames received by all readers together.
    pub typing: Arc<AtomicU64>,
    stop: watch::Sender<bool>,
}

/// Creates `count` accounts named `{prefix}{i}` and returns their cookies.
pub async fn accounts(addr: &str, prefix: &str, count: usize) -> anyhow::Result<Vec<String>> {
    stream::iter(0..count)
        .map(|i| {
            let addr = addr.to_owned();
            let name = format!("{prefix}{i}");
            async move { client::account(&addr, &name).await }
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// Every member reports `typing` in its room once a second for `duration`.
pub async fn type_steadily(members: &mut [Member], duration: Duration) {
    let until = Instant::now() + duration;
    let count = members.len().max(1) as u32;
    let tasks = members.iter_mut().enumerate().map(|(i, member)| {
        let offset = Duration::from_secs(1) * i as u32 / count;
        let frame = json!({"type":"typing","room_id":member.room_id}).to_string();
        async move {
            tokio::time::sleep(offset).await;
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            while Instant::now() < until {
                ticks.tick().await;
                if member
                    .sink
                    .send(Message::Text(frame.clone().into()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        }
    });
    futures_util::future::join_all(tasks).await;
}

pub fn stamp(seq: u64, epoch: Instant) -> String {
    format!("{seq} {}", epoch.elapsed().as_micros())
}

fn sent_at(text: &str) -> Option<u64> {
    text.rsplit(' ').next()?.parse().ok()
}

impl Crowd {
    /// Opens one socket per entry of `rooms` (the room index each joins), signed in with the
    /// cookies in turn. `keep` keeps every received message for later checks.
    pub async fn join(
        addr: &str,
        cookies: &[String],
        rooms: &[usize],
        room_prefix: &str,
        keep: bool,
    ) -> anyhow::Result<Crowd> {
        let epoch = Instant::now();
        let received = Arc::new(AtomicU64::new(0));
        let typing = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = watch::channel(false);
        let members = stream::iter(rooms.iter().copied().enumerate())
            .map(|(i, room)| {
                let addr = addr.to_owned();
                let cookie = cookies[i % cookies.len()].clone();
                let name = format!("{room_prefix}{room}");
                let counters = (Arc::clone(&received), Arc::clone(&typing));
                let stopped = stopped.clone();
                async move {
                    let mut socket = client::connect(&addr, &cookie).await?;
                    socket
                        .send(Message::Text(
                            json!({"type":"join","room":name}).to_string().into(),
                        ))
                        .await?;
                    let room_id = loop {
                        let frame = socket
                            .next()
                            .await
                            .context("socket closed while joining")??;
                        if let Message::Text(text) = frame
                            && text.as_str().starts_with(r#"{"type":"joined""#)
                        {
                            let joined: serde_json::Value = serde_json::from_str(text.as_str())?;
                            break joined["room_id"]
                                .as_u64()
                                .context("joined without a room_id")?;
                        }
                    };
                    let (sink, source) = socket.split();
                    let reader = tokio::spawn(read(source, room, epoch, counters, stopped, keep));
                    anyhow::Ok(Member {
                        room_id,
                        sink,
                        reader,
                    })
                }
            })
            .buffer_unordered(64)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Crowd {
            members,
            epoch,
            received,
            typing,
            stop,
        })
    }

    /// Waits until `expected` messages were received in all, or `patience` passed.
    pub async fn wait_for(&self, expected: u64, patience: Duration) -> u64 {
        let deadline = Instant::now() + patience;
        loop {
            let got = self.received.load(Ordering::Relaxed);
            if got >= expected || Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the readers and collects what they received.
    pub async fn finish(self) -> Vec<Received> {
        let _ = self.stop.send(true);
        let mut all = Vec::with_capacity(self.members.len());
        for member in self.members {
            drop(member.sink);
            if let Ok(received) = member.reader.await {
                all.push(received);
            }
        }
        all
    }
}

async fn read(
    mut source: futures_util::stream::SplitStream<Socket>,
    room: usize,
    epoch: Instant,
    (received, typing): (Arc<AtomicU64>, Arc<AtomicU64>),
    mut stopped: watch::Receiver<bool>,
    keep: bool,
) -> Received {
    let mut out = Received::default();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            frame = source.next() => {
                let Some(Ok(Message::Text(frame))) = frame else {
                    if matches!(frame, Some(Ok(_))) { continue; }
                    break;
                };
                if frame.as_str().starts_with(r#"{"type":"typing""#) {
                    typing.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let Some(text) = message_text(frame.as_str()) else { continue };
                if let Some(sent) = sent_at(text) {
                    let now = epoch.elapsed().as_micros() as u64;
                    out.latencies.record(Duration::from_micros(now.saturating_sub(sent)));
                }
                if keep && let Some(id) = message_id(frame.as_str()) {
                    out.messages.push((room, id, text.to_owned()));
                }
                received.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    out
}

/// Every member sends `rate` messages a second to its room for `duration`, each text `lead`,
/// eight words and its stamp; returns how many were sent.
pub async fn send_steadily(
    members: &mut [Member],
    rate: f64,
    duration: Duration,
    epoch: Instant,
    lead: &str,
) -> u64 {
    let sent = Arc::new(AtomicU64::new(0));
    let period = Duration::from_secs_f64(1.0 / rate);
    let until = Instant::now() + duration;
    let tasks: Vec<_> = members
        .iter_mut()
        .enumerate()
        .map(|(i, member)| {
            let sent = Arc::clone(&sent);
            let room_id = member.room_id;
            // Spread the members' first sends over one period so they do not all fire at once.
            let offset = period.mul_f64((i % 97) as f64 / 97.0);
            async move {
                tokio::time::sleep(offset).await;
                let mut ticks = tokio::time::interval(period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut seq = 0u64;
                while Instant::now() < until {
                    ticks.tick().await;
                    seq += 1;
                    // Eight words drawn like a natural language's, so storing and sending
                    // them costs what real messages cost; the stamp stays last.
                    let mut rng = Rng::new((i as u64) << 32 | seq);
                    let words = Vocabulary::shared().sentence(&mut rng, 8);
                    let text = format!("{lead}{words} {}", stamp(seq, epoch));
                    let frame = json!({"type":"send","room_id":room_id,"text":text}).to_string();
                    if member.sink.send(Message::Text(frame.into())).await.is_err() {
                        break;
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
        .collect();
    futures_util::future::join_all(tasks).await;
    sent.load(Ordering::Relaxed)
}
