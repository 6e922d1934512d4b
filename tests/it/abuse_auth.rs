//! Authentication under attack: planted cookies, stolen cookies after sign-out, timing probes
//! for usernames, credential stuffing from many addresses and from one, floods of huge
//! passwords, and expired sessions knocking on the WebSocket. Each test fails if confab gives
//! way.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use crate::common::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab::clock::ManualClock;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use confab::web::security::MAX_BODY;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const UNLIMITED: Rate = Rate::new(1_000_000, Duration::from_millis(1));

/// An HTTP client whose connections come from `127.0.0.<last>`: another client address on
/// this machine, since Linux routes all of 127.0.0.0/8 to the loopback interface.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login_from(
    client: &reqwest::Client,
    server: &TestServer,
    name: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The Retry-After of a 429, in seconds, after checking the answer is a proper one.
async fn retry_after(resp: reqwest::Response, longest: u64) -> u64 {
    assert_eq!(resp.status(), 429);
    let seconds: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=longest).contains(&seconds), "Retry-After {seconds}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    seconds
}

/// The status of a refused WebSocket upgrade.
async fn upgrade_status(server: &TestServer, cookie: &str) -> u16 {
    match try_connect(server, Some(cookie), Some(&server.origin())).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(other) => panic!("expected an HTTP answer, got {other}"),
    }
}

#[tokio::test]
async fn a_planted_cookie_is_not_honoured_after_signing_in_or_up_with_the_forms() {
    let server = TestServer::start().await;
    signup(&server, "grace").await;

    for (way, path, fields) in [
        (
            "sign-in",
            "/login",
            vec![("username", "grace"), ("password", "grace-password")],
        ),
        (
            "sign-up",
            "/signup",
            vec![
                ("username", "heidi"),
                ("password", "heidi password"),
                ("password_repeat", "heidi password"),
            ],
        ),
    ] {
        // The attacker signs in, plants that cookie in the victim's browser and keeps a chat
        // socket open on the same session, hoping to share it once the victim signs in.
        let attacker = signup(&server, &format!("mallory-{}", rand_suffix())).await;
        let mut spy = connect(&server, &attacker).await;
        spy.join("r").await;

        let resp = post_page(&server, path, &fields, Some(&attacker.cookie)).await;
        // Sign-in goes on to the rooms; sign-up first shows the new recovery codes.
        let want = if path == "/signup" { 200 } else { 303 };
        assert_eq!(resp.status(), want, "{way}");
        let fresh = cookie_pair(&resp).expect("a new session cookie");
        assert_ne!(fresh, attacker.cookie, "{way}: a new token");
        assert_eq!(
            me(&server, &attacker.cookie).await.status(),
            401,
            "{way}: the planted session is gone"
        );
        assert_eq!(
            spy.closed().await,
            Some(CloseCode::Library(4001)),
            "{way}: the planted session's socket is closed"
        );
        let body: Value = me(&server, &fresh).await.json().await.unwrap();
        assert_eq!(body["user"]["username"], fields[0].1, "{way}");
    }
}

#[tokio::test]
async fn session_cookies_are_fresh_256_bit_tokens_and_the_database_keeps_only_their_hash() {
    let server = TestServer::start().await;
    let user = signup(&server, "ivy").await;
    let mut tokens = vec![user.cookie.clone()];
    for _ in 0..40 {
        let resp = login(&server, "ivy", &user.password).await;
        assert_eq!(resp.status(), 200);
        tokens.push(cookie_pair(&resp).unwrap());
    }
    let tokens: Vec<String> = tokens
        .iter()
        .map(|pair| pair.strip_prefix("confab_session=").unwrap().to_owned())
        .collect();
    let unique: std::collections::HashSet<_> = tokens.iter().collect();
    assert_eq!(
        unique.len(),
        tokens.len(),
        "every sign-in gets its own token"
    );
    for token in &tokens {
        let bytes = URL_SAFE_NO_PAD.decode(token).expect("base64url");
        assert_eq!(bytes.len(), 32, "256 bits: {token}");
    }

    // Whoever reads the database file learns no usable token.
    let (data, _dir) = server.stop().await;
    let file = std::fs::read(data.join("confab.redb")).unwrap();
    let contains = |needle: &[u8]| file.windows(needle.len()).any(|w| w == needle);
    for token in &tokens {
        let raw = URL_SAFE_NO_PAD.decode(token).unwrap();
        assert!(!contains(token.as_bytes()), "the token itself is stored");
        assert!(!contains(&raw), "the token's bytes are stored");
        assert!(
            contains(&Sha256::digest(token.as_bytes())),
            "its SHA-256 is the session key"
        );
    }
}

#[derive(Debug, Clone, Copy)]
enum SignOut {
    Api,
    Form,
}

#[tokio::test]
async fn signing_out_by_api_or_form_refuses_the_old_cookie_everywhere_and_closes_its_sockets_within_a_second()
 {
    let server = TestServer::start().await;
    for way in [SignOut::Api, SignOut::Form] {
        let user = signup(&server, &format!("judy-{}", rand_suffix())).await;
        let other = User {
            cookie: cookie_pair(&login(&server, &user.name, &user.password).await).unwrap(),
            ..user.clone()
        };
        let mut in_room = connect(&server, &user).await;
        in_room.join("r").await;
        let mut idle = connect(&server, &user).await;
        let mut other_tab = connect(&server, &other).await;
        other_tab.join("r").await;

        let started = Instant::now();
        let status = match way {
            SignOut::Api => http()
                .post(server.url("/api/v1/auth/logout"))
                .header("cookie", &user.cookie)
                .send()
                .await
                .unwrap()
                .status(),
            SignOut::Form => post_page(&server, "/logout", &[], Some(&user.cookie))
                .await
                .status(),
        };
        assert!(
            status == 204 || status == 303,
            "{way:?}: signed out with {status}"
        );
        assert_eq!(in_room.closed().await, Some(CloseCode::Library(4001)));
        assert_eq!(idle.closed().await, Some(CloseCode::Library(4001)));
        let closed_after = started.elapsed();
        println!("{way:?}: both sockets closed {closed_after:?} after the sign-out request");
        assert!(
            closed_after < Duration::from_secs(1),
            "{way:?}: closed within a second, took {closed_after:?}"
        );

        // The old cookie opens nothing any more: not the API, not a page, not a socket.
        assert_eq!(me(&server, &user.cookie).await.status(), 401, "{way:?}");
        let page = http()
            .get(server.url("/rooms"))
            .header("cookie", &user.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 303, "{way:?}");
        assert!(
            page.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
        assert_eq!(upgrade_status(&server, &user.cookie).await, 401, "{way:?}");

        // The account's other session is untouched.
        assert_eq!(me(&server, &other.cookie).await.status(), 200);
        other_tab.say("r", "still here").await;
    }
}

#[tokio::test]
async fn an_unknown_username_takes_as_long_to_refuse_as_a_wrong_password() {
    let _alone = alone().await;
    let mut config = ServeArgs::default();
    config.limits.signin_account_rate = UNLIMITED;
    config.limits.signin_ip_rate = UNLIMITED;
    let server = TestServer::start_with(config).await;
    signup(&server, "kate").await;
    let client = http();
    let attempt = |name: String| {
        let client = client.clone();
        let url = server.url("/api/v1/auth/login");
        async move {
            let started = Instant::now();
            let resp = client
                .post(url)
                .json(&json!({"username": name, "password": "not the password"}))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap();
            (started.elapsed(), status, body)
        }
    };
    // Warm up the connection and the hasher's threads.
    for i in 0..3 {
        attempt("kate".into()).await;
        attempt(format!("ghost-{i}")).await;
    }
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let (took, status, wrong_body) = attempt("kate".into()).await;
        assert_eq!(status, 401);
        wrong.push(took);
        let (took, status, unknown_body) = attempt(format!("nobody-{i}")).await;
        assert_eq!(status, 401);
        assert_eq!(unknown_body, wrong_body, "the same answer");
        unknown.push(took);
    }
    let (wrong, unknown) = (median(&mut wrong), median(&mut unknown));
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    println!(
        "median refusal: wrong password {wrong:?}, unknown user {unknown:?}, ratio {ratio:.2}"
    );
    assert!(
        (0.5..=2.0).contains(&ratio),
        "an unknown user is answered in {unknown:?}, a wrong password in {wrong:?}"
    );
}

#[tokio::test]
async fn stuffing_one_account_from_many_addresses_is_stopped_until_the_window_passes() {
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let victim = signup(&server, "victim").await;
    signup(&server, "bystander").await;

    // Five guesses, each from its own address: the account's burst.
    for last in 10..15 {
        let resp = login_from(&client_from(last), &server, "victim", "a guessed password").await;
        assert_eq!(resp.status(), 401, "guess from 127.0.0.{last}");
    }
    // A sixth address is refused before any password is checked.
    let resp = login_from(&client_from(15), &server, "victim", "a guessed password").await;
    let wait = retry_after(resp, 60).await;
    // The account waits out the window whoever asks, even with the right password...
    let resp = login_from(&client_from(1), &server, "victim", &victim.password).await;
    assert_eq!(resp.status(), 429);
    // ...while other accounts are not affected.
    let resp = login_from(&client_from(16), &server, "bystander", "bystander-password").await;
    assert_eq!(resp.status(), 200);

    clock.advance_ms(wait * 1000);
    let resp = login_from(&client_from(1), &server, "victim", &victim.password).await;
    assert_eq!(
        resp.status(),
        200,
        "the real user signs in after the window"
    );
}

#[tokio::test]
async fn stuffing_many_accounts_from_one_address_is_stopped_until_the_window_passes() {
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let real = signup(&server, "leo").await;
    let attacker = client_from(66);

    // Ten names from a leaked list, one guess each: the address's burst.
    for i in 0..10 {
        let name = if i % 3 == 0 {
            "leo".into()
        } else {
            format!("user{i}")
        };
        let resp = login_from(&attacker, &server, &name, "Summer2024!").await;
        assert_eq!(resp.status(), 401, "guess {i}");
    }
    let resp = login_from(&attacker, &server, "user99", "Summer2024!").await;
    let wait = retry_after(resp, 18).await;
    // Someone behind the same address waits too...
    let resp = login_from(&attacker, &server, "leo", &real.password).await;
    assert_eq!(resp.status(), 429);
    // ...but the account itself is not locked: from its usual address it signs in.
    let resp = login_from(&client_from(1), &server, "leo", &real.password).await;
    assert_eq!(resp.status(), 200);

    clock.advance_ms(wait * 1000);
    let resp = login_from(&attacker, &server, "leo", &real.password).await;
    assert_eq!(
        resp.status(),
        200,
        "after the window the address may sign in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_parallel_sign_ins_with_huge_passwords_are_refused_before_hashing_and_chat_stays_fast()
 {
    let _alone = alone().await;
    // The real binary, so the flood's clients do not share the server's threads. One hash at a
    // time: had any of these passwords been hashed, they would queue visibly.
    let dir = tempfile::TempDir::new().unwrap();
    let unlimited = UNLIMITED.to_string();
    let server = Binary::start(
        dir.path(),
        &[
            "--max-concurrent-hashes",
            "1",
            "--signin-account-rate",
            &unlimited,
            "--signin-ip-rate",
            &unlimited,
            "--ws-send-rate",
            &unlimited,
            "--ws-frame-rate",
            &unlimited,
        ],
    )
    .await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;

    // What one hash costs here, and what a chat message's round trip costs when all is calm.
    let mut hash = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(
            login(&server, "alice", "wrong password").await.status(),
            401
        );
        hash.push(started.elapsed());
    }
    let hash = median(&mut hash);
    let mut calm = Vec::new();
    for i in 0..20 {
        let started = Instant::now();
        chat.say("r", &format!("calm {i}")).await;
        calm.push(started.elapsed());
    }
    let calm = median(&mut calm);

    for (size, status, code) in [
        (1024 * 1024, 413, "payload_too_large"),
        // Under the body limit but over 1024 characters: refused by the sign-in itself.
        (60 * 1024, 401, "invalid_credentials"),
    ] {
        let body = bytes::Bytes::from(
            json!({"username": "alice", "password": "p".repeat(size)}).to_string(),
        );
        let started = Instant::now();
        let flood = futures_util::future::join_all((0..100).map(|_| {
            let body = body.clone();
            let url = server.url("/api/v1/auth/login");
            async move {
                // A client each: a hundred connections, as from a hundred attackers.
                let resp = http()
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match resp {
                    Ok(resp) => {
                        let status = resp.status();
                        Some((status, resp.json::<Value>().await.unwrap()))
                    }
                    // The server answers 413 from the declared length and closes the
                    // connection without reading the body, so a client still writing it may
                    // see the connection close before it reads the answer.
                    Err(err) if err.is_request() && size > MAX_BODY => None,
                    Err(err) => panic!("{err}"),
                }
            }
        }));
        let flood = tokio::spawn(flood);
        let mut busy = Vec::new();
        while !flood.is_finished() || busy.len() < 5 {
            let sent = Instant::now();
            chat.say("r", "during the flood").await;
            busy.push(sent.elapsed());
        }
        let answers = flood.await.unwrap();
        let flood_took = started.elapsed();
        let cut_off = answers.iter().filter(|a| a.is_none()).count();
        for (got, answer) in answers.iter().flatten() {
            assert_eq!(*got, status, "{answer}");
            assert_eq!(answer["error"], code);
        }
        let busy_samples = busy.len();
        let busy = median(&mut busy);
        println!(
            "{size}-byte passwords: 100 refused in {flood_took:?} ({cut_off} cut off while \
             still sending; one hash takes {hash:?}); chat round trip {calm:?} calm, {busy:?} \
             during ({busy_samples} samples)"
        );
        assert!(
            flood_took < hash * 100 / 2,
            "100 refusals took {flood_took:?}: as if they were hashed ({hash:?} each)"
        );
        assert!(
            busy <= calm * 10 + Duration::from_millis(50),
            "chat slowed from {calm:?} to {busy:?}"
        );
    }
    assert_eq!(login(&server, "alice", &alice.password).await.status(), 200);
}

#[tokio::test]
async fn an_expired_session_cannot_open_a_websocket() {
    const DAY: u64 = 24 * 3600 * 1000;
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let user = signup(&server, "mia").await;
    assert_eq!(upgrade_status(&server, &user.cookie).await, 101);

    clock.advance_ms(30 * DAY);
    assert_eq!(
        upgrade_status(&server, &user.cookie).await,
        401,
        "30 idle days"
    );

    let fresh = cookie_pair(&login(&server, "mia", &user.password).await).unwrap();
    for _ in 0..6 {
        clock.advance_ms(29 * DAY);
        assert_eq!(
            upgrade_status(&server, &fresh).await,
            101,
            "used every 29 days"
        );
    }
    clock.advance_ms(7 * DAY);
    assert_eq!(
        upgrade_status(&server, &fresh).await,
        401,
        "180 days after sign-in, however active"
    );
}
