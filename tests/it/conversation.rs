//! Conversation features over the real socket: edits, deletions and reactions reach every
//! follower as `update` frames and a client that was away gets the current state of each
//! changed message on resume; replies quote their original; mentions are recognised when
//! stored and counted; read positions move, are shared across a person's sockets and never go
//! back by accident; typing is coalesced. Every refusal is tested from the refused side.

use std::time::{Duration, Instant};

use crate::common::*;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use serde_json::{Value, json};

/// Sends a frame and returns the next frame of type `kind` (an `update`, or an `error`).
async fn answer(chat: &mut Chat, frame: Value, kind: &str) -> Value {
    // What others did before this is not the answer.
    while !chat.is_silent_for(Duration::from_millis(30)).await {}
    chat.send(frame).await;
    loop {
        let got = chat.recv().await;
        if got["type"] == kind || got["type"] == "error" {
            return got;
        }
    }
}

async fn refused(chat: &mut Chat, frame: Value) -> Value {
    let got = answer(chat, frame.clone(), "error").await;
    assert_eq!(got["type"], "error", "{frame} was not refused: {got}");
    got
}

/// The user's rooms as `GET /api/v1/rooms` lists them, by name.
async fn my_room(server: &TestServer, user: &User, name: &str) -> Value {
    let rooms = get_json(server, "/api/v1/rooms", &user.cookie).await;
    rooms["mine"]
        .as_array()
        .or_else(|| rooms["rooms"].as_array())
        .unwrap_or_else(|| panic!("no rooms list in {rooms}"))
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not among {rooms}"))
        .clone()
}

#[tokio::test]
async fn edits_deletions_and_reactions_reach_followers_and_a_resume_gets_the_current_state() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    let mut c = connect(&server, &carol).await;
    a.join("lounge").await;
    c.join("lounge").await;
    let joined = b.join("lounge").await;
    let room = a.id("lounge");
    let m1 = a.say("lounge", "helo").await["id"].as_u64().unwrap();
    let m2 = a.say("lounge", "oops, wrong room").await["id"]
        .as_u64()
        .unwrap();
    let m3 = a.say("lounge", "lunch?").await["id"].as_u64().unwrap();
    let last_seen = b.recv_type("message").await;
    assert!(last_seen["id"].as_u64().unwrap() <= m3);
    while b.recv_type("message").await["id"] != m3 {}
    let seen = m3;
    assert!(joined["seq"].as_u64().unwrap() < seen);
    drop(b);

    // While bob is away: an edit, a deletion, a reaction by carol and one taken back.
    let edited = answer(
        &mut a,
        json!({"type":"edit","room_id":room,"id":m1,"text":"hello"}),
        "update",
    )
    .await;
    assert_eq!(edited["text"], "hello", "{edited}");
    assert!(edited["edited"].as_u64().is_some(), "{edited}");
    assert!(edited["seq"].as_u64().unwrap() > m3);
    let live = c.recv_type("update").await;
    assert_eq!(
        (live["id"].as_u64(), &live["text"]),
        (Some(m1), &json!("hello"))
    );

    let deleted = answer(
        &mut a,
        json!({"type":"delete","room_id":room,"id":m2}),
        "update",
    )
    .await;
    assert_eq!(deleted["deleted"], true, "{deleted}");
    assert_eq!(deleted["text"], "");
    c.recv_type("update").await;

    for emoji in ["🍕", "👍", "🍕"] {
        let reacted = answer(
            &mut c,
            json!({"type":"react","room_id":room,"id":m3,"emoji":emoji}),
            "update",
        )
        .await;
        assert_eq!(reacted["id"], m3, "{reacted}");
    }
    let reacted = answer(
        &mut a,
        json!({"type":"react","room_id":room,"id":m3,"emoji":"👍"}),
        "update",
    )
    .await;
    assert_eq!(
        reacted["reactions"],
        json!([{"emoji":"👍","users":["carol","alice"]}]),
        "the pizza was taken back: {reacted}"
    );
    let latest = reacted["seq"].as_u64().unwrap();

    // Bob comes back and resumes: each changed message once, as it is now, in sequence order.
    let mut b = connect(&server, &bob).await;
    let resumed = b.join_since("lounge", seen).await;
    assert_eq!(resumed["seq"], latest);
    let messages = resumed["messages"].as_array().unwrap();
    let ids: Vec<u64> = messages.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [m1, m2, m3], "{resumed}");
    assert_eq!(messages[0]["text"], "hello");
    assert_eq!(messages[1]["deleted"], true);
    assert_eq!(messages[1]["text"], "");
    assert_eq!(
        messages[2]["reactions"][0]["users"],
        json!(["carol", "alice"])
    );
    let seqs: Vec<u64> = messages
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // The text of a deleted message is gone from the history on every door.
    let history = get_json(&server, "/api/v1/rooms/lounge/messages", &bob.cookie).await;
    let gone = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == m2)
        .unwrap();
    assert_eq!(
        (gone["deleted"].as_bool(), gone["text"].as_str()),
        (Some(true), Some(""))
    );
}

#[tokio::test]
async fn every_change_to_a_message_is_refused_from_the_side_that_may_not_make_it() {
    // Room for the 21 reactions below within the per-socket budget, which they share with
    // sends (the budget itself is tested in `abuse_ws`).
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(100, Duration::from_millis(10));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let eve = signup(&server, "eve").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    let mut e = connect(&server, &eve).await;
    a.join("plaza").await;
    b.join("plaza").await;
    let room = a.id("plaza");
    let mine = a.say("plaza", "alice's words").await["id"]
        .as_u64()
        .unwrap();

    // Not your message: a member of an open room edits and deletes only their own words.
    for frame in [
        json!({"type":"edit","room_id":room,"id":mine,"text":"bob's now"}),
        json!({"type":"delete","room_id":room,"id":mine}),
    ] {
        let got = refused(&mut b, frame).await;
        assert_eq!(got["code"], "forbidden", "{got}");
    }
    // No such message.
    for frame in [
        json!({"type":"edit","room_id":room,"id":9999,"text":"x"}),
        json!({"type":"delete","room_id":room,"id":9999}),
        json!({"type":"react","room_id":room,"id":9999,"emoji":"👍"}),
        json!({"type":"send","room_id":room,"text":"re","reply_to":9999}),
    ] {
        let got = refused(&mut a, frame.clone()).await;
        assert_eq!(got["code"], "message_not_found", "{frame}: {got}");
    }
    // Bad input, refused before it reaches the data.
    for (frame, code) in [
        (
            json!({"type":"react","room_id":room,"id":mine,"emoji":"a"}),
            "bad_emoji",
        ),
        (
            json!({"type":"react","room_id":room,"id":mine,"emoji":"👍👍"}),
            "bad_emoji",
        ),
        (
            json!({"type":"react","room_id":room,"id":mine,"emoji":"<script>"}),
            "bad_emoji",
        ),
        (
            json!({"type":"edit","room_id":room,"id":mine,"text":"  "}),
            "empty_message",
        ),
        (
            json!({"type":"edit","room_id":room,"id":mine,"text":"x".repeat(4001)}),
            "too_long",
        ),
        (
            json!({"type":"edit","room_id":room,"id":mine}),
            "bad_request",
        ),
        (json!({"type":"typing"}), "bad_request"),
    ] {
        let got = refused(&mut a, frame.clone()).await;
        assert_eq!(got["code"], code, "{frame}: {got}");
    }
    // A room this socket does not follow.
    for frame in [
        json!({"type":"edit","room_id":room,"id":mine,"text":"x"}),
        json!({"type":"delete","room_id":room,"id":mine}),
        json!({"type":"react","room_id":room,"id":mine,"emoji":"👍"}),
        json!({"type":"read","room_id":room,"id":mine}),
        json!({"type":"typing","room_id":room}),
    ] {
        let got = refused(&mut e, frame.clone()).await;
        assert_eq!(got["code"], "not_joined", "{frame}: {got}");
    }

    // At most 20 different emoji on one message.
    let emoji: Vec<String> = (0..21)
        .map(|i| char::from_u32(0x1F600 + i).unwrap().to_string())
        .collect();
    for e in &emoji[..20] {
        let got = answer(
            &mut a,
            json!({"type":"react","room_id":room,"id":mine,"emoji":e}),
            "update",
        )
        .await;
        assert_eq!(got["type"], "update", "{got}");
    }
    let got = refused(
        &mut b,
        json!({"type":"react","room_id":room,"id":mine,"emoji":emoji[20]}),
    )
    .await;
    assert_eq!(got["code"], "too_many_reactions", "{got}");
    // Adding one's name to an emoji already there is still fine.
    let got = answer(
        &mut b,
        json!({"type":"react","room_id":room,"id":mine,"emoji":emoji[0]}),
        "update",
    )
    .await;
    assert_eq!(
        got["reactions"][0]["users"],
        json!(["alice", "bob"]),
        "{got}"
    );

    // A deleted message takes no edit, reaction, reply or second deletion.
    answer(
        &mut a,
        json!({"type":"delete","room_id":room,"id":mine}),
        "update",
    )
    .await;
    for frame in [
        json!({"type":"edit","room_id":room,"id":mine,"text":"back"}),
        json!({"type":"delete","room_id":room,"id":mine}),
        json!({"type":"react","room_id":room,"id":mine,"emoji":"👍"}),
        json!({"type":"send","room_id":room,"text":"re","reply_to":mine}),
    ] {
        let got = refused(&mut a, frame.clone()).await;
        assert_eq!(got["code"], "message_deleted", "{frame}: {got}");
    }
}

#[tokio::test]
async fn the_owner_of_a_private_room_moderates_it_and_an_outsider_cannot_touch_it() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let eve = signup(&server, "eve").await;
    private_room(&server, &alice, "Den", &["bob"]).await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    let mut e = connect(&server, &eve).await;
    a.join("Den").await;
    b.join("Den").await;
    let room = a.id("Den");
    let bobs = b.say("Den", "spam").await["id"].as_u64().unwrap();
    let fixed = answer(
        &mut a,
        json!({"type":"edit","room_id":room,"id":bobs,"text":"[removed link]"}),
        "update",
    )
    .await;
    assert_eq!(fixed["text"], "[removed link]", "{fixed}");
    let gone = answer(
        &mut a,
        json!({"type":"delete","room_id":room,"id":bobs}),
        "update",
    )
    .await;
    assert_eq!(gone["deleted"], true);
    // The member may not do the same to the owner.
    let alices = a.say("Den", "house rules").await["id"].as_u64().unwrap();
    let got = refused(&mut b, json!({"type":"delete","room_id":room,"id":alices})).await;
    assert_eq!(got["code"], "forbidden");
    // The outsider cannot follow it, so every change is refused as for a room never made.
    let got = refused(&mut e, json!({"type":"join","room_id":room})).await;
    assert_eq!(got["code"], "room_not_found", "{got}");
    let got = refused(
        &mut e,
        json!({"type":"react","room_id":room,"id":alices,"emoji":"👍"}),
    )
    .await;
    assert_eq!(got["code"], "not_joined");
    let (status, body) = api(
        &server,
        "PUT",
        "/api/v1/rooms/Den/read",
        Some(&eve.cookie),
        Some(json!({"id": alices})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "room_not_found");
}

#[tokio::test]
async fn replies_quote_their_original_and_keep_it_after_it_is_deleted() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    a.join("q").await;
    b.join("q").await;
    let room = a.id("q");
    let question = a.say("q", "who has the keys?").await["id"]
        .as_u64()
        .unwrap();
    b.send(
        json!({"type":"send","room_id":room,"text":"I do","reply_to":question,"client_id":"r1"}),
    )
    .await;
    let reply = b.recv_type("message").await;
    let reply = if reply["client_id"] == "r1" {
        reply
    } else {
        b.recv_type("message").await
    };
    assert_eq!(reply["reply_to"], question, "{reply}");
    assert_eq!(
        reply["reply"],
        json!({"id": question, "user": "alice", "text": "who has the keys?"})
    );
    answer(
        &mut a,
        json!({"type":"delete","room_id":room,"id":question}),
        "update",
    )
    .await;
    let history = get_json(&server, "/api/v1/rooms/q/messages", &bob.cookie).await;
    let kept = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == reply["id"])
        .unwrap()
        .clone();
    assert_eq!(
        kept["reply"],
        json!({"id": question, "user": "alice", "text": "", "deleted": true})
    );
}

#[tokio::test]
async fn mentions_are_recognised_when_stored_counted_for_the_mentioned_and_cleared_by_reading() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a_phone = connect(&server, &alice).await;
    let mut a_laptop = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    a_phone.join("office").await;
    a_laptop.join("office").await;
    b.join("office").await;
    let room = b.id("office");
    // Alice is away from the room (her sockets stay open elsewhere).
    a_phone.send(json!({"type":"leave","room_id":room})).await;
    a_phone.recv_type("left").await;
    a_laptop.send(json!({"type":"leave","room_id":room})).await;
    a_laptop.recv_type("left").await;

    b.say("office", "morning").await;
    let called = b
        .say(
            "office",
            "@Alice can you look? not `@bob`, and not mail@alice.example",
        )
        .await;
    assert_eq!(called["mentions"], json!(["alice"]), "{called}");
    let nobody = b.say("office", "@nobody-here hi").await;
    assert!(nobody.get("mentions").is_none(), "{nobody}");
    let listed = my_room(&server, &alice, "office").await;
    assert_eq!(
        (listed["unread"].as_u64(), listed["mentions"].as_u64()),
        (Some(3), Some(1)),
        "{listed}"
    );

    // Reading on the phone clears the laptop's badge.
    a_phone.join("office").await;
    a_phone
        .send(json!({"type":"read","room_id":room,"id":called["id"]}))
        .await;
    for socket in [&mut a_phone, &mut a_laptop] {
        let read = socket.recv_type("read").await;
        assert_eq!(read["room_id"], room);
        assert_eq!(read["id"], called["id"]);
        assert_eq!(
            (read["unread"].as_u64(), read["mentions"].as_u64()),
            (Some(1), Some(0)),
            "{read}"
        );
    }
    // A late report of an older position does not move it back.
    a_phone
        .send(json!({"type":"read","room_id":room,"id":1}))
        .await;
    assert!(a_laptop.is_silent_for(Duration::from_millis(300)).await);
    let listed = my_room(&server, &alice, "office").await;
    assert_eq!(listed["read"], called["id"]);

    // Mark as unread moves it back to just before that message.
    a_phone
        .send(json!({"type":"read","room_id":room,"id":called["id"],"unread":true}))
        .await;
    let read = a_laptop.recv_type("read").await;
    assert_eq!(
        (read["unread"].as_u64(), read["mentions"].as_u64()),
        (Some(2), Some(1)),
        "{read}"
    );
    // The JSON API moves it too, and a person's own message is never unread.
    let (status, body) = api(
        &server,
        "PUT",
        "/api/v1/rooms/office/read",
        Some(&alice.cookie),
        Some(json!({"id": nobody["id"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["unread"].as_u64(), body["mentions"].as_u64()),
        (Some(0), Some(0)),
        "{body}"
    );
    a_phone.say("office", "on it").await;
    let listed = my_room(&server, &bob, "office").await;
    assert_eq!(
        listed["unread"], 1,
        "alice's reply is bob's to read: {listed}"
    );
    let listed = my_room(&server, &alice, "office").await;
    assert_eq!(listed["unread"], 0, "{listed}");
}

#[tokio::test]
async fn here_calls_the_online_and_room_calls_every_member() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    let mut c = connect(&server, &carol).await;
    for chat in [&mut a, &mut b, &mut c] {
        chat.join("all-hands").await;
    }
    let room = a.id("all-hands");
    // Carol goes away; bob stays, but leaves the room for the moment.
    drop(c);
    b.send(json!({"type":"leave","room_id":room})).await;
    b.recv_type("left").await;
    b.join("all-hands").await;
    let here = a.say("all-hands", "@here standup").await;
    assert_eq!(here["everyone"], "here", "{here}");
    let everyone = a.say("all-hands", "@room pizza").await;
    assert_eq!(everyone["everyone"], "room", "{everyone}");
    let bob_sees = my_room(&server, &bob, "all-hands").await;
    let carol_sees = my_room(&server, &carol, "all-hands").await;
    assert_eq!(
        bob_sees["mentions"], 2,
        "bob was online for @here: {bob_sees}"
    );
    assert_eq!(
        carol_sees["mentions"], 1,
        "carol was away for @here: {carol_sees}"
    );
    let alice_sees = my_room(&server, &alice, "all-hands").await;
    assert_eq!(alice_sees["mentions"], 0, "her own call: {alice_sees}");
}

#[tokio::test]
async fn only_owners_call_room_in_a_room_of_more_than_fifty() {
    let mut config = ServeArgs::default();
    config.limits.signup_ip_rate = Rate::new(100, Duration::from_secs(60));
    let server = TestServer::start_with(config).await;
    let owner = signup(&server, "owner").await;
    let mut o = connect(&server, &owner).await;
    o.join("town").await;
    for i in 0..50 {
        let member = signup(&server, &format!("member{i}")).await;
        connect(&server, &member).await.join("town").await;
    }
    let member = signup(&server, "speaker").await;
    let mut m = connect(&server, &member).await;
    m.join("town").await;
    let room = m.id("town");
    let got = m.say_in(room, "@room listen").await;
    assert_eq!(
        (got["type"].as_str(), got["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{got}"
    );
    let ok = m.say("town", "@here anyone?").await;
    assert_eq!(ok["everyone"], "here");
    let ok = o.say("town", "@room meeting at noon").await;
    assert_eq!(ok["everyone"], "room");
}

#[tokio::test]
async fn typing_is_coalesced_to_one_frame_a_second_per_room() {
    let server = TestServer::start().await;
    let listener = signup(&server, "listener").await;
    let mut l = connect(&server, &listener).await;
    l.join("busy").await;
    let room = l.id("busy");
    let mut typists = Vec::new();
    for i in 0..5 {
        let user = signup(&server, &format!("typist{i}")).await;
        let mut chat = connect(&server, &user).await;
        chat.join("busy").await;
        typists.push(chat);
    }
    while !l.is_silent_for(Duration::from_millis(200)).await {}
    let started = Instant::now();
    for round in 0..3 {
        for chat in typists.iter_mut() {
            chat.send(json!({"type":"typing","room_id":room})).await;
        }
        if round < 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut frames = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    while started.elapsed() < Duration::from_millis(1600) {
        if let Ok(frame) = tokio::time::timeout(Duration::from_millis(100), l.recv()).await
            && frame["type"] == "typing"
        {
            for name in frame["users"].as_array().unwrap() {
                names.insert(name.as_str().unwrap().to_owned());
            }
            frames.push(frame);
        }
    }
    assert_eq!(names.len(), 5, "every typist is heard: {frames:?}");
    assert!(
        frames.len() <= 2,
        "15 reports within 1.6 s become at most 2 frames: {frames:?}"
    );
    // A socket that reports faster than a page ever would is told so.
    let chat = &mut typists[0];
    let mut limited = false;
    for _ in 0..10 {
        chat.send(json!({"type":"typing","room_id":room})).await;
    }
    while let Ok(frame) = tokio::time::timeout(Duration::from_millis(300), chat.recv()).await {
        if frame["code"] == "rate_limited" {
            limited = true;
        }
    }
    assert!(limited);
}

#[tokio::test]
async fn a_permalink_page_shows_the_message_in_its_history_formatted_and_only_to_readers() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let eve = signup(&server, "eve").await;
    private_room(&server, &alice, "Vault", &["bob"]).await;
    let mut a = connect(&server, &alice).await;
    a.join("Vault").await;
    a.say("Vault", "before").await;
    let linked = a
        .say(
            "Vault",
            "*see* **this** ~~not~~ https://x.io/<script>alert(1)</script> @bob `<b>`",
        )
        .await["id"]
        .as_u64()
        .unwrap();
    a.say("Vault", "after").await;

    let get = |who: &User, path: String| {
        let cookie = who.cookie.clone();
        let url = server.url(&path);
        async move {
            let resp = http()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let (status, page) = get(&bob, format!("/rooms/Vault/m/{linked}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("before") && page.contains("after"), "{page}");
    assert!(
        page.contains(&format!(r#"id="m{linked}""#)) && page.contains(r#"aria-current="true""#)
    );
    assert!(page.contains("<strong>see</strong>"), "{page}");
    assert!(
        page.contains("<strong>this</strong>"),
        "Markdown's bold: {page}"
    );
    assert!(page.contains("<del>not</del>"), "{page}");
    assert!(page.contains(
        r#"<a href="https://x.io/" rel="noopener noreferrer nofollow" target="_blank">"#
    ));
    assert!(
        page.contains(r#"<span class="mention mention-me">@bob</span>"#),
        "{page}"
    );
    assert!(page.contains("<code>&lt;b&gt;</code>"));
    assert!(!page.contains("<script>alert"), "user text became markup");

    // An outsider, a guessed room and an unknown message get what a room never made gets.
    let (outsider, outsider_page) = get(&eve, format!("/rooms/Vault/m/{linked}")).await;
    let (never, never_page) = get(&eve, format!("/rooms/Nowhere/m/{linked}")).await;
    assert_eq!((outsider, never), (404, 404));
    assert_eq!(
        outsider_page.replace("Vault", "X"),
        never_page.replace("Nowhere", "X"),
        "the outsider learns nothing"
    );
    let (status, _) = get(&bob, "/rooms/Vault/m/9999".into()).await;
    assert_eq!(status, 404);
    let (status, _) = get(&bob, "/rooms/Vault/m/abc".into()).await;
    assert_eq!(status, 404);

    // A direct room's permalink, `/dm/{people}/m/{id}`: for its people only.
    let pair = direct_room(&server, &alice, &["bob"]).await;
    a.join_id(pair).await;
    let said = a.say_in(pair, "just between us").await["id"]
        .as_u64()
        .unwrap();
    let (status, page) = get(&bob, format!("/dm/alice/m/{said}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("just between us") && page.contains(r#"aria-current="true""#));
    assert!(
        page.contains(&format!(r##"href="/dm/alice#m{said}""##)),
        "{page}"
    );
    let (mine, _) = get(&alice, format!("/dm/bob/m/{said}")).await;
    assert_eq!(mine, 200);
    let (eve_alone, eve_page) = get(&eve, format!("/dm/alice/m/{said}")).await;
    let (eve_group, _) = get(&eve, format!("/dm/alice,bob/m/{said}")).await;
    assert_eq!((eve_alone, eve_group), (404, 404));
    assert!(!eve_page.contains("just between us"));
    let (status, _) = get(&bob, format!("/dm/alice/m/{linked}")).await;
    assert_eq!(status, 404, "a message of another room");
}

#[tokio::test]
async fn a_room_not_followed_reports_each_new_message_as_activity_to_its_members_only() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut first = connect(&server, &alice).await;
    first.join("work").await;
    drop(first);
    let mut b = connect(&server, &bob).await;
    b.join("work").await;
    let work = b.id("work");

    // Alice's page shows another room; "work" is only in her list.
    let mut a = connect(&server, &alice).await;
    a.join("lounge").await;
    let mut c = connect(&server, &carol).await;
    c.join("lounge").await;
    let said = b.say("work", "@alice the build is red").await;
    let activity = a.recv_type("activity").await;
    assert_eq!(activity["room_id"], work, "{activity}");
    assert_eq!(activity["id"], said["id"]);
    assert_eq!(activity["user"], "bob");
    assert_eq!(activity["mentions"], json!(["alice"]));
    assert_eq!(
        activity["excerpt"], "@alice the build is red",
        "the start of the text, to notify of it"
    );
    assert!(
        activity.get("text").is_none(),
        "no whole message to a socket that does not follow: {activity}"
    );

    // Changes and typing are for followers; outsiders hear nothing of the room.
    while !c.is_silent_for(Duration::from_millis(30)).await {}
    answer(
        &mut b,
        json!({"type":"edit","room_id":work,"id":said["id"],"text":"@alice green again"}),
        "update",
    )
    .await;
    b.send(json!({"type":"typing","room_id":work})).await;
    assert!(
        a.is_silent_for(Duration::from_millis(300)).await,
        "edits and typing stay in the room"
    );
    assert!(
        c.is_silent_for(Duration::from_millis(100)).await,
        "carol is not a member"
    );

    // Following it turns activity into messages; leaving it goes back to activity.
    a.join("work").await;
    b.say("work", "plain").await;
    assert_eq!(a.recv_type("message").await["text"], "plain");
    a.send(json!({"type":"leave","room_id":work})).await;
    a.recv_type("left").await;
    b.say("work", "again").await;
    assert!(
        a.recv_type("activity").await["mentions"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A room that joins her list later is watched from then on.
    let mut other_tab = connect(&server, &alice).await;
    other_tab.join("new-project").await;
    b.join("new-project").await;
    a.recv_type("room").await;
    b.say("new-project", "@room kickoff").await;
    let activity = a.recv_type("activity").await;
    assert_eq!(activity["room_id"], b.id("new-project"));
    assert_eq!(activity["everyone"], "room");
}
