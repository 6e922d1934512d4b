//! Upgrades keep everything: a server started on the database the first release wrote
//! (`tests/fixtures/v1`, described in its README) migrates it and goes on where it stopped.

use std::path::PathBuf;

use crate::common::*;
use confab::clock::ManualClock;
use serde_json::json;

/// When the fixture was written; its sessions are an hour old at this time.
const WRITTEN_AT_MS: u64 = 1_796_122_400_000;
const ALICE: &str = "confab_session=YRAnPBwLecRKMs1jycqzJL4Ilq28iZhQ3XeUpk1ih7g";
const BOB: &str = "confab_session=LvnzkwNv8M9SgmbXrW5HR0vioMGdnHEXEtROeZtADEM";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1/confab.redb")
}

async fn upgraded() -> TestServer {
    TestServer::start_on_copy_of(&fixture(), ManualClock::new(WRITTEN_AT_MS + 3_600_000)).await
}

#[tokio::test]
async fn accounts_and_sessions_of_the_first_release_still_sign_in() {
    let server = upgraded().await;
    let me = get_json(&server, "/api/v1/me", ALICE).await;
    assert_eq!(me["user"]["username"], "alice", "{me}");
    assert_eq!(me["user"]["id"], 1);
    assert_eq!(
        get_json(&server, "/api/v1/me", BOB).await["user"]["username"],
        "bob"
    );
    let resp = login(&server, "dave", "dave fixture password").await;
    assert_eq!(resp.status(), 200);
    let resp = login(&server, "carol", "carol fixture password").await;
    assert_eq!(resp.status(), 403, "carol stays disabled");
    let resp = login(&server, "alice", "not her password").await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn every_message_of_the_first_release_is_readable_over_http_and_the_websocket() {
    let server = upgraded().await;
    let lobby = get_json(&server, "/api/v1/rooms/lobby/messages", ALICE).await;
    assert_eq!(lobby["room"], "Lobby");
    assert_eq!(
        message_texts(&lobby),
        [
            "hello, this is the first message",
            "hi alice <b>not bold</b>",
            "last word in the lobby"
        ]
    );
    let authors: Vec<&str> = lobby["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(
        authors,
        ["alice", "bob", "alice"],
        "names come from the accounts"
    );

    // 120 messages in "42", paged backwards in 50s.
    let mut all = Vec::new();
    let mut before = String::new();
    loop {
        let page = get_json(
            &server,
            &format!("/api/v1/rooms/42/messages?limit=50{before}"),
            ALICE,
        )
        .await;
        let mut got = message_texts(&page);
        got.append(&mut all);
        all = got;
        if page["more"] == false {
            break;
        }
        before = format!("&before={}", page["messages"][0]["id"]);
    }
    assert_eq!(
        all,
        (1..=120).map(|i| format!("count {i}")).collect::<Vec<_>>()
    );

    let mut chat = connect(
        &server,
        &User {
            name: "bob".into(),
            password: String::new(),
            cookie: BOB.into(),
        },
    )
    .await;
    let joined = chat.join("café ☕").await;
    assert_eq!(
        message_texts(&joined),
        ["un café ☕ s'il vous plaît\nsecond line"]
    );
    // Resume from the middle of "42": exactly the messages after it.
    let resumed = chat.join_since("42", 100).await;
    assert_eq!(
        message_texts(&resumed),
        (101..=120)
            .map(|i| format!("count {i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(resumed["more"], false);
}

#[tokio::test]
async fn a_send_retried_with_a_client_id_from_before_the_upgrade_is_not_stored_twice() {
    let server = upgraded().await;
    let alice = User {
        name: "alice".into(),
        password: String::new(),
        cookie: ALICE.into(),
    };
    let mut chat = connect(&server, &alice).await;
    chat.join("Lobby").await;
    chat.send(json!({"type":"send","room_id":chat.id("Lobby"),"text":"last word in the lobby","client_id":"fx-alice-2"}))
        .await;
    let echo = chat.recv_type("message").await;
    assert_eq!(
        (echo["id"].as_u64(), echo["client_id"].as_str()),
        (Some(3), Some("fx-alice-2"))
    );
    let next = chat.say("Lobby", "the first word after the upgrade").await;
    assert_eq!(next["id"], 4, "ids go on from the first release's");
    let lobby = get_json(&server, "/api/v1/rooms/Lobby/messages", ALICE).await;
    assert_eq!(lobby["messages"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_rooms_people_visited_are_their_rooms_now() {
    let server = upgraded().await;
    let rooms = get_json(&server, "/api/v1/rooms", ALICE).await;
    let mine: Vec<&str> = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["member"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        mine,
        ["Lobby", "42"],
        "alice visited Lobby and 42, newest activity first"
    );
    let all: Vec<&str> = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        all.contains(&"café ☕"),
        "open rooms are listed too: {all:?}"
    );
}

#[tokio::test]
async fn the_messages_of_the_first_release_are_found_by_search() {
    let server = upgraded().await;
    let found = get_json(&server, "/api/v1/search?q=CAFE%20plai", BOB).await;
    let results = found["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{found}");
    assert_eq!(
        results[0]["text"],
        "un café ☕ s'il vous plaît\nsecond line"
    );
    assert_eq!(results[0]["room"], "café ☕");
    let found = get_json(&server, "/api/v1/search?q=in%3A42%20count", ALICE).await;
    assert_eq!(found["results"].as_array().unwrap().len(), 50, "{found}");
    assert_eq!(found["results"][0]["text"], "count 120");
    assert_eq!(found["more"], true);
}
