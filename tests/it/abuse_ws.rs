//! The chat WebSocket under abuse: messages over the size limit (whole, huge, or in fragments),
//! a client flooding a thousand messages a second, clients that never read, a network blip,
//! and retries across reconnects. Each test fails if confab gives way: if it buffers what it
//! should refuse, lets one client slow the others, or loses or repeats a message.

use std::time::{Duration, Instant};

use crate::common::*;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::{Bytes, Message};

/// Tests that measure time or memory take this, so they never run beside each other here.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const UNLIMITED: Rate = Rate::new(1_000_000, Duration::from_millis(1));

fn ids(messages: &Value) -> Vec<u64> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

/// A `send` frame of exactly `len` bytes, to room 1 (the first room of a fresh server, `r`
/// in the tests that use this).
fn send_frame_of(len: usize) -> String {
    let (head, tail) = (r#"{"type":"send","room_id":1,"text":""#, r#""}"#);
    let frame = format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()));
    assert_eq!(frame.len(), len);
    frame
}

/// Connects, joins `r`, sends `messages` from a task of their own (a huge one takes a while
/// and may be cut off), and returns the close code the server answers with.
async fn close_code_for(
    server: &impl Target,
    user: &User,
    messages: Vec<Message>,
) -> Option<CloseCode> {
    let mut chat = connect(server, user).await;
    chat.join("r").await;
    let (mut sink, mut stream) = chat.socket.split();
    let sender = tokio::spawn(async move {
        for message in messages {
            if sink.send(message).await.is_err() {
                break;
            }
        }
        sink
    });
    let code = loop {
        match tokio::time::timeout(WAIT, stream.next())
            .await
            .expect("the server answers within the wait")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| f.code),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break None,
        }
    };
    sender.abort();
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_fragmented_messages_close_with_1009_and_the_servers_memory_stays_flat() {
    let _alone = alone().await;
    let _heavy = HEAVY.lock().await;
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let pid = server.child.id().unwrap();
    let alice = signup(&server, "alice").await;

    // Exactly the limit is still a message (refused for its text, the socket stays open).
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;
    chat.send_raw(Message::Text(send_frame_of(64 * KIB).into()))
        .await;
    assert_eq!(chat.recv_type("error").await["code"], "too_long");
    chat.say("r", "still open").await;

    let over_by_one = || vec![Message::Text(send_frame_of(64 * KIB + 1).into())];
    let huge = || vec![Message::Text("x".repeat(16 * MIB).into())];
    // Five 16 KiB fragments of one text message: each frame is small, together 80 KiB.
    let fragmented = || {
        (0..5)
            .map(|i| {
                let opcode = if i == 0 { Data::Text } else { Data::Continue };
                let fragment = Bytes::from(vec![b'x'; 16 * KIB]);
                Message::Frame(Frame::message(fragment, OpCode::Data(opcode), i == 4))
            })
            .collect::<Vec<_>>()
    };
    let round = || async {
        let codes = futures_util::future::join_all([
            close_code_for(&server, &alice, over_by_one()),
            close_code_for(&server, &alice, huge()),
            close_code_for(&server, &alice, huge()),
            close_code_for(&server, &alice, huge()),
            close_code_for(&server, &alice, fragmented()),
        ])
        .await;
        for code in codes {
            assert_eq!(code, Some(CloseCode::Size));
        }
    };
    round().await;
    // Signing up hashed a password (19 MiB); only what happens from here counts.
    reset_peak(pid);
    let before = memory(pid);
    for _ in 0..4 {
        round().await;
    }
    let after = memory(pid);
    println!(
        "server memory over 4 rounds of 5 oversized messages (3 of them 16 MiB): \
         resident {} -> {}, peak {} -> {}",
        mib(before.rss),
        mib(after.rss),
        mib(before.peak),
        mib(after.peak)
    );
    // Had one 16 MiB message been buffered, the peak would have grown by 16 MiB; three at
    // once, by 48.
    assert!(
        after.peak < before.peak + 8 * MIB,
        "peak memory grew from {} to {}",
        mib(before.peak),
        mib(after.peak)
    );
    assert!(
        after.rss < before.rss + 8 * MIB,
        "resident memory grew from {} to {}",
        mib(before.rss),
        mib(after.rss)
    );
    let mut again = connect(&server, &alice).await;
    again.join("r").await;
    again.say("r", "the server lives on").await;
}

/// Round trips of messages in the calm room (sent, stored, echoed), at the pace people type:
/// at most a few messages a second each (the send limit).
async fn round_trips(chat: &mut Chat, samples: usize) -> Vec<Duration> {
    let mut took = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        chat.say("calm", "how is everyone?").await;
        took.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_a_second_from_one_client_are_throttled_and_another_room_keeps_its_pace()
 {
    let _alone = alone().await;
    let _heavy = HEAVY.lock().await;
    // The real binary with its default limits, so the flood's client does not share the
    // server's threads.
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let (alice, bob) = (signup(&server, "alice").await, signup(&server, "bob").await);
    let mut flooder = connect(&server, &alice).await;
    flooder.join("flood").await;
    let mut calm = connect(&server, &bob).await;
    calm.join("calm").await;

    let mut baseline = round_trips(&mut calm, 10).await;
    let baseline = median(&mut baseline);

    let flood_room = flooder.id("flood");
    let (mut sink, mut stream) = flooder.socket.split();
    let started = Instant::now();
    let flood = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        for i in 0..1000 {
            tick.tick().await;
            let frame = json!({"type":"send","room_id":flood_room,"text":format!("spam {i}"),"client_id":format!("f{i}")});
            sink.send(Message::Text(frame.to_string().into()))
                .await
                .unwrap();
        }
        sink
    });
    let answers = tokio::spawn(async move {
        let (mut stored, mut refused) = (Vec::new(), 0);
        while stored.len() + refused < 1000 {
            let message = tokio::time::timeout(WAIT, stream.next())
                .await
                .expect("every send is answered")
                .expect("the flooder's socket stays open")
                .unwrap();
            let Message::Text(text) = message else {
                continue;
            };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            match frame["type"].as_str() {
                Some("message") => stored.push(frame["client_id"].as_str().unwrap().to_owned()),
                Some("error") => {
                    assert_eq!(frame["code"], "rate_limited", "{frame}");
                    refused += 1;
                }
                _ => {}
            }
        }
        (stored, refused)
    });
    let mut during = Vec::new();
    while !answers.is_finished() {
        during.extend(round_trips(&mut calm, 1).await);
    }
    let _sink = flood.await.unwrap();
    let (stored, refused) = answers.await.unwrap();
    let flood_took = started.elapsed();
    let samples = during.len();
    let during = median(&mut during);
    println!(
        "1000 sends in {flood_took:?}: {} stored, {refused} refused; the calm room's round trip \
         {baseline:?} before, {during:?} during ({samples} samples)",
        stored.len()
    );
    // A burst of 20, then 5 a second.
    let allowed = 20 + flood_took.as_millis() as usize / 200 + 1;
    assert!(
        (20..=allowed).contains(&stored.len()),
        "{} stored, at most {allowed} allowed",
        stored.len()
    );
    let history: Value = get_json(
        &server,
        "/api/v1/rooms/flood/messages?limit=200",
        &alice.cookie,
    )
    .await;
    let kept: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, stored, "exactly the acknowledged messages are stored");
    assert!(samples >= 3, "the calm room was measured during the flood");
    assert!(
        during <= baseline * 3 + Duration::from_millis(20),
        "the calm room slowed from {baseline:?} to {during:?}"
    );
}

/// Posts `count` of the biggest messages (4,000 four-byte characters, 16 KB) to `room`, one a
/// millisecond, while `reader` takes every one; returns how long the reader took to get them.
///
/// At most `IN_FLIGHT` messages are ahead of the reader, half of what its queue may hold: a
/// reader that is reading is never cut off because this process was off the CPU for a moment,
/// while a client that never reads still meets its cap after 64 messages.
async fn post_and_read(sender: &mut Chat, reader: &mut Chat, room: &str, count: usize) -> Duration {
    const IN_FLIGHT: usize = 32;
    let text = "😀".repeat(4000);
    let started = Instant::now();
    let (mut received, mut sent) = (0, 0);
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    while received < count {
        tokio::select! {
            _ = tick.tick(), if sent < count && sent - received < IN_FLIGHT => {
                sender.send(json!({"type":"send","room_id":sender.id(room),"text":text})).await;
                sent += 1;
            }
            frame = reader.recv() => {
                if frame["type"] == "message" {
                    received += 1;
                }
            }
            // The sender's echoes are read too, so its own queue never fills.
            Some(_) = sender.socket.next() => {}
        }
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_are_cut_off_at_their_queue_cap_and_the_servers_memory_stays_flat()
{
    let _alone = alone().await;
    let _heavy = HEAVY.lock().await;
    let dir = TempDir::new().unwrap();
    let unlimited = UNLIMITED.to_string();
    let server = Binary::start(
        dir.path(),
        &["--ws-send-rate", &unlimited, "--ws-frame-rate", &unlimited],
    )
    .await;
    let pid = server.child.id().unwrap();
    let (alice, bob, carol) = (
        signup(&server, "alice").await,
        signup(&server, "bob").await,
        signup(&server, "carol").await,
    );
    let mut sender = connect(&server, &alice).await;
    sender.join("r").await;
    let mut reader = connect(&server, &carol).await;
    reader.join("r").await;

    let warm = post_and_read(&mut sender, &mut reader, "r", 4500).await;
    reset_peak(pid);
    let m0 = memory(pid);
    let normal = post_and_read(&mut sender, &mut reader, "r", 2000).await;
    let m1 = memory(pid);

    let mut sleepers = Vec::new();
    for _ in 0..4 {
        let mut sleeper = connect_with_small_receive_buffer(&server, &bob).await;
        sleeper.join("r").await;
        sleepers.push(sleeper);
    }
    let with_sleepers = post_and_read(&mut sender, &mut reader, "r", 2000).await;
    let m2 = memory(pid);
    println!(
        "2000 messages of 16 KB: {normal:?} to deliver with everyone reading, \
         {with_sleepers:?} with 4 clients that never read (warm-up {warm:?}); \
         server resident {} -> {} -> {}, peak {} -> {} -> {}",
        mib(m0.rss),
        mib(m1.rss),
        mib(m2.rss),
        mib(m0.peak),
        mib(m1.peak),
        mib(m2.peak)
    );
    for sleeper in &mut sleepers {
        assert_eq!(sleeper.closed().await, Some(CloseCode::Again));
    }
    // Unbounded queues would have kept all 32 MB that passed through for the clients that never
    // read; each may hold 1 MiB.
    let passed_through = 2000 * 16_000;
    for (what, normal_growth, abused_growth) in [
        (
            "resident",
            m1.rss.saturating_sub(m0.rss),
            m2.rss.saturating_sub(m1.rss),
        ),
        (
            "peak",
            m1.peak.saturating_sub(m0.peak),
            m2.peak.saturating_sub(m1.peak),
        ),
    ] {
        assert!(
            abused_growth < normal_growth + passed_through / 3,
            "{what} memory grew by {} with clients that never read, {} without",
            mib(abused_growth),
            mib(normal_growth)
        );
    }
    assert!(
        with_sleepers < normal * 3 / 2 + Duration::from_millis(500),
        "the room was held up: {with_sleepers:?} against {normal:?}"
    );
}

/// Reads the next text frame whole, as the bytes it came in.
async fn recv_raw(chat: &mut Chat) -> String {
    loop {
        let message = tokio::time::timeout(WAIT, chat.socket.next())
            .await
            .expect("a frame within the wait")
            .expect("socket open")
            .expect("frame readable");
        if let Message::Text(text) = message {
            return text.as_str().to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_full_of_the_longest_messages_can_still_be_joined_resumed_and_paged() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = UNLIMITED;
    config.limits.ws_frame_rate = UNLIMITED;
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut poster = connect(&server, &alice).await;
    poster.join("jam").await;
    // 4,000 control characters: the longest text there is once JSON escapes it (24 KB).
    let jam = "\u{1}".repeat(4000);
    // In rounds of 20, reading the echoes between them as a page does: 120 echoes unread at
    // once (2.9 MB) would overflow the poster's own queue whenever the kernel's socket
    // buffers happen to be small.
    let mut last = 0;
    for round in 0..6 {
        for i in round * 20..(round + 1) * 20 {
            poster.send(json!({"type":"send","room_id":poster.id("jam"),"text":jam,"client_id":format!("j{i}")}))
                .await;
        }
        while last < (round + 1) * 20 {
            last = poster.recv_type("message").await["id"].as_u64().unwrap();
        }
    }

    let jam_id = poster.id("jam");
    // Every answer fits in half a MiB, says `more`, and paging on gets each message once.
    let answer = |raw: String| -> (Vec<u64>, bool) {
        assert!(raw.len() <= 600 * KIB, "an answer of {} bytes", raw.len());
        let frame: Value = serde_json::from_str(&raw).unwrap();
        (ids(&frame["messages"]), frame["more"].as_bool().unwrap())
    };
    let mut fresh = connect(&server, &alice).await;
    fresh.send(json!({"type":"join","room":"jam"})).await;
    let (latest, more) = answer(recv_raw(&mut fresh).await);
    assert!(
        more && !latest.is_empty() && latest.len() < 50,
        "{latest:?}"
    );
    assert_eq!(*latest.last().unwrap(), 120, "the newest first");

    let mut resumed = connect(&server, &alice).await;
    resumed
        .send(json!({"type":"join","room":"jam","since":0}))
        .await;
    let (mut forward, mut more) = answer(recv_raw(&mut resumed).await);
    while more {
        let after = *forward.last().unwrap();
        resumed
            .send(json!({"type":"history","room_id":jam_id,"since":after,"limit":200}))
            .await;
        let (page, page_more) = answer(recv_raw(&mut resumed).await);
        forward.extend(page);
        more = page_more;
    }
    assert_eq!(forward, (1..=120).collect::<Vec<_>>());

    let mut backward = latest;
    loop {
        let before = backward[0];
        if before == 1 {
            break;
        }
        fresh
            .send(json!({"type":"history","room_id":jam_id,"before":before,"limit":200}))
            .await;
        let (mut page, _) = answer(recv_raw(&mut fresh).await);
        page.extend(backward);
        backward = page;
    }
    assert_eq!(backward, (1..=120).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_thirty_second_blip_a_client_gets_exactly_the_missed_messages_once() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = UNLIMITED;
    config.limits.ws_frame_rate = UNLIMITED;
    let server = TestServer::start_with(config).await;
    let (alice, bob) = (signup(&server, "alice").await, signup(&server, "bob").await);
    let mut poster = connect(&server, &alice).await;
    poster.join("r").await;
    let mut paused = connect(&server, &bob).await;
    let connected = Instant::now();
    paused.join("r").await;
    let seen = poster.say("r", "before the blip").await["id"]
        .as_u64()
        .unwrap();
    assert_eq!(paused.recv_type("message").await["id"], seen);

    // Bob's network goes quiet: nothing is read from or written to his socket (not even the
    // answer to the server's ping, due 30 s after connecting), while 500 messages are posted.
    let missed: Vec<u64> = {
        let _heavy = HEAVY.lock().await;
        for i in 0..500 {
            poster.send(json!({"type":"send","room_id":poster.id("r"),"text":format!("missed {i}"),"client_id":format!("m{i}")}))
                .await;
        }
        let mut ids = Vec::new();
        while ids.len() < 500 {
            let frame = poster.recv_type("message").await;
            ids.push(frame["id"].as_u64().unwrap());
        }
        ids
    };
    assert_eq!(missed, (seen + 1..=seen + 500).collect::<Vec<_>>());
    tokio::time::sleep_until((connected + Duration::from_secs(31)).into()).await;

    // The blip is over. The old socket survived it and carries every message once, in order,
    // and the ping it missed...
    let mut got = Vec::new();
    let mut pinged = false;
    while got.len() < 500 {
        let message = tokio::time::timeout(WAIT, paused.socket.next())
            .await
            .expect("the queued messages arrive")
            .expect("the socket survived the blip")
            .unwrap();
        match message {
            Message::Ping(_) => pinged = true,
            Message::Text(text) => {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                if frame["type"] == "message" {
                    got.push(frame["id"].as_u64().unwrap());
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, missed);
    if !pinged {
        // The ping was queued behind the messages posted before it.
        let next = tokio::time::timeout(WAIT, paused.socket.next()).await;
        assert!(
            matches!(next, Ok(Some(Ok(Message::Ping(_))))),
            "the server pinged during the blip: {next:?}"
        );
    }

    // ...and a page that gave up on it and reconnects resumes with `since`: the same 500, in
    // order, once, and `more: false` since 500 is exactly what one answer holds.
    let mut resumed = connect(&server, &bob).await;
    let joined = resumed.join_since("r", seen).await;
    assert_eq!(ids(&joined["messages"]), missed);
    assert_eq!(joined["more"], false);

    let after = poster.say("r", "after the blip").await["id"]
        .as_u64()
        .unwrap();
    for chat in [&mut paused, &mut resumed] {
        assert_eq!(chat.recv_type("message").await["id"], after);
        assert!(
            chat.is_silent_for(Duration::from_millis(200)).await,
            "nothing twice"
        );
    }
}

#[tokio::test]
async fn a_send_retried_on_a_new_socket_after_a_reconnect_is_stored_once() {
    let server = TestServer::start().await;
    let (alice, bob) = (signup(&server, "alice").await, signup(&server, "bob").await);
    let mut watcher = connect(&server, &bob).await;
    watcher.join("r").await;
    let history = || async {
        let page: Value = get_json(&server, "/api/v1/rooms/r/messages", &bob.cookie).await;
        page["messages"].as_array().unwrap().clone()
    };

    // The connection drops right after the send, before its echo could arrive; the message
    // was stored (bob sees it). The page reconnects and retries with the same client_id.
    let mut first = connect(&server, &alice).await;
    first.join("r").await;
    first
        .send(json!({"type":"send","room_id":first.id("r"),"text":"once","client_id":"k1"}))
        .await;
    drop(first);
    let stored = watcher.recv_type("message").await;
    let mut second = connect(&server, &alice).await;
    let joined = second
        .join_since("r", stored["id"].as_u64().unwrap() - 1)
        .await;
    assert_eq!(
        ids(&joined["messages"]),
        vec![stored["id"].as_u64().unwrap()]
    );
    second
        .send(json!({"type":"send","room_id":second.id("r"),"text":"once","client_id":"k1"}))
        .await;
    let echo = second.recv_type("message").await;
    assert_eq!(echo, stored, "the stored message is echoed again");

    // A retry that races the original: sent on a new socket while the first may still be in
    // flight.
    let mut third = connect(&server, &alice).await;
    third.join("r").await;
    third
        .send(json!({"type":"send","room_id":third.id("r"),"text":"raced","client_id":"k2"}))
        .await;
    drop(third);
    let mut fourth = connect(&server, &alice).await;
    fourth.join("r").await;
    fourth
        .send(json!({"type":"send","room_id":fourth.id("r"),"text":"raced","client_id":"k2"}))
        .await;
    let raced = fourth.recv_type("message").await;
    assert_eq!(raced["client_id"], "k2");

    // Bob saw each once; the room holds each once.
    let mut seen = vec![stored["id"].as_u64().unwrap()];
    loop {
        let frame = watcher.recv().await;
        if frame["type"] == "message" {
            seen.push(frame["id"].as_u64().unwrap());
            if frame["client_id"] == "k2" {
                break;
            }
        }
    }
    assert!(watcher.is_silent_for(Duration::from_millis(300)).await);
    assert_eq!(
        seen,
        vec![echo["id"].as_u64().unwrap(), raced["id"].as_u64().unwrap()]
    );
    let texts: Vec<Value> = history().await.iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, vec![json!("once"), json!("raced")]);
}
