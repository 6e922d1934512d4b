//! Web Push from the outside: a push service on loopback receives every push, checks its VAPID
//! signature against the server's published key and decrypts it (RFC 8291) with the
//! subscription's own private key and secret, as a browser's push service and the browser do.
//! Who is pushed follows the levels and mentions; a service that says "gone" loses its
//! subscription; one that never answers does not slow the chat; and every door refuses what
//! it must.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{EndpointExt, Request, Route, handler, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::*;

/// A push as the loopback service received it.
#[derive(Debug)]
struct Received {
    /// The last part of the endpoint's path: whose browser it is for.
    browser: String,
    authorization: String,
    encoding: String,
    ttl: String,
    body: Vec<u8>,
}

/// A push service on 127.0.0.1: `/push/NAME` answers 201, `/push/gone-NAME` 410.
struct PushService {
    origin: String,
    received: Mutex<mpsc::UnboundedReceiver<Received>>,
}

#[handler]
async fn receive(
    req: &Request,
    Path(browser): Path<String>,
    body: Vec<u8>,
    sink: Data<&mpsc::UnboundedSender<Received>>,
) -> StatusCode {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let gone = browser.starts_with("gone-");
    let _ = sink.send(Received {
        browser,
        authorization: header("authorization"),
        encoding: header("content-encoding"),
        ttl: header("ttl"),
        body,
    });
    if gone {
        StatusCode::GONE
    } else {
        StatusCode::CREATED
    }
}

impl PushService {
    async fn start() -> Arc<PushService> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let app = Route::new().at("/push/:browser", post(receive)).data(tx);
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Arc::new(PushService {
            origin: format!("http://{addr}"),
            received: Mutex::new(rx),
        })
    }

    fn endpoint(&self, browser: &str) -> String {
        format!("{}/push/{browser}", self.origin)
    }

    /// The next push, if one comes within `wait`.
    async fn next(&self, wait: Duration) -> Option<Received> {
        let mut received = self.received.lock().await;
        tokio::time::timeout(wait, received.recv())
            .await
            .ok()
            .flatten()
    }
}

/// A browser's side of a subscription: its key pair and secret.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Browser {
        let secret = loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).unwrap();
            if let Ok(key) = p256::SecretKey::from_slice(&bytes) {
                break key;
            }
        };
        let mut auth = [0u8; 16];
        getrandom::fill(&mut auth).unwrap();
        Browser { secret, auth }
    }

    /// `PushSubscription.toJSON()`, as the browser hands it to the page.
    fn subscription(&self, endpoint: &str) -> Value {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let public = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            },
        })
    }

    /// What the browser reads from a push: RFC 8291 decryption with its own keys.
    fn read(&self, push: &Received) -> Value {
        let auth = web_push_native::Auth::clone_from_slice(&self.auth);
        let plain = web_push_native::decrypt(push.body.clone(), &self.secret, &auth)
            .expect("the push decrypts with the browser's key and secret");
        serde_json::from_slice(&plain).unwrap()
    }
}

async fn subscribe(server: &TestServer, who: &User, subscription: Value) -> (u16, Value) {
    api(
        server,
        "POST",
        "/api/v1/push/subscriptions",
        Some(&who.cookie),
        Some(subscription),
    )
    .await
}

async fn server_key(server: &TestServer) -> Vec<u8> {
    let (status, body) = api(server, "GET", "/api/v1/push/key", None, None).await;
    assert_eq!(status, 200, "{body}");
    let key = URL_SAFE_NO_PAD
        .decode(body["public_key"].as_str().unwrap())
        .unwrap();
    assert_eq!((key.len(), key[0]), (65, 4), "an uncompressed P-256 point");
    key
}

/// Checks `Authorization: vapid t=JWT, k=KEY` as a push service does: the key is the server's,
/// the token is signed by it with ES256, for this service's origin, and not expired.
fn assert_signed(push: &Received, key: &[u8], origin: &str) {
    let (token, k) = push
        .authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .unwrap_or_else(|| panic!("a VAPID authorization: {:?}", push.authorization));
    assert_eq!(URL_SAFE_NO_PAD.decode(k).unwrap(), key, "the server's key");
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    VerifyingKey::from_sec1_bytes(key)
        .unwrap()
        .verify(signed.as_bytes(), &signature)
        .expect("the token is signed by the server's key");
    let claims = signed.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp}, now {now}");
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(push.encoding, "aes128gcm");
    assert!(
        push.ttl.parse::<u64>().is_ok_and(|ttl| ttl > 0),
        "{}",
        push.ttl
    );
}

/// `who`'s subscribed browsers, as `GET /api/v1/push/subscriptions` lists them.
async fn subscriptions(server: &TestServer, who: &User) -> Value {
    let (status, listed) = api(
        server,
        "GET",
        "/api/v1/push/subscriptions",
        Some(&who.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    listed["subscriptions"].clone()
}

/// Waits (at most 5 s) until `who` has no subscribed browser left; `why` says what failed.
async fn until_unsubscribed(server: &TestServer, who: &User, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listed = subscriptions(server, who).await;
        if listed.as_array().unwrap().is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "{why}: {listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Alice and Bob in their direct room, Bob with one browser subscribed at a loopback push
/// service under `endpoint` (see [`PushService`]).
struct Away {
    service: Arc<PushService>,
    server: TestServer,
    alice: User,
    bob: User,
    dm: u64,
    browser: Browser,
}

async fn bob_away(endpoint: &str) -> Away {
    let service = PushService::start().await;
    let server = allowing_loopback().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let dm = direct_room(&server, &alice, &["bob"]).await;
    let browser = Browser::new();
    let (status, made) = subscribe(
        &server,
        &bob,
        browser.subscription(&service.endpoint(endpoint)),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    Away {
        service,
        server,
        alice,
        bob,
        dm,
        browser,
    }
}

async fn allowing_loopback() -> TestServer {
    TestServer::start_with(ServeArgs {
        allow_private_endpoints: true,
        ..ServeArgs::default()
    })
    .await
}

#[tokio::test]
async fn people_with_no_page_open_are_pushed_what_calls_them_encrypted_for_their_browser() {
    let service = PushService::start().await;
    let server = allowing_loopback().await;
    let key = server_key(&server).await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    private_room(&server, &alice, "ops", &["bob"]).await;
    private_room(&server, &alice, "standup", &["bob"]).await;
    private_room(&server, &alice, "random", &["bob"]).await;
    direct_room(&server, &alice, &["bob"]).await;
    for (room, level) in [("standup", "all"), ("random", "none")] {
        let (status, body) = api(
            &server,
            "PUT",
            &format!("/api/v1/rooms/{room}/notifications"),
            Some(&bob.cookie),
            Some(json!({ "level": level })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let browser = Browser::new();
    let (status, made) = subscribe(
        &server,
        &bob,
        browser.subscription(&service.endpoint("bob")),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert!(made["id"].as_u64().is_some(), "{made}");

    // Bob has no page open. Alice writes everywhere they share.
    let mut a = connect(&server, &alice).await;
    for room in ["ops", "standup", "random"] {
        a.join(room).await;
    }
    let (_, rooms) = api(&server, "GET", "/api/v1/rooms", Some(&alice.cookie), None).await;
    let dm = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|room| room["kind"] == "direct")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    a.join_id(dm).await;
    a.say_in(dm, "are you around?").await;
    a.say("ops", "the deploy is done").await; // ops is at mentions: not for bob
    a.say("ops", "@bob can you check the logs?").await;
    a.say("standup", "standup in five").await; // bob chose everything here
    a.say("random", "@bob look at this cat").await; // bob chose nothing here
    a.say("standup", "@room please post your notes").await;

    let mut seen = Vec::new();
    while let Some(push) = service.next(Duration::from_secs(8)).await {
        assert_eq!(push.browser, "bob");
        assert_signed(&push, &key, &service.origin);
        let payload = browser.read(&push);
        seen.push((
            payload["title"].as_str().unwrap().to_owned(),
            payload["body"].as_str().unwrap().to_owned(),
            payload["url"].as_str().unwrap().to_owned(),
        ));
        if seen.len() == 4 {
            break;
        }
    }
    seen.sort();
    let expected = [
        ("alice", "are you around?", "/dm/alice"),
        ("alice in ops", "@bob can you check the logs?", "/rooms/ops"),
        (
            "alice in standup",
            "@room please post your notes",
            "/rooms/standup",
        ),
        ("alice in standup", "standup in five", "/rooms/standup"),
    ]
    .map(|(t, b, u)| (t.to_owned(), b.to_owned(), u.to_owned()));
    assert_eq!(seen, expected);
    assert!(
        service.next(Duration::from_secs(3)).await.is_none(),
        "nothing for a plain message at mentions, or anything in a room at nothing"
    );

    // With a page of his open, Bob hears messages there, and is not pushed.
    let mut b = connect(&server, &bob).await;
    b.join("ops").await;
    a.say("ops", "@bob thanks!").await;
    assert!(
        service.next(Duration::from_secs(4)).await.is_none(),
        "no push to someone with a socket open"
    );
    drop(b);

    // Nor is the author ever pushed their own message.
    let alice_browser = Browser::new();
    let (status, _) = subscribe(
        &server,
        &alice,
        alice_browser.subscription(&service.endpoint("alice")),
    )
    .await;
    assert_eq!(status, 201);
    drop(a);
    let mut b = connect(&server, &bob).await;
    b.join("standup").await;
    b.say("standup", "@alice notes posted").await;
    drop(b);
    let push = service
        .next(Duration::from_secs(8))
        .await
        .expect("alice is pushed");
    assert_eq!(push.browser, "alice");
    assert_eq!(alice_browser.read(&push)["body"], "@alice notes posted");
    assert!(
        service.next(Duration::from_secs(3)).await.is_none(),
        "bob is not pushed his own"
    );
}

#[tokio::test]
async fn a_push_service_that_says_the_browser_is_gone_ends_its_subscription() {
    let Away {
        service,
        server,
        alice,
        bob,
        dm,
        ..
    } = bob_away("gone-bob").await;
    let listed = subscriptions(&server, &bob).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    let mut a = connect(&server, &alice).await;
    a.join_id(dm).await;
    a.say_in(dm, "hello?").await;
    let push = service
        .next(Duration::from_secs(8))
        .await
        .expect("a push is tried");
    assert_eq!(push.browser, "gone-bob");
    until_unsubscribed(&server, &bob, "the subscription is still there").await;
    a.say_in(dm, "anyone?").await;
    assert!(
        service.next(Duration::from_secs(4)).await.is_none(),
        "nothing more is sent there"
    );
}

#[tokio::test]
async fn private_notifications_say_only_new_message_and_open_pages_learn_it() {
    let Away {
        service,
        server,
        alice,
        bob,
        dm,
        browser,
    } = bob_away("bob").await;

    // Bob's open page hears the setting: it reconnects, and its new hello says so.
    let mut open_page = connect(&server, &bob).await;
    assert_eq!(
        open_page.hello["private_notifications"], false,
        "{}",
        open_page.hello
    );
    let (status, body) = api(
        &server,
        "PATCH",
        "/api/v1/me",
        Some(&bob.cookie),
        Some(json!({ "private_notifications": true })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["private_notifications"], true, "{body}");
    assert_eq!(open_page.closed().await, Some(CloseCode::Library(4002)));
    let open_page = connect(&server, &bob).await;
    assert_eq!(
        open_page.hello["private_notifications"], true,
        "{}",
        open_page.hello
    );
    drop(open_page);
    let (status, body) = api(
        &server,
        "PATCH",
        "/api/v1/me",
        Some(&bob.cookie),
        Some(json!({ "private_notifications": null })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );

    // Bob is away: the push names no one, no room, and no word of the message, and a click
    // still opens the conversation.
    let mut a = connect(&server, &alice).await;
    a.join_id(dm).await;
    a.say_in(dm, "the door code is 4711").await;
    let push = service
        .next(Duration::from_secs(8))
        .await
        .expect("bob is pushed");
    let payload = browser.read(&push);
    assert_eq!(
        (payload["title"].as_str(), payload["body"].as_str()),
        (Some("confab"), Some("New message"))
    );
    assert_eq!(payload["url"], "/dm/alice");
    let shown = format!("{} {}", payload["title"], payload["body"]);
    assert!(
        !shown.contains("alice") && !shown.contains("4711"),
        "{payload}"
    );
    assert!(!String::from_utf8_lossy(&serde_json::to_vec(&payload).unwrap()).contains("4711"));

    // Turned off in the settings page, the next push says who and what again.
    let response = post_page(
        &server,
        "/settings/notifications",
        &[("shown", "message")],
        Some(&bob.cookie),
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, settings) = page(&server, "/settings?done=notifications", Some(&bob.cookie)).await;
    assert!(
        settings.contains(r#"value="message" checked"#),
        "the page shows the choice"
    );
    a.say_in(dm, "lunch?").await;
    let push = service
        .next(Duration::from_secs(8))
        .await
        .expect("bob is pushed again");
    let payload = browser.read(&push);
    assert_eq!(
        (payload["title"].as_str(), payload["body"].as_str()),
        (Some("alice"), Some("lunch?"))
    );

    // A form that chooses nothing changes nothing, and says why.
    let response = post_page(
        &server,
        "/settings/notifications",
        &[("shown", "loud")],
        Some(&bob.cookie),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose what a notification shows.")
    );
    let (_, me) = api(&server, "GET", "/api/v1/me", Some(&bob.cookie), None).await;
    assert_eq!(me["user"]["private_notifications"], false, "{me}");
}

#[tokio::test]
async fn a_push_service_that_never_answers_does_not_slow_the_chat() {
    // Accepts connections and reads nothing, answers nothing.
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_addr = dead.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = dead.accept().await {
            open.push(socket);
        }
    });
    let mut config = ServeArgs {
        allow_private_endpoints: true,
        ..ServeArgs::default()
    };
    // A busy room: one person sends faster than the per-socket limit allows.
    config.limits.ws_send_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.ws_frame_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut members = Vec::new();
    let mut people = Vec::new();
    for n in 0..8 {
        let name = format!("away{n}");
        let person = signup(&server, &name).await;
        let endpoint = format!("http://{dead_addr}/push/{name}");
        let (status, _) = subscribe(&server, &person, Browser::new().subscription(&endpoint)).await;
        assert_eq!(status, 201);
        members.push(name);
        people.push(person);
    }
    let names: Vec<&str> = members.iter().map(String::as_str).collect();
    private_room(&server, &alice, "busy", &names).await;
    // Every message calls all eight: the queue of pushes fills with requests that hang.
    for person in &people {
        let (status, body) = api(
            &server,
            "PUT",
            "/api/v1/rooms/busy/notifications",
            Some(&person.cookie),
            Some(json!({ "level": "all" })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let mut a = connect(&server, &alice).await;
    a.join("busy").await;

    let mut times = Vec::new();
    for n in 0..300 {
        let started = Instant::now();
        a.say("busy", &format!("tick {n}")).await;
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    times.sort();
    let p90 = times[times.len() * 9 / 10];
    eprintln!(
        "send to echo while every push hangs: median {:?}, p90 {p90:?}, max {:?}",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    assert!(
        p90 < Duration::from_millis(50),
        "send to echo p90 {p90:?} while every push hangs; median {:?}",
        times[times.len() / 2]
    );
    held.abort();
}

#[tokio::test]
async fn every_door_refuses_what_it_must() {
    let server = TestServer::start().await; // public endpoints only, as in production
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let browser = Browser::new();
    let good = browser.subscription("https://push.example.com/send/abc");

    let (status, body) = api(
        &server,
        "POST",
        "/api/v1/push/subscriptions",
        None,
        Some(good.clone()),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("not_signed_in"))
    );
    for endpoint in [
        "http://push.example.com/send/abc",
        "https://127.0.0.1/send/abc",
        "https://10.0.0.8/send/abc",
        "https://[::1]/send/abc",
        "not a url",
    ] {
        let (status, body) = subscribe(&server, &alice, browser.subscription(endpoint)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_endpoint")),
            "{endpoint}: {body}"
        );
    }
    for (p256dh, auth) in [
        ("AAAA", URL_SAFE_NO_PAD.encode([7u8; 16])),
        (
            &*URL_SAFE_NO_PAD.encode([4u8; 65]),
            URL_SAFE_NO_PAD.encode([7u8; 16]),
        ),
        (
            good["keys"]["p256dh"].as_str().unwrap(),
            URL_SAFE_NO_PAD.encode([7u8; 15]),
        ),
        (
            good["keys"]["p256dh"].as_str().unwrap(),
            "not base64!".to_owned(),
        ),
    ] {
        let body =
            json!({ "endpoint": good["endpoint"], "keys": { "p256dh": p256dh, "auth": auth } });
        let (status, answer) = subscribe(&server, &alice, body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_push_keys")),
            "{answer}"
        );
    }

    let (status, made) = subscribe(&server, &alice, good.clone()).await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_u64().unwrap();
    let (status, again) = subscribe(&server, &alice, good.clone()).await;
    assert_eq!(
        (status, again["id"].as_u64()),
        (201, Some(id)),
        "the same browser is one subscription"
    );

    // Bob neither sees nor removes Alice's.
    assert_eq!(subscriptions(&server, &bob).await, json!([]));
    let path = format!("/api/v1/push/subscriptions/{id}");
    let (status, body) = api(&server, "DELETE", &path, Some(&bob.cookie), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("subscription_not_found"))
    );
    let (status, _) = api(&server, "DELETE", &path, None, None).await;
    assert_eq!(status, 401);
    let listed = subscriptions(&server, &alice).await;
    assert_eq!(listed[0]["id"], id, "{listed}");
    assert_eq!(listed[0]["service"], "push.example.com");
    assert_eq!(listed[0]["current"], true);

    // At most twenty browsers.
    for n in 1..20 {
        let (status, _) = subscribe(
            &server,
            &alice,
            browser.subscription(&format!("https://push.example.com/send/{n}")),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, body) = subscribe(
        &server,
        &alice,
        browser.subscription("https://push.example.com/send/21"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("too_many_subscriptions"))
    );

    let (status, _) = api(&server, "DELETE", &path, Some(&alice.cookie), None).await;
    assert_eq!(status, 204);
    let (status, _) = api(&server, "DELETE", &path, Some(&alice.cookie), None).await;
    assert_eq!(status, 404, "gone already");
}

#[tokio::test]
async fn signing_out_ends_the_browsers_subscription_and_a_restart_keeps_the_key() {
    let server = allowing_loopback().await;
    let bob = signup(&server, "bob").await;
    let key = server_key(&server).await;
    let (status, _) = subscribe(
        &server,
        &bob,
        Browser::new().subscription("http://127.0.0.1:9/push/bob"),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/auth/logout",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert!(status == 204 || status == 200, "{status}");
    let signed_in = login(&server, "bob", &bob.password).await;
    assert_eq!(signed_in.status(), 200);
    let again = User {
        cookie: cookie_pair(&signed_in).unwrap(),
        ..bob.clone()
    };
    until_unsubscribed(
        &server,
        &again,
        "the signed-out browser is still subscribed",
    )
    .await;

    let server = server.restart().await;
    assert_eq!(
        server_key(&server).await,
        key,
        "browsers stay subscribed to the same key"
    );
}
