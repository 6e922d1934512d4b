//! Accounts and sessions over the JSON API, against a real server.

use std::time::Duration;

use crate::common::*;
use confab::clock::ManualClock;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use serde_json::{Value, json};

async fn post(server: &TestServer, path: &str, body: Value) -> reqwest::Response {
    http()
        .post(server.url(path))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signup_returns_the_user_and_a_session_cookie_with_safe_attributes() {
    let server = TestServer::start().await;
    let resp = post(
        &server,
        "/api/v1/auth/signup",
        json!({"username": "Alice", "password": "correct horse"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("confab_session="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["username"], "Alice");
    assert!(body["user"]["id"].as_u64().unwrap() >= 1);
    assert!(body["user"]["created_at"].as_u64().unwrap() > 1_600_000_000_000);

    let cookie = set_cookie.split(';').next().unwrap();
    let resp = me(&server, cookie).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["username"], "Alice");
    assert_eq!(
        body["user"]["admin"], true,
        "the server's first account is its admin"
    );

    // Everyone after is not.
    let bob = signup(&server, "bob").await;
    let body: Value = me(&server, &bob.cookie).await.json().await.unwrap();
    assert_eq!(body["user"]["admin"], false, "{body}");
}

#[tokio::test]
async fn me_without_a_session_is_401_with_a_stable_code() {
    let server = TestServer::start().await;
    let resp = http().get(server.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "not_signed_in");
    assert!(body["message"].as_str().unwrap().len() > 3);

    let forged = "confab_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(me(&server, forged).await.status(), 401);
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case() {
    let server = TestServer::start().await;
    signup(&server, "Carol").await;
    let resp = post(
        &server,
        "/api/v1/auth/signup",
        json!({"username": "cAROL", "password": "another password"}),
    )
    .await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "username_taken");
    // Signing in works in any case too.
    assert_eq!(
        login(&server, "CAROL", "Carol-password").await.status(),
        200
    );
}

#[tokio::test]
async fn invalid_signups_are_refused_with_their_reason() {
    let server = TestServer::start().await;
    let cases = [
        (
            json!({"username": "ab", "password": "long enough"}),
            400,
            "invalid_username",
        ),
        (
            json!({"username": "has space", "password": "long enough"}),
            400,
            "invalid_username",
        ),
        (
            json!({"username": "x".repeat(33), "password": "long enough"}),
            400,
            "invalid_username",
        ),
        (
            json!({"username": "dave", "password": "short"}),
            400,
            "invalid_password",
        ),
        (
            json!({"username": "dave", "password": "p".repeat(1025)}),
            400,
            "invalid_password",
        ),
        (json!({"username": "dave"}), 400, "bad_request"),
        (json!("not an object"), 400, "bad_request"),
    ];
    for (body, status, code) in cases {
        let resp = post(&server, "/api/v1/auth/signup", body.clone()).await;
        assert_eq!(resp.status(), status, "{body}");
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["error"], code, "{body}: {answer}");
    }
    let resp = http()
        .post(server.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"], "bad_request");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let server = TestServer::start().await;
    signup(&server, "erin").await;
    let wrong = login(&server, "erin", "not her password").await;
    let unknown = login(&server, "nobody-here", "not her password").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], "invalid_credentials");
    assert_eq!(wrong["message"], "Username or password is incorrect.");
}

#[tokio::test]
async fn signup_then_login_sets_a_new_session_and_logout_ends_it() {
    let server = TestServer::start().await;
    let user = signup(&server, "frank").await;
    let resp = login(&server, "frank", &user.password).await;
    assert_eq!(resp.status(), 200);
    let second = cookie_pair(&resp).unwrap();
    assert_ne!(second, user.cookie, "every sign-in gets a new token");
    assert_eq!(
        me(&server, &user.cookie).await.status(),
        200,
        "other sessions stay"
    );

    let resp = http()
        .post(server.url("/api/v1/auth/logout"))
        .header("cookie", &second)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let cleared = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(
        me(&server, &second).await.status(),
        401,
        "the old cookie is refused"
    );
    assert_eq!(me(&server, &user.cookie).await.status(), 200);
}

#[tokio::test]
async fn a_planted_session_cookie_is_not_honoured_after_sign_in() {
    let server = TestServer::start().await;
    let attacker = signup(&server, "mallory").await;
    signup(&server, "grace").await;
    // The victim's browser carries the attacker's cookie and then signs in.
    let resp = http()
        .post(server.url("/api/v1/auth/login"))
        .header("cookie", &attacker.cookie)
        .json(&json!({"username": "grace", "password": "grace-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fresh = cookie_pair(&resp).unwrap();
    assert_ne!(fresh, attacker.cookie);
    assert_eq!(
        me(&server, &attacker.cookie).await.status(),
        401,
        "the planted session is gone"
    );
    let body: Value = me(&server, &fresh).await.json().await.unwrap();
    assert_eq!(body["user"]["username"], "grace");
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let server = TestServer::start().await;
    let user = signup(&server, "heidi").await;
    let other = cookie_pair(&login(&server, "heidi", &user.password).await).unwrap();

    let change = |cookie: String, current: &str, new: &str| {
        let body = json!({"current": current, "new": new});
        let url = server.url("/api/v1/auth/password");
        async move {
            http()
                .post(url)
                .header("cookie", cookie)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let resp = change(user.cookie.clone(), "wrong current", "brand new password").await;
    assert_eq!(resp.status(), 400);
    let resp = change(user.cookie.clone(), &user.password, "brand new password").await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        me(&server, &user.cookie).await.status(),
        200,
        "this session stays"
    );
    assert_eq!(
        me(&server, &other).await.status(),
        401,
        "the other one ended"
    );
    assert_eq!(login(&server, "heidi", &user.password).await.status(), 401);
    assert_eq!(
        login(&server, "heidi", "brand new password").await.status(),
        200
    );
    let resp = http()
        .post(server.url("/api/v1/auth/password"))
        .json(&json!({"current": "a", "new": "another new password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "only with a session");
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account_with_retry_after() {
    let server = TestServer::start().await;
    signup(&server, "ivan").await;
    for _ in 0..5 {
        assert_eq!(login(&server, "ivan", "wrong password").await.status(), 401);
    }
    let resp = login(&server, "ivan", "ivan-password").await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    // Another account is not affected by ivan's limit.
    signup(&server, "judy").await;
    assert_eq!(login(&server, "judy", "judy-password").await.status(), 200);
}

#[tokio::test]
async fn successful_sign_ins_do_not_use_up_the_limit() {
    let server = TestServer::start().await;
    let user = signup(&server, "kim").await;
    for _ in 0..8 {
        assert_eq!(login(&server, "kim", &user.password).await.status(), 200);
    }
}

#[tokio::test]
async fn sign_up_is_rate_limited_per_ip() {
    let mut config = ServeArgs::default();
    config.limits.signup_ip_rate = Rate::new(2, Duration::from_secs(60));
    let server = TestServer::start_with(config).await;
    signup(&server, "one").await;
    signup(&server, "two").await;
    let resp = post(
        &server,
        "/api/v1/auth/signup",
        json!({"username": "three", "password": "password three"}),
    )
    .await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn closed_signup_refuses_new_accounts() {
    let config = ServeArgs {
        open_signup: false,
        ..ServeArgs::default()
    };
    let server = TestServer::start_with(config).await;
    let resp = post(
        &server,
        "/api/v1/auth/signup",
        json!({"username": "leo", "password": "password leo"}),
    )
    .await;
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "signup_closed");
}

#[tokio::test]
async fn cross_site_requests_are_refused_before_anything_happens() {
    let server = TestServer::start().await;
    let body = json!({"username": "mike", "password": "password mike"});
    let foreign = http()
        .post(server.url("/api/v1/auth/signup"))
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let answer: Value = foreign.json().await.unwrap();
    assert_eq!(answer["error"], "forbidden_origin");
    let cross_site = http()
        .post(server.url("/api/v1/auth/signup"))
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    // Nothing was created: the name is still free.
    let same_origin = http()
        .post(server.url("/api/v1/auth/signup"))
        .header("origin", server.origin())
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 201);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let server = TestServer::start().await;
    let huge = "p".repeat(1024 * 1024);
    let resp = post(
        &server,
        "/api/v1/auth/login",
        json!({"username": "nina", "password": huge}),
    )
    .await;
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn sessions_expire_after_thirty_idle_days_and_after_180_days_in_any_case() {
    const DAY: u64 = 24 * 3600 * 1000;
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let user = signup(&server, "olga").await;

    clock.advance_ms(29 * DAY);
    assert_eq!(
        me(&server, &user.cookie).await.status(),
        200,
        "29 idle days: still signed in"
    );
    // Activity every 29 days keeps it alive...
    for _ in 0..5 {
        clock.advance_ms(29 * DAY);
        assert_eq!(me(&server, &user.cookie).await.status(), 200);
    }
    // ...until 180 days after sign-in.
    clock.advance_ms(7 * DAY);
    assert_eq!(
        me(&server, &user.cookie).await.status(),
        401,
        "absolute expiry"
    );

    let fresh = cookie_pair(&login(&server, "olga", &user.password).await).unwrap();
    clock.advance_ms(30 * DAY);
    assert_eq!(me(&server, &fresh).await.status(), 401, "idle expiry");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::start().await;
    for path in [
        "/",
        "/login",
        "/api/v1/me",
        "/healthz",
        "/api/openapi.json",
        "/no-such-page",
    ] {
        let resp = http().get(server.url(path)).send().await.unwrap();
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("'unsafe-inline'"), "{path}: {csp}");
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert!(resp.headers().contains_key("referrer-policy"), "{path}");
        assert!(
            !resp.headers().contains_key("strict-transport-security"),
            "no HSTS on plain HTTP"
        );
    }
}

#[tokio::test]
async fn openapi_document_and_docs_are_served() {
    let server = TestServer::start().await;
    let spec: Value = http()
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for path in [
        "/auth/signup",
        "/auth/login",
        "/auth/logout",
        "/auth/password",
        "/me",
        "/rooms",
        "/rooms/{name}/messages",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys()
        );
    }
    let docs = http().get(server.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("'sha256-"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe-inline'"));
    assert!(docs.text().await.unwrap().contains("SwaggerUIBundle"));
}
