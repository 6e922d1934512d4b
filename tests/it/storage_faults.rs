//! The disk fails under a running server (write errors, a full disk, a failing fsync):
//! senders get errors and never an acknowledgement, /healthz says so, and once the disk
//! recovers the server heals by itself with nothing acknowledged missing.

use std::time::{Duration, Instant};

use crate::common::*;
use confab::config::ServeArgs;
use confab::store::Fault;
use serde_json::{Value, json};

async fn health(server: &TestServer) -> u16 {
    http()
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn wait_for_health(server: &TestServer, status: u16) {
    let started = Instant::now();
    while health(server).await != status {
        assert!(started.elapsed() < WAIT, "/healthz never answered {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends a message and returns the frame that answers it: its echo or an error.
async fn answer_to(chat: &mut Chat, room: &str, text: &str, client_id: &str) -> Value {
    chat.send(json!({"type":"send","room_id":chat.id(room),"text":text,"client_id":client_id}))
        .await;
    loop {
        let frame = chat.recv().await;
        if frame["client_id"] == client_id {
            return frame;
        }
    }
}

async fn survives(fault: Fault) {
    let (server, faults) = TestServer::start_with_faults(ServeArgs::default()).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;
    let mut acked = Vec::new();
    for i in 0..5 {
        let echo = answer_to(&mut chat, "r", &format!("before {i}"), &format!("b{i}")).await;
        assert_eq!(echo["type"], "message");
        acked.push(echo["id"].as_u64().unwrap());
    }

    faults.set(fault);
    for i in 0..5 {
        let answer = answer_to(&mut chat, "r", &format!("during {i}"), &format!("d{i}")).await;
        assert_eq!(
            answer["type"], "error",
            "{fault:?}: never an ack while the disk fails: {answer}"
        );
        assert_eq!(answer["code"], "storage_error");
        assert_eq!(answer["room_id"], chat.id("r"));
    }
    assert_eq!(health(&server).await, 503, "{fault:?}: /healthz reports it");
    let signup_during = http()
        .post(server.url("/api/v1/auth/signup"))
        .json(&json!({"username": "bob", "password": "bob password"}))
        .send()
        .await
        .unwrap();
    assert!(signup_during.status().is_server_error(), "{fault:?}");
    let body: Value = signup_during.json().await.unwrap();
    assert!(
        body["error"].is_string(),
        "a JSON error, not a crash: {body}"
    );

    // The disk recovers: the server reopens its database by itself.
    faults.set(Fault::None);
    wait_for_health(&server, 200).await;

    // The socket stayed open; the refused messages are sent again, with the same ids.
    for i in 0..5 {
        let echo = answer_to(&mut chat, "r", &format!("during {i}"), &format!("d{i}")).await;
        assert_eq!(echo["type"], "message", "{fault:?}: {echo}");
        acked.push(echo["id"].as_u64().unwrap());
    }
    assert!(
        acked.windows(2).all(|w| w[0] < w[1]),
        "ids increase: {acked:?}"
    );

    let history: Value =
        get_json(&server, "/api/v1/rooms/r/messages?limit=200", &alice.cookie).await;
    let stored: Vec<(u64, String)> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_u64().unwrap(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<String> = (0..5)
        .map(|i| format!("before {i}"))
        .chain((0..5).map(|i| format!("during {i}")))
        .collect();
    assert_eq!(
        stored.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        acked,
        "{fault:?}"
    );
    assert_eq!(
        stored.into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
        expected
    );
    server.stop().await;
}

#[tokio::test]
async fn write_errors_are_refused_reported_and_healed() {
    survives(Fault::WriteError).await;
}

#[tokio::test]
async fn a_full_disk_is_refused_reported_and_healed() {
    survives(Fault::DiskFull).await;
}

#[tokio::test]
async fn a_failing_fsync_is_refused_reported_and_healed() {
    survives(Fault::SyncError).await;
}

/// While the database cannot be read, nobody is told they are signed out: every door answers
/// 503 with `Retry-After` (the page says so and reloads itself), and once the disk works
/// again the same cookie is still signed in.
#[tokio::test]
async fn a_signed_in_person_is_not_sent_to_sign_in_while_the_disk_cannot_be_read() {
    let (server, faults) = TestServer::start_with_faults(ServeArgs::default()).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;

    // The disk goes: a message fails to commit, and the database cannot be opened again.
    faults.set(Fault::Unreadable);
    let answer = answer_to(&mut chat, "r", "lost to the fault", "u1").await;
    assert_eq!(answer["code"], "storage_error");
    wait_for_health(&server, 503).await;

    let page = http()
        .get(server.url("/rooms"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503, "not a redirect to sign in");
    assert!(page.headers().contains_key("retry-after"));
    let text = page.text().await.unwrap();
    assert!(text.contains("Temporarily unavailable"), "{text}");
    assert!(
        text.contains(r#"http-equiv="refresh""#),
        "the page tries again by itself"
    );

    let me = http()
        .get(server.url("/api/v1/me"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 503);
    assert!(me.headers().contains_key("retry-after"));
    assert_eq!(me.json::<Value>().await.unwrap()["error"], "unavailable");

    match try_connect(&server, Some(&alice.cookie), Some(&server.origin())).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(
                resp.status(),
                503,
                "the socket's page will retry, not sign in"
            )
        }
        Err(other) => panic!("the upgrade failed otherwise: {other}"),
        Ok(_) => panic!("the upgrade succeeded while the database was unreadable"),
    }

    faults.set(Fault::None);
    wait_for_health(&server, 200).await;
    let page = http()
        .get(server.url("/rooms"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "still signed in once the disk works");
    server.stop().await;
}
