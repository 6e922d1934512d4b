//! `/metrics` from the outside: off the chat's port unless a token is set, then only to that
//! token; on `--metrics-listen`'s own address; and the numbers move as people chat. (The
//! format itself is read by Prometheus's own parser in `tests/api/schemathesis.sh`.)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use confab::config::ServeArgs;
use serde_json::json;

use crate::common::*;

const TOKEN: &str = "scrape-me-if-you-can-0123456789";

fn with_token() -> ServeArgs {
    ServeArgs {
        metrics_token: Some(TOKEN.into()),
        ..ServeArgs::default()
    }
}

/// GETs `url` with `Authorization: auth`; the status, the `Content-Type` and the body.
async fn scrape(url: &str, auth: Option<&str>) -> (u16, String, String) {
    let mut request = http().get(url);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.text().await.unwrap())
}

/// The samples of a scrape: `name{labels}` → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').expect("a sample line");
            (name.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

async fn read(server: &TestServer) -> HashMap<String, f64> {
    let auth = format!("Bearer {TOKEN}");
    let (status, _, text) = scrape(&server.url("/metrics"), Some(&auth)).await;
    assert_eq!(status, 200, "{text}");
    samples(&text)
}

#[tokio::test]
async fn the_chats_port_serves_metrics_only_to_the_token_and_not_at_all_without_one() {
    let plain = TestServer::start().await;
    let (status, _, _) = scrape(&plain.url("/metrics"), None).await;
    assert_eq!(status, 404);
    let (status, _, _) = scrape(&plain.url("/metrics"), Some("Bearer anything")).await;
    assert_eq!(status, 404);

    let server = TestServer::start_with(with_token()).await;
    for auth in [
        None,
        Some("Bearer wrong-token-wrong-token"),
        Some(&format!("Bearer {}", &TOKEN[1..])),
        Some(&format!("Basic {TOKEN}")),
    ] {
        let (status, _, body) = scrape(&server.url("/metrics"), auth).await;
        assert_eq!(status, 401, "{auth:?}");
        assert!(!body.contains("confab_"), "{body}");
    }
    let (status, kind, text) =
        scrape(&server.url("/metrics"), Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(status, 200);
    assert_eq!(kind, "text/plain; version=0.0.4; charset=utf-8");
    // Every family is confab's, counters end in _total, durations are in seconds.
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let mut parts = line.split(' ').skip(2);
        let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(name.starts_with("confab_"), "{line}");
        if kind == "counter" {
            assert!(name.ends_with("_total"), "{line}");
        }
    }
    for family in [
        "confab_build_info",
        "confab_sockets_open",
        "confab_rooms_live",
        "confab_fanout_queue_bytes",
        "confab_messages_stored_total",
        "confab_messages_delivered_total",
        "confab_commit_seconds",
        "confab_commit_batch_size",
        "confab_signins_total",
        "confab_sockets_closed_total",
        "confab_push_deliveries_total",
        "confab_webhook_deliveries_total",
        "confab_store_file_bytes",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} in\n{text}"
        );
    }
    assert!(text.contains("# TYPE confab_commit_seconds histogram"));

    // A token set at start must be long enough to be unguessable.
    let short = ServeArgs {
        metrics_token: Some("short".into()),
        ..ServeArgs::default()
    };
    assert!(short.validate().is_err());
}

#[tokio::test]
async fn metrics_listen_serves_them_on_their_own_address_and_not_on_the_chats() {
    let port = free_port();
    let server = TestServer::start_with(ServeArgs {
        metrics_listen: Some(format!("127.0.0.1:{port}")),
        ..ServeArgs::default()
    })
    .await;
    let own = format!("http://127.0.0.1:{port}/metrics");
    let (status, _, text) = scrape(&own, None).await;
    assert_eq!(status, 200);
    assert!(text.contains("confab_sockets_open 0"), "{text}");
    let (status, _, _) = scrape(&format!("http://127.0.0.1:{port}/"), None).await;
    assert_eq!(status, 404, "the metrics address serves nothing else");
    let (status, _, _) = scrape(&server.url("/metrics"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_numbers_move_as_people_sign_in_and_chat() {
    let server = TestServer::start_with(with_token()).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let before = read(&server).await;
    assert_eq!(before["confab_sockets_open"], 0.0);

    // One wrong password, one right.
    assert_eq!(
        login(&server, "alice", "not her password").await.status(),
        401
    );
    assert_eq!(login(&server, "alice", &alice.password).await.status(), 200);

    let mut alices = connect(&server, &alice).await;
    let mut bobs = connect(&server, &bob).await;
    alices.join("lobby").await;
    bobs.join("lobby").await;
    let lobby = alices.id("lobby");
    for n in 0..3 {
        alices
            .send(json!({"type": "send", "room_id": lobby, "text": format!("hello {n}"), "client_id": format!("c{n}")}))
            .await;
        bobs.recv_type("message").await;
    }
    // Each message went to both sockets (counted once queued to the last of them).
    let deadline = Instant::now() + Duration::from_secs(5);
    let now = loop {
        let now = read(&server).await;
        if now["confab_messages_delivered_total"] == 6.0 {
            break now;
        }
        assert!(Instant::now() < deadline, "{now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(now["confab_sockets_open"], 2.0);
    assert!(now["confab_rooms_live"] >= 1.0);
    assert_eq!(now["confab_signins_total{result=\"ok\"}"], 1.0);
    assert_eq!(now["confab_signins_total{result=\"failed\"}"], 1.0);
    assert_eq!(now["confab_messages_stored_total"], 3.0);
    assert!(now["confab_commit_seconds_count"] >= 1.0);
    assert!(now["confab_commit_seconds_sum"] > 0.0);
    assert!(now["confab_commit_batch_size_count"] >= 1.0);
    assert!(now["confab_store_file_bytes"] > 0.0);
    let build = now
        .keys()
        .find(|name| name.starts_with("confab_build_info{version=\"0.1.0\",revision="));
    assert!(build.is_some(), "{now:?}");

    // A socket that goes away is counted by why.
    drop(bobs);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = read(&server).await;
        if now["confab_sockets_open"] == 1.0 {
            let closed = now.get("confab_sockets_closed_total{reason=\"client\"}");
            assert_eq!(closed, Some(&1.0), "{now:?}");
            break;
        }
        assert!(Instant::now() < deadline, "{now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
