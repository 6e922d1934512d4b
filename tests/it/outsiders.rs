//! The outsider's view: for a private room and a direct room someone is not in, every door —
//! pages, the JSON API, WebSocket frames, the rooms list, their own events — answers exactly as
//! for a room that was never made (same status, same body, same timing class), and their
//! name, once taken, tells nothing more than that.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::{Value, json};

/// A private room of alice's with a message in it, a direct room of bob and carol, and eve,
/// signed in, who is in neither.
struct World {
    server: TestServer,
    alice: User,
    eve: User,
    private_id: u64,
    direct_id: u64,
}

const PRIVATE: &str = "Secret Plans";
const NEVER: &str = "Never Made";
const NEVER_ID: u64 = 999_999;

async fn world() -> World {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    signup(&server, "carol").await;
    let eve = signup(&server, "eve").await;
    let (status, made) = api(
        &server,
        "POST",
        "/api/v1/rooms",
        Some(&alice.cookie),
        Some(json!({"name": PRIVATE, "kind": "private", "topic": "the surprise party"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let private_id = made["room"]["id"].as_u64().unwrap();
    let mut chat = connect(&server, &alice).await;
    chat.send(json!({"type":"join","room_id":private_id})).await;
    chat.recv_type("joined").await;
    let room_id = private_id;
    chat.send(json!({"type":"send","room_id":room_id,"text":"the cake is in the fridge","client_id":"p1"}))
        .await;
    assert_eq!(chat.recv_type("message").await["client_id"], "p1");
    let direct_id = direct_room(&server, &bob, &["carol"]).await;
    World {
        direct_id,
        server,
        alice,
        eve,
        private_id,
    }
}

fn encoded(name: &str) -> String {
    name.replace(' ', "%20")
}

/// The same request about the private room and about a room never made answers the same.
async fn same_answer(
    w: &World,
    method: &str,
    path_of: impl Fn(&str) -> String,
    body: Option<Value>,
) {
    let hidden = api(
        &w.server,
        method,
        &path_of(&encoded(PRIVATE)),
        Some(&w.eve.cookie),
        body.clone(),
    )
    .await;
    let never = api(
        &w.server,
        method,
        &path_of(&encoded(NEVER)),
        Some(&w.eve.cookie),
        body,
    )
    .await;
    assert_eq!(hidden.0, 404, "{method} {}: {}", path_of(PRIVATE), hidden.1);
    assert_eq!(hidden, never, "{method} {}", path_of("…"));
    assert_eq!(hidden.1["error"], "room_not_found");
}

#[tokio::test]
async fn every_api_door_answers_for_a_private_room_as_for_one_never_made() {
    let w = world().await;
    same_answer(&w, "GET", |n| format!("/api/v1/rooms/{n}/messages"), None).await;
    same_answer(
        &w,
        "GET",
        |n| format!("/api/v1/rooms/{n}/messages?before=5&limit=3"),
        None,
    )
    .await;
    same_answer(&w, "GET", |n| format!("/api/v1/rooms/{n}"), None).await;
    same_answer(
        &w,
        "PATCH",
        |n| format!("/api/v1/rooms/{n}"),
        Some(json!({"topic": "mine"})),
    )
    .await;
    same_answer(&w, "GET", |n| format!("/api/v1/rooms/{n}/members"), None).await;
    same_answer(
        &w,
        "POST",
        |n| format!("/api/v1/rooms/{n}/members"),
        Some(json!({"username": "eve"})),
    )
    .await;
    same_answer(
        &w,
        "DELETE",
        |n| format!("/api/v1/rooms/{n}/members/alice"),
        None,
    )
    .await;
    same_answer(
        &w,
        "DELETE",
        |n| format!("/api/v1/rooms/{n}/members/eve"),
        None,
    )
    .await;
    same_answer(&w, "GET", |n| format!("/api/v1/rooms/{n}/invites"), None).await;
    same_answer(
        &w,
        "POST",
        |n| format!("/api/v1/rooms/{n}/invites"),
        Some(json!({})),
    )
    .await;
    same_answer(
        &w,
        "DELETE",
        |n| format!("/api/v1/rooms/{n}/invites/0011223344556677"),
        None,
    )
    .await;

    // A direct room by id, beside an id never used; and the private room by its id there.
    for path in [
        |id: u64| format!("/api/v1/dm/{id}/messages"),
        |id: u64| format!("/api/v1/dm/{id}/messages?after=0"),
    ] {
        let hidden = api(
            &w.server,
            "GET",
            &path(w.direct_id),
            Some(&w.eve.cookie),
            None,
        )
        .await;
        let never = api(&w.server, "GET", &path(NEVER_ID), Some(&w.eve.cookie), None).await;
        let private = api(
            &w.server,
            "GET",
            &path(w.private_id),
            Some(&w.eve.cookie),
            None,
        )
        .await;
        assert_eq!(hidden.0, 404);
        assert_eq!(hidden, never);
        assert_eq!(private, never);
    }
    let hidden = api(
        &w.server,
        "DELETE",
        &format!("/api/v1/dm/{}", w.direct_id),
        Some(&w.eve.cookie),
        None,
    )
    .await;
    let never = api(
        &w.server,
        "DELETE",
        &format!("/api/v1/dm/{NEVER_ID}"),
        Some(&w.eve.cookie),
        None,
    )
    .await;
    assert_eq!((hidden.0, &hidden.1), (404, &never.1));

    // The rooms list shows neither; the members see theirs.
    let (_, rooms) = api(&w.server, "GET", "/api/v1/rooms", Some(&w.eve.cookie), None).await;
    let listed: Vec<u64> = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert!(
        !listed.contains(&w.private_id) && !listed.contains(&w.direct_id),
        "{rooms}"
    );
    let (_, theirs) = api(
        &w.server,
        "GET",
        "/api/v1/rooms",
        Some(&w.alice.cookie),
        None,
    )
    .await;
    assert_eq!(theirs["rooms"][0]["id"], w.private_id);
    assert_eq!(theirs["rooms"][0]["kind"], "private");
}

#[tokio::test]
async fn a_taken_name_tells_only_that_it_is_taken() {
    let w = world().await;
    // Making a room by the private room's name (in another case) is refused as for any taken
    // name: the answer does not say whether the taker is open or private.
    let (_, open) = api(
        &w.server,
        "POST",
        "/api/v1/rooms",
        Some(&w.alice.cookie),
        Some(json!({"name": "Lobby", "kind": "open"})),
    )
    .await;
    assert_eq!(open["room"]["kind"], "open");
    let taken_private = api(
        &w.server,
        "POST",
        "/api/v1/rooms",
        Some(&w.eve.cookie),
        Some(json!({"name": "secret PLANS", "kind": "open"})),
    )
    .await;
    let taken_open = api(
        &w.server,
        "POST",
        "/api/v1/rooms",
        Some(&w.eve.cookie),
        Some(json!({"name": "LOBBY", "kind": "private"})),
    )
    .await;
    assert_eq!(taken_private.0, 409);
    assert_eq!(taken_private, taken_open);
    assert_eq!(taken_private.1["error"], "room_exists");

    // The chat page of the name makes nothing and says "no such room"; its settings page is
    // the page of a room never made.
    let page = |path: String| {
        let cookie = w.eve.cookie.clone();
        let url = w.server.url(&path);
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
    let (status, chat) = page(format!("/rooms/{}", encoded(PRIVATE))).await;
    assert_eq!(status, 404);
    assert!(chat.contains("No such room"), "{chat}");
    assert!(
        !chat.contains("surprise party") && !chat.contains("cake"),
        "nothing of the room leaks"
    );
    let hidden = page(format!("/rooms/{}/settings", encoded(PRIVATE))).await;
    let never = page(format!("/rooms/{}/settings", encoded(NEVER))).await;
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, never, "the same page, byte for byte");

    // And eve is still no member of it.
    let (status, _) = api(
        &w.server,
        "GET",
        &format!("/api/v1/rooms/{}/messages", encoded(PRIVATE)),
        Some(&w.eve.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_websocket_frame_answers_for_a_private_or_direct_room_as_for_one_never_made() {
    let w = world().await;
    let mut eve = connect(&w.server, &w.eve).await;
    let rooms = w.eve_hello_rooms(&eve);
    assert!(
        rooms.is_empty(),
        "eve's own rooms: none of theirs: {rooms:?}"
    );
    for id in [w.private_id, w.direct_id] {
        for (asked, never) in [
            (
                json!({"type":"join","room_id":id}),
                json!({"type":"join","room_id":NEVER_ID}),
            ),
            (
                json!({"type":"join","room_id":id,"since":0}),
                json!({"type":"join","room_id":NEVER_ID,"since":0}),
            ),
            (
                json!({"type":"history","room_id":id}),
                json!({"type":"history","room_id":NEVER_ID}),
            ),
            (
                json!({"type":"history","room_id":id,"since":0}),
                json!({"type":"history","room_id":NEVER_ID,"since":0}),
            ),
            (
                json!({"type":"send","room_id":id,"text":"hi","client_id":"x"}),
                json!({"type":"send","room_id":NEVER_ID,"text":"hi","client_id":"x"}),
            ),
            (
                json!({"type":"leave","room_id":id}),
                json!({"type":"leave","room_id":NEVER_ID}),
            ),
        ] {
            eve.send(asked.clone()).await;
            let got = eve.recv_type("error").await;
            eve.send(never).await;
            let mut expected = eve.recv_type("error").await;
            // The answers echo the id asked about, and nothing else differs.
            expected["room_id"] = json!(id);
            assert_eq!(got, expected, "{asked}");
        }
    }
    // By name: the private room is "no such room", and nothing is made or joined.
    eve.send(json!({"type":"join","room":"SECRET plans"})).await;
    let refused = eve.recv_type("error").await;
    assert_eq!(refused["code"], "room_not_found");
    assert_eq!(refused["room"], "SECRET plans");
    assert_eq!(
        refused.as_object().unwrap().len(),
        4,
        "type, code, message, room: {refused}"
    );

    // While alice talks in her room, eve's socket hears nothing of it.
    let mut alice = connect(&w.server, &w.alice).await;
    alice
        .send(json!({"type":"join","room_id":w.private_id}))
        .await;
    alice.recv_type("joined").await;
    let id = w.private_id;
    alice
        .send(json!({"type":"send","room_id":id,"text":"not for eve","client_id":"a2"}))
        .await;
    alice.recv_type("message").await;
    assert!(
        eve.is_silent_for(Duration::from_millis(400)).await,
        "no frame about the room reaches eve"
    );
}

impl World {
    fn eve_hello_rooms(&self, chat: &Chat) -> Vec<Value> {
        chat.hello["rooms"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn guessing_names_takes_as_long_for_a_private_room_as_for_none() {
    let _alone = alone().await;
    let w = world().await;
    let client = http();
    let time = |name: &str| {
        let request = client
            .get(
                w.server
                    .url(&format!("/api/v1/rooms/{}/messages", encoded(name))),
            )
            .header("cookie", &w.eve.cookie);
        async move {
            let started = Instant::now();
            let resp = request.send().await.unwrap();
            let status = resp.status();
            resp.bytes().await.unwrap();
            assert_eq!(status, 404);
            started.elapsed()
        }
    };
    for _ in 0..5 {
        time(PRIVATE).await;
        time(NEVER).await;
    }
    // Each name goes first in every other round: a cost that follows a request's place in the
    // sequence (one connection warm, the next cold) falls on both alike. The two names are
    // compared within each round, moments apart, so that load from elsewhere on the machine,
    // which comes and goes over seconds, weighs on both sides of every comparison; the median
    // of those ratios is what a patient guesser would see.
    let mut ratios = Vec::new();
    let (mut hidden, mut never) = (Vec::new(), Vec::new());
    for round in 0..60 {
        let (h, n) = if round % 2 == 0 {
            let h = time(PRIVATE).await;
            (h, time(NEVER).await)
        } else {
            let n = time(NEVER).await;
            (time(PRIVATE).await, n)
        };
        ratios.push(h.as_secs_f64() / n.as_secs_f64());
        hidden.push(h);
        never.push(n);
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    let (hidden, never) = (median(&mut hidden), median(&mut never));
    println!("median 404: private room {hidden:?}, never made {never:?}, median ratio {ratio:.2}");
    assert!((0.5..=2.0).contains(&ratio), "{hidden:?} vs {never:?}");
}
