//! Direct rooms: one per exact set of 2–8 people whoever opens it and in whatever order; a
//! person who accepts messages only from friends refuses a stranger, saying so; a block stops
//! new rooms and messages both ways; hiding a room lasts until its next message; the page
//! `/dm/{people}` shows the room without making it, and its form makes it.

use std::time::Duration;

use crate::common::*;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use serde_json::{Value, json};

async fn set_dm_from(server: &TestServer, user: &User, setting: &str) {
    let (status, body) = api(
        server,
        "PATCH",
        "/api/v1/me",
        Some(&user.cookie),
        Some(json!({ "dm_from": setting })),
    )
    .await;
    assert_eq!(
        (status, body["user"]["dm_from"].as_str()),
        (200, Some(setting))
    );
}

async fn people(server: &TestServer, user: &User, path: &str) -> (u16, Value) {
    api(server, "POST", path, Some(&user.cookie), None).await
}

#[tokio::test]
async fn one_room_per_set_of_people_whoever_opens_it_and_in_any_order() {
    let mut config = ServeArgs::default();
    config.limits.signup_ip_rate = Rate::new(100, Duration::from_secs(60));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut bob_chat = connect(&server, &bob).await;

    let (status, made) = open_dm(&server, &alice, &["bob"]).await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["room"]["kind"], "direct");
    assert_eq!(usernames(&made["room"]["members"]), ["alice", "bob"]);
    let pair = made["room"]["id"].as_u64().unwrap();
    let added = bob_chat.recv_type("room").await;
    assert_eq!(
        (added["event"].as_str(), added["room_id"].as_u64()),
        (Some("added"), Some(pair))
    );
    assert_eq!(usernames(&added["room"]["people"]), ["alice", "bob"]);

    assert_eq!(
        direct_room(&server, &bob, &["alice"]).await,
        pair,
        "the other way round"
    );
    assert_eq!(
        direct_room(&server, &bob, &["ALICE", "alice", "bob"]).await,
        pair,
        "names as typed, repeated, or with yourself"
    );

    let group = direct_room(&server, &alice, &["carol", "bob"]).await;
    assert_ne!(group, pair, "another set, another room");
    assert_eq!(direct_room(&server, &carol, &["bob", "alice"]).await, group);
    assert_eq!(direct_room(&server, &bob, &["alice", "carol"]).await, group);

    // Everyone in it reads and writes it; it has no name.
    let mut carol_chat = connect(&server, &carol).await;
    let joined = carol_chat.join_id(group).await;
    assert_eq!(joined["kind"], "direct");
    assert!(joined["room"].is_null(), "{joined}");
    assert_eq!(usernames(&joined["people"]), ["alice", "bob", "carol"]);
    let said = carol_chat.say_in(group, "hello, both").await;
    assert_eq!(said["type"], "message", "{said}");
    let (status, page) = api(
        &server,
        "GET",
        &format!("/api/v1/dm/{group}/messages"),
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["messages"][0]["text"], "hello, both");

    // 2 to 8 people, existing accounts only.
    let mut crowd = Vec::new();
    for n in 0..8 {
        crowd.push(signup(&server, &format!("person{n}")).await.name);
    }
    let crowd: Vec<&str> = crowd.iter().map(String::as_str).collect();
    let (status, refused) = open_dm(&server, &alice, &crowd).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_dm")),
        "{refused}"
    );
    assert!(refused["message"].as_str().unwrap().contains("2 to 8"));
    assert_eq!(
        open_dm(&server, &alice, &crowd[..7]).await.0,
        200,
        "8 with alice"
    );
    let (status, alone) = open_dm(&server, &alice, &["alice"]).await;
    assert_eq!((status, alone["error"].as_str()), (400, Some("invalid_dm")));
    let (status, nobody) = open_dm(&server, &alice, &["nobody-here"]).await;
    assert_eq!(
        (status, nobody["error"].as_str()),
        (404, Some("user_not_found"))
    );
}

#[tokio::test]
async fn friends_only_refuses_a_stranger_and_says_why() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    set_dm_from(&server, &bob, "friends").await;

    let (status, refused) = open_dm(&server, &alice, &["bob"]).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("dm_refused"))
    );
    assert_eq!(
        refused["message"],
        "bob accepts messages only from friends."
    );
    // A group with bob in it is refused for the same reason.
    signup(&server, "carol").await;
    let (status, _) = open_dm(&server, &alice, &["bob", "carol"]).await;
    assert_eq!(status, 403);
    // Nothing was made: bob's rooms are as empty as before.
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(rooms["rooms"], json!([]));

    // Friends may.
    assert_eq!(
        people(&server, &alice, "/api/v1/friends/bob").await.1["state"],
        "asked"
    );
    assert_eq!(
        people(&server, &bob, "/api/v1/friends/alice").await.1["state"],
        "friends"
    );
    let room = direct_room(&server, &alice, &["bob"]).await;

    // An existing room stays open to both when bob changes his setting later.
    set_dm_from(&server, &bob, "everyone").await;
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/friends/bob",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    set_dm_from(&server, &bob, "friends").await;
    assert_eq!(direct_room(&server, &alice, &["bob"]).await, room);
    let mut alice_chat = connect(&server, &alice).await;
    alice_chat.join_id(room).await;
    assert_eq!(
        alice_chat.say_in(room, "still here").await["type"],
        "message"
    );
}

#[tokio::test]
async fn a_block_stops_new_rooms_and_messages_both_ways() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let room = direct_room(&server, &alice, &["bob"]).await;
    let mut alice_chat = connect(&server, &alice).await;
    let mut bob_chat = connect(&server, &bob).await;
    alice_chat.join_id(room).await;
    bob_chat.join_id(room).await;
    assert_eq!(alice_chat.say_in(room, "hi bob").await["type"], "message");

    assert_eq!(people(&server, &bob, "/api/v1/blocks/alice").await.0, 204);

    // alice can no longer write to bob, and is told so.
    let refused = alice_chat.say_in(room, "are you there?").await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("dm_refused")),
        "{refused}"
    );
    // Nor can bob write to the person he blocked, until he unblocks them.
    let refused = bob_chat.say_in(room, "one last thing").await;
    assert_eq!(refused["code"], "dm_refused", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("unblock"),
        "{refused}"
    );
    assert!(
        bob_chat.is_silent_for(Duration::from_millis(200)).await,
        "nothing from alice reached bob"
    );

    // Neither can open a new room with the other, and friend requests are refused too.
    signup(&server, "carol").await;
    let (status, why) = open_dm(&server, &alice, &["bob", "carol"]).await;
    assert_eq!(
        (status, why["message"].as_str()),
        (403, Some("bob does not accept messages from you."))
    );
    let (status, why) = open_dm(&server, &bob, &["alice", "carol"]).await;
    assert_eq!(status, 403);
    assert!(
        why["message"]
            .as_str()
            .unwrap()
            .contains("You blocked alice"),
        "{why}"
    );
    let (status, why) = people(&server, &alice, "/api/v1/friends/bob").await;
    assert_eq!(
        (status, why["error"].as_str()),
        (403, Some("friend_refused"))
    );

    // The history is still there for both.
    let (status, page) = api(
        &server,
        "GET",
        &format!("/api/v1/dm/{room}/messages"),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, page["messages"].as_array().unwrap().len()),
        (200, 1)
    );

    // Unblocked, the room works again.
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/blocks/alice",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        alice_chat.say_in(room, "hello again").await["type"],
        "message"
    );
}

#[tokio::test]
async fn a_hidden_room_comes_back_with_its_next_message() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let room = direct_room(&server, &alice, &["bob"]).await;
    let mut bob_phone = connect(&server, &bob).await;
    let mut bob_laptop = connect(&server, &bob).await;
    let mut alice_chat = connect(&server, &alice).await;
    alice_chat.join_id(room).await;
    bob_phone.join_id(room).await;

    let (status, _) = api(
        &server,
        "DELETE",
        &format!("/api/v1/dm/{room}"),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    for socket in [&mut bob_phone, &mut bob_laptop] {
        let removed = socket.recv_type("room").await;
        assert_eq!(
            (removed["event"].as_str(), removed["reason"].as_str()),
            (Some("removed"), Some("hidden"))
        );
    }
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(rooms["rooms"], json!([]), "hidden from bob's list");
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&alice.cookie), None).await;
    assert_eq!(
        rooms["rooms"].as_array().unwrap().len(),
        1,
        "alice still has it"
    );

    // alice writes: the room is back in bob's list, on every socket, with the message.
    alice_chat.say_in(room, "did you hide me?").await;
    for socket in [&mut bob_phone, &mut bob_laptop] {
        let back = socket.recv_type("room").await;
        assert_eq!(
            (back["event"].as_str(), back["room_id"].as_u64()),
            (Some("added"), Some(room)),
            "{back}"
        );
    }
    let joined = bob_laptop.join_id(room).await;
    assert_eq!(joined["messages"][0]["text"], "did you hide me?");

    // Hidden again, opening it brings it back too.
    api(
        &server,
        "DELETE",
        &format!("/api/v1/dm/{room}"),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(direct_room(&server, &bob, &["alice"]).await, room);
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(rooms["rooms"][0]["id"].as_u64(), Some(room));
}

#[tokio::test]
async fn the_dm_page_is_the_chat_at_once_and_its_first_message_makes_the_room() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let client = http();

    let page = client
        .get(server.url("/dm/bob"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"data-direct-people="bob""#) && html.contains(r#"id="message-input""#),
        "the chat, ready for the first message: {html}"
    );
    assert!(
        html.contains(r#"action="/dm""#) && html.contains(r#"name="usernames" value="bob""#),
        "a form of its own without JavaScript: {html}"
    );
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(rooms["rooms"], json!([]), "a GET makes nothing");

    let post = |pairs: &'static [(&'static str, &'static str)]| {
        client
            .post(server.url("/dm"))
            .header("cookie", &alice.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
    };
    let empty = post(&[("usernames", "bob"), ("text", "  ")]).await.unwrap();
    assert_eq!(empty.status(), 400);
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(rooms["rooms"], json!([]), "no conversation is made empty");

    let made = post(&[("usernames", "bob"), ("text", "hello bob")])
        .await
        .unwrap();
    assert_eq!(made.status(), 303);
    assert_eq!(made.headers()["location"], "/dm/bob");
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(usernames(&rooms["rooms"][0]["people"]), ["alice", "bob"]);
    let room = rooms["rooms"][0]["id"].as_u64().unwrap();
    let (_, page) = api(
        &server,
        "GET",
        &format!("/api/v1/dm/{room}/messages"),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(page["messages"][0]["text"], "hello bob", "{page}");

    // Now the page is the chat itself, for both of them.
    for (user, path) in [(&alice, "/dm/bob"), (&bob, "/dm/alice")] {
        let html = client
            .get(server.url(path))
            .header("cookie", &user.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"id="main""#) && html.contains("data-room-id"),
            "{path}: {html}"
        );
    }
    let missing = client
        .get(server.url("/dm/nobody-here"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// The page form is safe to send twice (its client id stores one message), is held to the
/// sending rate like the socket, and a page for a name given up or typed in other case
/// leads to the person as they are called now.
#[tokio::test]
async fn the_dm_form_stores_once_keeps_the_rate_and_leads_old_names_to_new_ones() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(2, Duration::from_secs(60));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;

    let (status, html) = page(&server, "/dm/bob", Some(&alice.cookie)).await;
    assert_eq!(status, 200);
    let marker = r#"name="client_id" value=""#;
    let at = html.find(marker).expect("the form carries a client id") + marker.len();
    let client_id = &html[at..at + html[at..].find('"').unwrap()];
    assert!(!client_id.is_empty());
    let (_, again) = page(&server, "/dm/bob", Some(&alice.cookie)).await;
    assert!(
        !again.contains(&format!(r#"value="{client_id}""#)),
        "each page render has its own"
    );

    let fields = [
        ("usernames", "bob"),
        ("text", "only once"),
        ("client_id", client_id),
    ];
    for _ in 0..2 {
        let sent = post_page(&server, "/dm", &fields, Some(&alice.cookie)).await;
        assert_eq!(sent.status(), 303);
    }
    let room = direct_room(&server, &alice, &["bob"]).await;
    let (_, messages) = api(
        &server,
        "GET",
        &format!("/api/v1/dm/{room}/messages"),
        Some(&bob.cookie),
        None,
    )
    .await;
    let texts: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|message| message["text"].as_str())
        .collect();
    assert_eq!(texts, ["only once"], "{messages}");

    let fast = [("usernames", "bob"), ("text", "too fast")];
    let refused = post_page(&server, "/dm", &fast, Some(&alice.cookie)).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(refused.text().await.unwrap().contains("Sending too fast"));

    let carol = signup(&server, "carol").await;
    let cased = http()
        .get(server.url("/dm/CAROL"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(cased.status(), 303);
    assert_eq!(cased.headers()["location"], "/dm/carol");
    let (status, body) = api(
        &server,
        "PATCH",
        "/api/v1/me",
        Some(&carol.cookie),
        Some(json!({"username": "caroline"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let renamed = http()
        .get(server.url("/dm/carol"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 303);
    assert_eq!(renamed.headers()["location"], "/dm/caroline");
}

/// The first message to someone makes the conversation with it, on the socket: the sender's
/// socket follows the new room and its `joined` answer holds the message (the
/// acknowledgement); the other person's sockets hear of the room and of the message. A
/// refusal makes nothing, and a retry under the same client id is stored once.
#[tokio::test]
async fn a_first_message_to_people_makes_their_conversation_with_it() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut bob_chat = connect(&server, &bob).await;
    let mut alice_chat = connect(&server, &alice).await;

    let first = json!({"type":"send","people":["BOB"],"text":"hello bob","client_id":"first"});
    alice_chat.send(first.clone()).await;
    let joined = alice_chat.recv_type("joined").await;
    assert_eq!(joined["kind"], "direct", "{joined}");
    assert_eq!(usernames(&joined["people"]), ["alice", "bob"]);
    let messages = joined["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{joined}");
    assert_eq!(
        (
            messages[0]["text"].as_str(),
            messages[0]["client_id"].as_str()
        ),
        (Some("hello bob"), Some("first"))
    );
    let room = joined["room_id"].as_u64().unwrap();
    // The room comes into bob's list with its message in it, unread.
    let added = bob_chat.recv_type("room").await;
    assert_eq!(
        (added["event"].as_str(), added["room_id"].as_u64()),
        (Some("added"), Some(room))
    );
    assert_eq!(
        (
            added["room"]["last_id"].as_u64(),
            added["room"]["unread"].as_u64()
        ),
        (Some(1), Some(1)),
        "{added}"
    );

    // Sent again (the answer was lost), it is stored once; the same room is found by its people.
    alice_chat.send(first).await;
    let echoed = alice_chat.recv_type("message").await;
    assert_eq!(
        (echoed["room_id"].as_u64(), echoed["client_id"].as_str()),
        (Some(room), Some("first"))
    );
    let (_, page) = api(
        &server,
        "GET",
        &format!("/api/v1/dm/{room}/messages"),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 1, "{page}");

    // Refused: someone who takes conversations from friends only, someone who is not there,
    // nobody but oneself. Each says why, with the client id, and makes nothing.
    set_dm_from(&server, &carol, "friends").await;
    let mut refusals = Vec::new();
    for (people, client_id) in [
        (json!(["carol"]), "to-carol"),
        (json!(["nobody-here"]), "to-nobody"),
        (json!(["alice"]), "to-myself"),
    ] {
        alice_chat
            .send(json!({"type":"send","people":people,"text":"hi","client_id":client_id}))
            .await;
        let answer = alice_chat.recv_type("error").await;
        assert_eq!(answer["client_id"], client_id, "{answer}");
        refusals.push(answer["code"].as_str().unwrap().to_owned());
    }
    assert_eq!(refusals, ["dm_refused", "user_not_found", "invalid_dm"]);
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&carol.cookie), None).await;
    assert_eq!(rooms["rooms"], json!([]), "nothing was made for carol");
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&alice.cookie), None).await;
    assert_eq!(rooms["rooms"].as_array().unwrap().len(), 1, "{rooms}");
}
