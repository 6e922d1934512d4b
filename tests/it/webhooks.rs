//! Outgoing webhooks from the outside: a receiver on loopback checks each delivery's signature
//! with the secret its owner was shown, sees the retries of a delivery that failed, and stops
//! hearing from a webhook that failed too often until its owner enables it again; a bot's
//! webhook hears only its mentions; and every door refuses whoever may not set one up.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use confab::config::ServeArgs;
use hmac::{Hmac, KeyInit, Mac};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{EndpointExt, Request, Route, handler, post};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};

use crate::common::*;

/// A delivery as the receiver got it.
#[derive(Debug)]
struct Delivery {
    signature: String,
    delivery: String,
    webhook: String,
    content_type: String,
    body: Vec<u8>,
}

impl Delivery {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Whether `X-Confab-Signature` is the HMAC-SHA256 of the body under `secret` (hex).
    fn signed_with(&self, secret: &str) -> bool {
        let key: Vec<u8> = (0..secret.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&secret[i..i + 2], 16).unwrap())
            .collect();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(&self.body);
        let Some(hex) = self.signature.strip_prefix("sha256=") else {
            return false;
        };
        let Ok(given) = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<Vec<u8>, _>>()
        else {
            return false;
        };
        mac.verify_slice(&given).is_ok()
    }
}

/// What the receiver answers, in turn; the last one from then on.
type Script = Arc<std::sync::Mutex<VecDeque<u16>>>;

/// A webhook receiver on 127.0.0.1.
struct Receiver {
    url: String,
    script: Script,
    received: Mutex<mpsc::UnboundedReceiver<Delivery>>,
}

#[handler]
async fn receive(
    req: &Request,
    body: Vec<u8>,
    sink: Data<&mpsc::UnboundedSender<Delivery>>,
    script: Data<&Script>,
) -> StatusCode {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let _ = sink.send(Delivery {
        signature: header("x-confab-signature"),
        delivery: header("x-confab-delivery"),
        webhook: header("x-confab-webhook"),
        content_type: header("content-type"),
        body,
    });
    let status = {
        let mut script = script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front().unwrap()
        } else {
            script[0]
        }
    };
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// A receiver answering `statuses` in turn, then the last one always.
    async fn start(statuses: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let script: Script = Arc::new(std::sync::Mutex::new(statuses.iter().copied().collect()));
        let app = Route::new()
            .at("/hook", post(receive))
            .data(tx)
            .data(Arc::clone(&script));
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Receiver {
            url: format!("http://{addr}/hook"),
            script,
            received: Mutex::new(rx),
        }
    }

    fn answer(&self, status: u16) {
        *self.script.lock().unwrap() = VecDeque::from([status]);
    }

    /// The next delivery, if one comes within `wait`.
    async fn next(&self, wait: Duration) -> Option<Delivery> {
        let mut received = self.received.lock().await;
        tokio::time::timeout(wait, received.recv())
            .await
            .ok()
            .flatten()
    }
}

async fn allowing_loopback() -> TestServer {
    TestServer::start_with(ServeArgs {
        allow_private_endpoints: true,
        ..ServeArgs::default()
    })
    .await
}

/// `who` makes a webhook in `room`; the answer.
async fn add_webhook(server: &TestServer, who: &User, room: &str, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/rooms/{room}/webhooks");
    api(server, "POST", &path, Some(&who.cookie), Some(body)).await
}

async fn webhooks_of(server: &TestServer, who: &User, room: &str) -> Value {
    let path = format!("/api/v1/rooms/{room}/webhooks");
    let (status, listed) = api(server, "GET", &path, Some(&who.cookie), None).await;
    assert_eq!(status, 200, "{listed}");
    listed
}

async fn say(server: &TestServer, who: &User, room: &str, text: &str) -> Value {
    let path = format!("/api/v1/rooms/{room}/messages");
    let (status, posted) = api(
        server,
        "POST",
        &path,
        Some(&who.cookie),
        Some(json!({ "text": text })),
    )
    .await;
    assert_eq!(status, 201, "{posted}");
    posted["message"].clone()
}

#[tokio::test]
async fn each_new_message_reaches_the_receiver_signed_and_a_failed_delivery_is_retried() {
    let receiver = Receiver::start(&[500, 503, 200]).await;
    let server = allowing_loopback().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    private_room(&server, &alice, "ops", &["bob"]).await;
    private_room(&server, &alice, "quiet", &["bob"]).await;

    let (status, made) = add_webhook(&server, &alice, "ops", json!({"url": receiver.url})).await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64, "{made}");
    assert_eq!(made["webhook"]["enabled"], true);
    assert_eq!(made["webhook"]["mentions_of"], Value::Null);
    let id = made["webhook"]["id"].as_u64().unwrap();

    // The secret is shown once: the list never holds it.
    let listed = webhooks_of(&server, &alice, "ops").await;
    assert_eq!(listed["webhooks"][0]["url"], receiver.url.as_str());
    assert!(!listed.to_string().contains(&secret), "{listed}");

    // A message elsewhere is not sent; one in the room is, and answered 500 then 503 it is
    // sent again, the same, until it is accepted.
    say(&server, &bob, "quiet", "not for the hook").await;
    let sent = say(&server, &bob, "ops", "deployed v2").await;
    let started = Instant::now();
    let mut attempts = Vec::new();
    for _ in 0..3 {
        let delivery = receiver
            .next(Duration::from_secs(15))
            .await
            .expect("the delivery, or its retry");
        attempts.push((started.elapsed(), delivery));
    }
    let first = &attempts[0].1;
    assert!(first.signed_with(&secret), "{first:?}");
    assert!(!first.signed_with(&"0".repeat(64)));
    assert_eq!(first.content_type, "application/json");
    assert_eq!(first.webhook, id.to_string());
    let body = first.json();
    assert_eq!(body["type"], "message");
    assert_eq!(body["message"]["text"], "deployed v2");
    assert_eq!(body["message"]["room"], "ops");
    assert_eq!(body["message"]["user"], "bob");
    assert_eq!(body["message"]["id"], sent["id"]);
    for (_, retry) in &attempts[1..] {
        assert_eq!(retry.body, first.body, "a retry sends the same body");
        assert_eq!(retry.delivery, first.delivery, "and the same delivery id");
        assert!(retry.signed_with(&secret));
    }
    // Backing off: a second, then four more.
    let gaps = (attempts[1].0 - attempts[0].0, attempts[2].0 - attempts[1].0);
    assert!(gaps.0 >= Duration::from_millis(900), "{gaps:?}");
    assert!(gaps.1 >= Duration::from_millis(3900), "{gaps:?}");
    assert!(
        receiver.next(Duration::from_millis(500)).await.is_none(),
        "accepted: sent no more"
    );

    // The owners see how it went.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listed = webhooks_of(&server, &alice, "ops").await;
        let hook = &listed["webhooks"][0];
        if hook["last_result"] == "200 OK" {
            assert_eq!(hook["failures"], 0);
            assert!(hook["last_delivery_at"].as_u64().is_some());
            break;
        }
        assert!(Instant::now() < deadline, "{listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A second message comes at once; a removed webhook hears nothing more.
    say(&server, &alice, "ops", "and v3").await;
    let next = receiver.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(next.json()["message"]["text"], "and v3");
    assert_ne!(next.delivery, first.delivery);
    let path = format!("/api/v1/rooms/ops/webhooks/{id}");
    let (status, _) = api(&server, "DELETE", &path, Some(&alice.cookie), None).await;
    assert_eq!(status, 204);
    say(&server, &alice, "ops", "unheard").await;
    assert!(receiver.next(Duration::from_secs(1)).await.is_none());
    let (status, body) = api(&server, "DELETE", &path, Some(&alice.cookie), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("webhook_not_found"))
    );
}

#[tokio::test]
async fn a_bots_webhook_hears_only_its_mentions_and_stops_after_failing_until_enabled_again() {
    let receiver = Receiver::start(&[400]).await;
    let server = allowing_loopback().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let helper = signup(&server, "helper").await;
    private_room(&server, &alice, "ops", &["bob", "helper"]).await;

    let body = json!({"url": receiver.url, "mentions_of": "Helper"});
    let (status, made) = add_webhook(&server, &alice, "ops", body).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["webhook"]["mentions_of"], "helper");
    let secret = made["secret"].as_str().unwrap().to_owned();
    let id = made["webhook"]["id"].as_u64().unwrap();

    // Neither a plain message nor the bot's own mention of itself is sent.
    say(&server, &bob, "ops", "hello everyone").await;
    say(&server, &helper, "ops", "I am @helper").await;
    assert!(receiver.next(Duration::from_millis(1500)).await.is_none());

    // A 400 is not tried again; five deliveries that fail in a row stop the webhook.
    for n in 1..=5 {
        say(&server, &bob, "ops", &format!("@helper deploy {n}")).await;
        let delivery = receiver.next(Duration::from_secs(5)).await.unwrap();
        assert!(delivery.signed_with(&secret));
        assert_eq!(delivery.json()["message"]["mentions"], json!(["helper"]));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let stopped = loop {
        let listed = webhooks_of(&server, &alice, "ops").await;
        let hook = listed["webhooks"][0].clone();
        if hook["enabled"] == false {
            break hook;
        }
        assert!(Instant::now() < deadline, "{listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let reason = stopped["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("400"), "{reason}");
    assert_eq!(stopped["failures"], 5);
    assert!(
        receiver.next(Duration::from_millis(300)).await.is_none(),
        "no retries"
    );

    // Stopped: nothing is sent, and the settings page says why.
    say(&server, &bob, "ops", "@helper are you there?").await;
    assert!(receiver.next(Duration::from_secs(1)).await.is_none());
    let (status, html) = page(&server, "/rooms/ops/settings", Some(&alice.cookie)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("stopped") && html.contains("400 Bad Request"),
        "{html}"
    );

    // Enabled again, it sends the next mention.
    receiver.answer(204);
    let path = format!("/api/v1/rooms/ops/webhooks/{id}/enable");
    let (status, enabled) = api(&server, "POST", &path, Some(&alice.cookie), None).await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(enabled["webhook"]["enabled"], true);
    assert_eq!(enabled["webhook"]["failures"], 0);
    say(&server, &bob, "ops", "@helper now?").await;
    let delivery = receiver.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(delivery.json()["message"]["text"], "@helper now?");
}

#[tokio::test]
async fn only_a_rooms_owners_and_admins_set_up_its_webhooks_on_every_door() {
    let server = TestServer::start().await;
    let admin = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let dave = signup(&server, "dave").await;
    private_room(&server, &bob, "ops", &["carol"]).await;
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/rooms",
        Some(&bob.cookie),
        Some(json!({"name": "lobby", "kind": "open"})),
    )
    .await;
    assert_eq!(status, 201);
    let good = json!({"url": "https://hooks.example.com/confab"});

    // A member who does not own the room, on the API and the page.
    for (method, path) in [
        ("POST", "/api/v1/rooms/ops/webhooks"),
        ("GET", "/api/v1/rooms/ops/webhooks"),
        ("POST", "/api/v1/rooms/ops/webhooks/1/enable"),
        ("DELETE", "/api/v1/rooms/ops/webhooks/1"),
    ] {
        let body = (method == "POST").then(|| good.clone());
        let (status, refused) = api(&server, method, path, Some(&carol.cookie), body).await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}"
        );
        // An outsider of the private room learns nothing of it, admin or not.
        for outsider in [&dave, &admin] {
            let body = (method == "POST").then(|| good.clone());
            let (status, refused) = api(&server, method, path, Some(&outsider.cookie), body).await;
            assert_eq!(
                (status, refused["error"].as_str()),
                (404, Some("room_not_found")),
                "{method} {path}"
            );
        }
        let body = (method == "POST").then(|| good.clone());
        let (status, refused) = api(&server, method, path, None, body).await;
        assert_eq!(status, 401, "{method} {path}: {refused}");
    }
    let (status, html) = page(&server, "/rooms/ops/settings", Some(&carol.cookie)).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("Webhooks"),
        "a member sees no webhooks section"
    );
    let form = [
        ("action", "webhook-add"),
        ("url", "https://hooks.example.com/x"),
    ];
    let resp = post_page(&server, "/rooms/ops/settings", &form, Some(&carol.cookie)).await;
    assert_eq!(resp.status(), 403);
    let resp = post_page(&server, "/rooms/ops/settings", &form, Some(&dave.cookie)).await;
    assert_eq!(resp.status(), 404);

    // A token, even its owner's with every scope, cannot set one up.
    let (status, made) = api(
        &server,
        "POST",
        "/api/v1/tokens",
        Some(&bob.cookie),
        Some(json!({"name": "bot", "scopes": ["read", "post"]})),
    )
    .await;
    assert_eq!(status, 201);
    let token = made["token"].as_str().unwrap();
    let resp = http()
        .post(server.url("/api/v1/rooms/ops/webhooks"))
        .header("authorization", format!("Bearer {token}"))
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let refused: Value = resp.json().await.unwrap();
    assert_eq!(refused["error"], "insufficient_scope");

    // Only https on a public address, on a server that allows nothing else.
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.7/x",
        "not a url",
    ] {
        let (status, refused) = add_webhook(&server, &bob, "ops", json!({ "url": url })).await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (400, Some("invalid_webhook_url")),
            "{url}"
        );
    }
    let body = json!({"url": "https://hooks.example.com/x", "mentions_of": "nobody-here"});
    let (status, refused) = add_webhook(&server, &bob, "ops", body).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("user_not_found"))
    );

    // The owner may, up to ten; an admin may in an open room they do not own.
    for n in 0..10 {
        let url = format!("https://hooks.example.com/{n}");
        let (status, made) = add_webhook(&server, &bob, "ops", json!({ "url": url })).await;
        assert_eq!(status, 201, "{made}");
    }
    let (status, refused) = add_webhook(&server, &bob, "ops", good.clone()).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("too_many_webhooks"))
    );
    let (status, made) = add_webhook(&server, &admin, "lobby", good.clone()).await;
    assert_eq!(status, 201, "{made}");
    let (status, refused) = add_webhook(&server, &carol, "lobby", good.clone()).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("forbidden"))
    );
}

#[tokio::test]
async fn an_owner_adds_a_webhook_on_the_settings_page_and_sees_its_secret_once() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    private_room(&server, &alice, "ops", &[]).await;
    let form = [
        ("action", "webhook-add"),
        ("url", "https://hooks.example.com/confab"),
        ("mentions_of", ""),
    ];
    let resp = post_page(&server, "/rooms/ops/settings", &form, Some(&alice.cookie)).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("shown only once"), "{html}");
    let listed = webhooks_of(&server, &alice, "ops").await;
    assert_eq!(
        listed["webhooks"][0]["url"],
        "https://hooks.example.com/confab"
    );
    let id = listed["webhooks"][0]["id"].as_u64().unwrap().to_string();
    let (_, again) = page(&server, "/rooms/ops/settings", Some(&alice.cookie)).await;
    assert!(again.contains("hooks.example.com/confab") && again.contains("every message"));
    assert!(!again.contains("shown only once"));

    // A URL the server may not send to is refused with the reason, and nothing is kept.
    let bad = [
        ("action", "webhook-add"),
        ("url", "http://hooks.example.com/x"),
    ];
    let resp = post_page(&server, "/rooms/ops/settings", &bad, Some(&alice.cookie)).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("https://"));

    let remove = [("action", "webhook-remove"), ("webhook", id.as_str())];
    let resp = post_page(&server, "/rooms/ops/settings", &remove, Some(&alice.cookie)).await;
    assert_eq!(resp.status(), 200);
    let listed = webhooks_of(&server, &alice, "ops").await;
    assert_eq!(listed["webhooks"], json!([]));
}
