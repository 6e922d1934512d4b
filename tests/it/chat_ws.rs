//! Live chat over real WebSockets: the contract of src/chat/PROTOCOL.md.

use std::time::Duration;

use crate::common::*;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn ids(frames: &Value) -> Vec<u64> {
    frames
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn two_users_chat_in_one_room_while_another_room_stays_isolated() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    let mut c = connect(&server, &carol).await;

    let joined = a.join("Lobby").await;
    assert_eq!(joined["room"], "Lobby");
    assert_eq!(joined["members"], json!(["alice"]));
    assert_eq!(joined["messages"], json!([]));
    assert_eq!(joined["more"], false);
    let joined = b.join("lobby").await;
    assert_eq!(
        joined["room"], "Lobby",
        "one room regardless of case, shown as first created"
    );
    assert_eq!(joined["members"], json!(["alice", "bob"]));
    c.join("42").await;
    let added = c.recv_type("room").await;
    assert_eq!(
        (added["event"].as_str(), added["room"]["name"].as_str()),
        (Some("added"), Some("42")),
        "joining an open room adds it to carol's rooms, on every socket of hers"
    );

    let sent = a.say("Lobby", "hello <b>bob</b>").await;
    assert_eq!(sent["type"], "message");
    assert_eq!(sent["user"], "alice");
    assert_eq!(sent["room"], "Lobby");
    assert_eq!(sent["text"], "hello <b>bob</b>");
    assert!(sent["ts"].as_u64().unwrap() > 1_600_000_000_000);
    let first_id = sent["id"].as_u64().unwrap();

    let got = b.recv_type("message").await;
    assert_eq!(got["id"], first_id);
    assert_eq!(got["text"], "hello <b>bob</b>");

    let reply = b.say("LOBBY", "hi alice").await;
    assert_eq!(
        reply["id"].as_u64().unwrap(),
        first_id + 1,
        "ids increase strictly"
    );
    assert_eq!(a.recv_type("message").await["text"], "hi alice");

    assert!(
        c.is_silent_for(Duration::from_millis(300)).await,
        "room 42 hears nothing of Lobby"
    );
    let in_42 = c.say("42", "anyone?").await;
    assert_eq!(in_42["id"], 1, "ids are per room");
}

#[tokio::test]
async fn presence_join_and_leave_counts_a_user_with_two_tabs_once() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    a.join("room").await;

    let mut b1 = connect(&server, &bob).await;
    b1.join("room").await;
    let presence = a.recv_type("presence").await;
    assert_eq!(
        presence,
        json!({"type":"presence","room_id":a.id("room"),"user":"bob","event":"join"})
    );

    let mut b2 = connect(&server, &bob).await;
    let joined = b2.join("room").await;
    assert_eq!(joined["members"], json!(["alice", "bob"]));
    assert!(
        a.is_silent_for(Duration::from_millis(300)).await,
        "a second tab is not a new arrival"
    );

    b1.send(json!({"type":"leave","room_id":b1.id("room")}))
        .await;
    assert_eq!(
        b1.recv_type("left").await,
        json!({"type":"left","room_id":b1.id("room")})
    );
    assert!(
        a.is_silent_for(Duration::from_millis(300)).await,
        "bob still has a tab open"
    );

    drop(b2);
    let presence = a.recv_type("presence").await;
    assert_eq!(presence["event"], "leave");
    assert_eq!(presence["user"], "bob");
}

#[tokio::test]
async fn reconnect_with_since_receives_exactly_the_missed_messages() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    a.join("r").await;
    let mut b = connect(&server, &bob).await;
    b.join("r").await;
    let seen = a.say("r", "before the blip").await["id"].as_u64().unwrap();
    b.recv_type("message").await;
    drop(b);

    let mut missed = Vec::new();
    for i in 0..7 {
        missed.push(
            a.say("r", &format!("missed {i}")).await["id"]
                .as_u64()
                .unwrap(),
        );
    }
    let mut b = connect(&server, &bob).await;
    let joined = b.join_since("r", seen).await;
    assert_eq!(ids(&joined["messages"]), missed);
    assert_eq!(joined["more"], false);
    let after = a.say("r", "live again").await["id"].as_u64().unwrap();
    let live = b.recv_type("message").await;
    assert_eq!(live["id"], after, "nothing shown twice, nothing skipped");

    // A `since` from the future never hides messages still to come.
    let mut b2 = connect(&server, &bob).await;
    let joined = b2.join_since("r", 1_000_000).await;
    assert_eq!(joined["messages"], json!([]));
    let next = a.say("r", "after a bogus since").await["id"]
        .as_u64()
        .unwrap();
    assert_eq!(b2.recv_type("message").await["id"], next);
}

/// Message ids a client saw per room, and the highest `seq` it saw in each (its resume point).
#[derive(Default)]
struct Seen {
    ids: std::collections::HashMap<u64, Vec<u64>>,
    highest: std::collections::HashMap<u64, u64>,
}

impl Seen {
    fn note(&mut self, message: &Value) {
        let room = message["room_id"].as_u64().unwrap();
        self.ids
            .entry(room)
            .or_default()
            .push(message["id"].as_u64().unwrap());
        let seq = self.highest.entry(room).or_default();
        *seq = (*seq).max(message["seq"].as_u64().unwrap());
    }
}

/// One socket follows an open room, a private room and a direct room while another person
/// writes to all three without pause; it drops, reconnects and resumes each room with `since`
/// (the highest `seq` it saw there) while the writing goes on. Across the three rooms it ends
/// up with every message exactly once, in order.
#[tokio::test]
async fn resume_by_sequence_across_several_rooms_on_one_socket_misses_nothing_and_repeats_nothing()
{
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.ws_frame_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    private_room(&server, &alice, "crew", &["bob"]).await;
    let dm = direct_room(&server, &alice, &["bob"]).await;

    let mut writer = connect(&server, &alice).await;
    let mut rooms = vec![writer.join("plaza").await["room_id"].as_u64().unwrap()];
    rooms.push(writer.join("crew").await["room_id"].as_u64().unwrap());
    rooms.push(writer.join_id(dm).await["room_id"].as_u64().unwrap());

    let mut reader = connect(&server, &bob).await;
    for &room in &rooms {
        reader.join_id(room).await;
    }

    // alice writes 60 messages to each room, round robin, each acknowledged before the next.
    const EACH: usize = 60;
    let written = tokio::spawn({
        let rooms = rooms.clone();
        async move {
            let mut ids = std::collections::HashMap::<u64, Vec<u64>>::new();
            for n in 0..EACH {
                for &room in &rooms {
                    let echo = writer.say_in(room, &format!("{n}")).await;
                    ids.entry(room)
                        .or_default()
                        .push(echo["id"].as_u64().unwrap());
                }
            }
            ids
        }
    });

    let mut seen = Seen::default();
    // Read a while, then drop the socket mid-stream.
    for _ in 0..40 {
        seen.note(&reader.recv_type("message").await);
    }
    drop(reader);
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Reconnect and resume every room where it left off, while alice goes on writing.
    let resumed_at: Vec<(u64, u64)> = rooms
        .iter()
        .map(|r| (*r, seen.highest.get(r).copied().unwrap_or(0)))
        .collect();
    let mut reader = connect(&server, &bob).await;
    for (room, since) in resumed_at {
        reader
            .send(json!({"type": "join", "room_id": room, "since": since}))
            .await;
    }
    let mut answered = 0;
    let total = EACH * rooms.len();
    while answered < rooms.len() || seen.ids.values().map(Vec::len).sum::<usize>() < total {
        let frame = reader.recv().await;
        match frame["type"].as_str() {
            Some("joined") => {
                answered += 1;
                assert_eq!(frame["more"], false, "fewer than 500 missed");
                for message in frame["messages"].as_array().unwrap() {
                    seen.note(message);
                }
            }
            Some("message") => seen.note(&frame),
            _ => {}
        }
    }
    let written = written.await.unwrap();
    for room in &rooms {
        assert_eq!(
            seen.ids[room], written[room],
            "room {room}: every message once, in order"
        );
    }
    // Later frames (alice's socket closing) hold no message: nothing came twice.
    while let Ok(frame) = tokio::time::timeout(Duration::from_millis(200), reader.recv()).await {
        assert_ne!(frame["type"], "message", "a message twice: {frame}");
    }
}

#[tokio::test]
async fn resume_is_capped_at_500_and_the_client_pages_on_with_history_after() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.ws_frame_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("big").await;
    for i in 0..620 {
        a.send(
            json!({"type":"send","room_id":a.id("big"),"text":format!("m{i}"),"client_id":format!("k{i}")}),
        )
        .await;
    }
    let mut last = 0;
    while last < 620 {
        last = a.recv_type("message").await["id"].as_u64().unwrap();
    }

    let mut b = connect(&server, &alice).await;
    let joined = b.join_since("big", 10).await;
    let got = ids(&joined["messages"]);
    assert_eq!(got.len(), 500);
    assert_eq!(got.first(), Some(&11));
    assert_eq!(joined["more"], true);
    // The resume pages on from the last sequence number it got.
    b.send(json!({"type":"history","room_id":b.id("big"),"since":510,"limit":200}))
        .await;
    let page = b.recv_type("history").await;
    assert_eq!(ids(&page["messages"]), (511..=620).collect::<Vec<_>>());
    assert_eq!(page["more"], false);
    b.send(json!({"type":"history","room_id":b.id("big"),"after":600,"limit":200}))
        .await;
    let page = b.recv_type("history").await;
    assert_eq!(ids(&page["messages"]), (601..=620).collect::<Vec<_>>());

    // Without since: the latest 50, and older pages on request.
    let joined = b.join("big").await;
    assert_eq!(ids(&joined["messages"]), (571..=620).collect::<Vec<_>>());
    assert_eq!(joined["more"], true);
    b.send(json!({"type":"history","room_id":b.id("big"),"before":571,"limit":200}))
        .await;
    let older = b.recv_type("history").await;
    assert_eq!(ids(&older["messages"]), (371..=570).collect::<Vec<_>>());
    assert_eq!(older["more"], true);
    b.send(json!({"type":"history","room_id":b.id("big"),"before":3}))
        .await;
    let oldest = b.recv_type("history").await;
    assert_eq!(ids(&oldest["messages"]), vec![1, 2]);
    assert_eq!(oldest["more"], false);
}

#[tokio::test]
async fn a_retried_send_with_the_same_client_id_is_stored_once_and_echoed_to_the_sender() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    a.join("r").await;
    b.join("r").await;
    a.recv_type("presence").await;

    let frame = json!({"type":"send","room_id":a.id("r"),"text":"once","client_id":"retry-1"});
    a.send(frame.clone()).await;
    let first = a.recv_type("message").await;
    a.send(frame).await;
    let again = a.recv_type("message").await;
    assert_eq!(first, again, "the stored message is echoed again");
    assert_eq!(first["client_id"], "retry-1");

    assert_eq!(b.recv_type("message").await["id"], first["id"]);
    assert!(
        b.is_silent_for(Duration::from_millis(300)).await,
        "others see it once"
    );
    let history = http()
        .get(server.url("/api/v1/rooms/r/messages"))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn upgrades_without_a_session_or_from_a_foreign_origin_are_refused() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let status = |err: tokio_tungstenite::tungstenite::Error| match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    };
    let no_cookie = try_connect(&server, None, Some(&server.origin())).await;
    assert_eq!(status(no_cookie.err().expect("refused")), 401);
    let bad_cookie = try_connect(&server, Some("confab_session=garbage"), None).await;
    assert_eq!(status(bad_cookie.err().expect("refused")), 401);
    let foreign = try_connect(&server, Some(&alice.cookie), Some("https://evil.example")).await;
    assert_eq!(status(foreign.err().expect("refused")), 403);
    // No Origin at all: not a browser, allowed like any API client.
    let mut tool = try_connect(&server, Some(&alice.cookie), None)
        .await
        .expect("allowed");
    tool.join("r").await;
}

#[tokio::test]
async fn garbage_frames_get_errors_and_the_socket_stays_usable() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    let cases: Vec<(Message, &str)> = vec![
        (Message::Text("not json".into()), "bad_request"),
        (Message::Text(r#"{"type":"dance"}"#.into()), "bad_request"),
        (Message::Text(r#"{"type":"join"}"#.into()), "bad_request"),
        (
            Message::Text(r#"{"type":"join","room":"   "}"#.into()),
            "invalid_room",
        ),
        (
            Message::Text(format!(r#"{{"type":"join","room":"{}"}}"#, "x".repeat(65)).into()),
            "invalid_room",
        ),
        (
            Message::Text(r#"{"type":"send","room":"nowhere","text":"hi"}"#.into()),
            "bad_request",
        ),
        (
            Message::Text(r#"{"type":"send","room_id":999,"text":"hi"}"#.into()),
            "not_joined",
        ),
        (
            Message::Text(r#"{"type":"history","room_id":999}"#.into()),
            "not_joined",
        ),
        (
            Message::Text(r#"{"type":"join","room_id":999}"#.into()),
            "room_not_found",
        ),
        (Message::Binary(vec![1, 2, 3].into()), "bad_request"),
    ];
    for (message, code) in cases {
        let shown = format!("{message:?}");
        a.send_raw(message).await;
        let error = a.recv_type("error").await;
        assert_eq!(error["code"], code, "{shown}: {error}");
        assert!(error["message"].as_str().unwrap().len() > 3);
    }
    a.join("r").await;
    for (text, code) in [
        ("   \n ", "empty_message"),
        (&*"é".repeat(4001), "too_long"),
    ] {
        a.send(json!({"type":"send","room_id":a.id("r"),"text":text,"client_id":"c"}))
            .await;
        let error = a.recv_type("error").await;
        assert_eq!(error["code"], code);
        assert_eq!(error["room_id"], a.id("r"));
        assert_eq!(error["client_id"], "c");
    }
    a.send(json!({"type":"send","room_id":a.id("r"),"text":"x","client_id":"c".repeat(65)}))
        .await;
    assert_eq!(a.recv_type("error").await["code"], "bad_request");
    a.send(json!({"type":"history","room_id":a.id("r"),"limit":0}))
        .await;
    assert_eq!(a.recv_type("error").await["code"], "bad_request");
    // 4000 characters exactly is fine, and the socket still works.
    let long = "é".repeat(4000);
    assert_eq!(a.say("r", &long).await["text"], long.as_str());
    // Both bounds read the messages between them, as the JSON API does.
    for text in ["2", "3", "4"] {
        a.say("r", text).await;
    }
    a.send(json!({"type":"history","room_id":a.id("r"),"before":4,"after":1}))
        .await;
    let between = a.recv_type("history").await;
    assert_eq!(ids(&between["messages"]), [2, 3]);
    assert_eq!(between["more"], false);
}

#[tokio::test]
async fn an_oversized_message_closes_with_1009_and_the_server_lives_on() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("r").await;
    let huge = format!(
        r#"{{"type":"send","room_id":{},"text":"{}"}}"#,
        a.id("r"),
        "x".repeat(70 * 1024)
    );
    a.send_raw(Message::Text(huge.into())).await;
    assert_eq!(a.closed().await, Some(CloseCode::Size));

    let mut again = connect(&server, &alice).await;
    again.join("r").await;
    again.say("r", "still here").await;
}

#[tokio::test]
async fn sending_too_fast_is_answered_with_rate_limited() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(3, Duration::from_secs(60));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("r").await;
    for i in 0..3 {
        a.say("r", &format!("ok {i}")).await;
    }
    a.send(json!({"type":"send","room_id":a.id("r"),"text":"too many","client_id":"x"}))
        .await;
    let error = a.recv_type("error").await;
    assert_eq!(error["code"], "rate_limited");
    assert_eq!(error["client_id"], "x");
    // The socket stays open and other frames still work.
    a.send(json!({"type":"history","room_id":a.id("r")})).await;
    assert_eq!(
        a.recv_type("history").await["messages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets_with_4001() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let other_session = cookie_pair(&login(&server, "alice", &alice.password).await).unwrap();
    let mut signed_out = connect(&server, &alice).await;
    signed_out.join("r").await;
    let other = User {
        cookie: other_session,
        ..alice.clone()
    };
    let mut stays = connect(&server, &other).await;
    stays.join("r").await;

    let started = std::time::Instant::now();
    let resp = http()
        .post(server.url("/api/v1/auth/logout"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(signed_out.closed().await, Some(CloseCode::Library(4001)));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "closed within a second"
    );
    stays.say("r", "my other tab is fine").await;

    let refused = try_connect(&server, Some(&alice.cookie), None).await;
    assert!(refused.is_err(), "the old cookie cannot open a socket");
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_without_delaying_the_room() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.ws_frame_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    a.join("r").await;

    // Bob joins with a tiny receive buffer and then never reads.
    let mut sleeper = connect_with_small_receive_buffer(&server, &bob).await;
    sleeper.join("r").await;

    // 1,000 messages of 8 KB (4,000 two-byte characters): far more than the kernel buffers.
    let text = "é".repeat(4000);
    let started = std::time::Instant::now();
    let room_id = a.id("r");
    let (mut sink, mut stream) = futures_util::StreamExt::split(a.socket);
    let sender = tokio::spawn(async move {
        for _ in 0..1000 {
            let frame = json!({"type":"send","room_id":room_id,"text":text}).to_string();
            futures_util::SinkExt::send(&mut sink, Message::Text(frame.into()))
                .await
                .unwrap();
            // A steady pace, as people type: the point is the reader, not a burst.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        sink
    });
    let mut delivered = 0;
    while delivered < 1000 {
        let next = tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut stream))
            .await
            .expect("alice keeps receiving")
            .expect("alice's socket stays open")
            .unwrap();

        if let Message::Text(frame) = next
            && frame.as_str().starts_with(r#"{"type":"message""#)
        {
            delivered += 1;
        }
    }
    let _sink = sender.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the room was not held up"
    );
    // Bob's socket was closed with 1013 once its queue overflowed; all he sees is what fit.
    let mut saw_close = None;
    loop {
        match tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut sleeper.socket)).await {
            Ok(Some(Ok(Message::Close(frame)))) => {
                saw_close = frame.map(|f| f.code);
                break;
            }
            Ok(Some(Ok(_))) => continue,
            _ => break,
        }
    }
    assert_eq!(saw_close, Some(CloseCode::Again));
}

#[tokio::test]
async fn history_and_room_list_over_http() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("Café").await;
    for i in 0..5 {
        a.say("Café", &format!("m{i}")).await;
    }
    let get = |path: String| {
        let cookie = alice.cookie.clone();
        async move {
            http()
                .get(path)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let resp = get(server.url("/api/v1/rooms/caf%C3%A9/messages?limit=2")).await;
    assert_eq!(resp.status(), 200);
    let page: Value = resp.json().await.unwrap();
    assert_eq!(page["room"], "Café");
    assert_eq!(ids(&page["messages"]), vec![4, 5]);
    assert_eq!(page["more"], true);
    let page: Value = get(server.url("/api/v1/rooms/Caf%C3%A9/messages?before=4&limit=200"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page["messages"]), vec![1, 2, 3]);
    assert_eq!(page["more"], false);
    let page: Value = get(server.url("/api/v1/rooms/Caf%C3%A9/messages?after=3"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page["messages"]), vec![4, 5]);

    let resp = get(server.url("/api/v1/rooms/never-created/messages")).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "room_not_found"
    );
    let resp = get(server.url("/api/v1/rooms/Caf%C3%A9/messages?limit=201")).await;
    assert_eq!(resp.status(), 400);
    let resp = http()
        .get(server.url("/api/v1/rooms/Caf%C3%A9/messages"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let rooms: Value = get(server.url("/api/v1/rooms")).await.json().await.unwrap();
    let room = &rooms["rooms"][0];
    assert_eq!(room["name"], "Café");
    assert_eq!(room["online"], 1);
    assert_eq!(room["last_message_id"], 5);
}

#[tokio::test]
async fn graceful_shutdown_closes_sockets_with_1001_and_keeps_every_message() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("r").await;
    let mut acked = Vec::new();
    for i in 0..20 {
        acked.push(a.say("r", &format!("m{i}")).await["id"].as_u64().unwrap());
    }
    let data = {
        let stopping = tokio::spawn(async move { server.restart().await });
        assert_eq!(a.closed().await, Some(CloseCode::Away));
        stopping.await.unwrap()
    };
    let mut b = connect(&data, &alice).await;
    let joined = b.join("r").await;
    assert_eq!(
        ids(&joined["messages"]),
        acked,
        "history survives the restart"
    );
}
