//! API tokens, as a bot and its owner use them: made and revoked by a signed-in person, sent as
//! `Authorization: Bearer`, doing what their scopes allow and nothing else, and a bot's message
//! reaching a person who is chatting, live.

use confab::clock::ManualClock;
use confab::config::ServeArgs;
use serde_json::{Value, json};

use crate::common::*;

/// A JSON API call with `Authorization: auth` (and no cookie); `extra` headers besides.
async fn with_auth(
    server: &TestServer,
    method: &str,
    path: &str,
    auth: &str,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http()
        .request(method, server.url(path))
        .header("authorization", auth);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `Authorization: Bearer token`.
async fn bearer(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    with_auth(server, method, path, &auth, body, &[]).await
}

/// A new token of `who`'s: (its secret, its id).
async fn make_token(
    server: &TestServer,
    who: &User,
    name: &str,
    scopes: &[&str],
) -> (String, String) {
    let body = json!({"name": name, "scopes": scopes});
    let (status, made) = api(
        server,
        "POST",
        "/api/v1/tokens",
        Some(&who.cookie),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    (token, made["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_bot_posts_reacts_and_uploads_with_a_token_and_a_chatting_person_sees_it_live() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut bobs = connect(&server, &bob).await;
    bobs.join("ops").await;
    let dm = direct_room(&server, &alice, &["bob"]).await;
    connect(&server, &alice).await.join("ops").await;

    let body = json!({"name": "deploy bot", "scopes": ["read", "post"], "expires_in_s": 3600});
    let (status, made) = api(
        &server,
        "POST",
        "/api/v1/tokens",
        Some(&alice.cookie),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("cft_"), "{token}");
    assert_eq!(made["scopes"], json!(["read", "post"]));
    assert!(made["expires_at"].as_u64().is_some());

    // Its owner's list names it, never its secret.
    let (_, listed) = api(&server, "GET", "/api/v1/tokens", Some(&alice.cookie), None).await;
    assert_eq!(listed["tokens"][0]["name"], "deploy bot");
    assert_eq!(listed["tokens"][0]["last_used"], Value::Null);
    assert!(!listed.to_string().contains(&token[4..]), "{listed}");

    // Reading: the owner's rooms, their conversations included, and a room's history.
    let (status, rooms) = bearer(&server, "GET", "/api/v1/rooms", &token, None).await;
    assert_eq!(status, 200, "{rooms}");
    let ids: Vec<u64> = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.contains(&dm) && ids.contains(&bobs.id("ops")),
        "{rooms}"
    );

    // Posting: stored, acknowledged, and live on Bob's socket.
    let post = json!({"text": "deployed v2", "client_id": "deploy-1"});
    let (status, posted) = bearer(
        &server,
        "POST",
        "/api/v1/rooms/ops/messages",
        &token,
        Some(post.clone()),
    )
    .await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["message"]["user"], "alice");
    let id = posted["message"]["id"].as_u64().unwrap();
    let live = bobs.recv_type("message").await;
    assert_eq!(
        (&live["text"], &live["id"]),
        (&json!("deployed v2"), &json!(id))
    );
    let (status, again) = bearer(
        &server,
        "POST",
        "/api/v1/rooms/ops/messages",
        &token,
        Some(post),
    )
    .await;
    assert_eq!(
        (status, &again["message"]["id"]),
        (200, &json!(id)),
        "the same message"
    );
    let (status, history) =
        bearer(&server, "GET", "/api/v1/rooms/ops/messages", &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(message_texts(&history), ["deployed v2"]);

    // Reacting and uploading take the post scope too.
    let path = format!("/api/v1/rooms/ops/messages/{id}/reactions");
    let (status, _) = bearer(&server, "POST", &path, &token, Some(json!({"emoji": "🚀"}))).await;
    assert_eq!(status, 204);
    let update = bobs.recv_type("update").await;
    assert_eq!(update["reactions"][0]["emoji"], "🚀", "{update}");
    let uploaded = http()
        .post(server.url("/api/v1/rooms/ops/files?name=notes.txt"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/plain")
        .body("release notes")
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);

    // A conversation, the same way.
    let path = format!("/api/v1/dm/{dm}/messages");
    let (status, posted) = bearer(
        &server,
        "POST",
        &path,
        &token,
        Some(json!({"text": "psst"})),
    )
    .await;
    assert_eq!(status, 201, "{posted}");

    // A script on another site holds the token itself: where it calls from does not matter.
    let (status, _) = with_auth(
        &server,
        "POST",
        "/api/v1/rooms/ops/messages",
        &format!("Bearer {token}"),
        Some(json!({"text": "from a CI runner"})),
        &[
            ("origin", "https://ci.example"),
            ("sec-fetch-site", "cross-site"),
        ],
    )
    .await;
    assert_eq!(status, 201);

    let (_, listed) = api(&server, "GET", "/api/v1/tokens", Some(&alice.cookie), None).await;
    assert!(
        listed["tokens"][0]["last_used"].as_u64().is_some(),
        "{listed}"
    );
}

#[tokio::test]
async fn a_token_does_what_its_scopes_say_and_nothing_once_revoked_expired_or_its_owner_disabled() {
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let root = signup(&server, "root").await;
    let bob = signup(&server, "bob").await;
    connect(&server, &bob).await.join("ops").await;
    let (reader, reader_id) = make_token(&server, &bob, "reader", &["read"]).await;
    let (poster, _) = make_token(&server, &bob, "poster", &["post"]).await;
    let (admins, _) = make_token(&server, &root, "root's", &["read", "post"]).await;

    let post = || Some(json!({"text": "hello"}));
    let (status, refused) = bearer(
        &server,
        "POST",
        "/api/v1/rooms/ops/messages",
        &reader,
        post(),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("insufficient_scope"))
    );
    let (status, _) = bearer(&server, "GET", "/api/v1/rooms/ops/messages", &reader, None).await;
    assert_eq!(status, 200);
    let (status, refused) = bearer(&server, "GET", "/api/v1/rooms", &poster, None).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("insufficient_scope"))
    );
    let (status, _) = bearer(
        &server,
        "POST",
        "/api/v1/rooms/ops/messages",
        &poster,
        post(),
    )
    .await;
    assert_eq!(status, 201);

    // The account's own doors, and every admin door, are a browser's only: an admin's token
    // carries no admin powers.
    for (token, method, path) in [
        (&reader, "GET", "/api/v1/me"),
        (&reader, "POST", "/api/v1/tokens"),
        (&reader, "GET", "/api/v1/tokens"),
        (&admins, "GET", "/api/v1/admin/users"),
        (&admins, "POST", "/api/v1/admin/rooms/ops/archive"),
    ] {
        let body = (method == "POST").then(|| json!({"name": "x", "scopes": ["read"]}));
        let (status, refused) = bearer(&server, method, path, token, body).await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (403, Some("insufficient_scope")),
            "{method} {path}"
        );
    }

    // Anything that is not a good token is one answer, and a cookie beside it is not read.
    let evil = [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("cookie", bob.cookie.as_str()),
    ];
    for auth in [
        "Bearer cft_nope",
        "Bearer nothing-like-a-token",
        "Basic Ym9iOnB3",
        "Bearer",
    ] {
        let (status, refused) = with_auth(
            &server,
            "POST",
            "/api/v1/rooms/ops/messages",
            auth,
            post(),
            &evil,
        )
        .await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (401, Some("invalid_token")),
            "{auth}"
        );
    }
    let (_, history) = api(
        &server,
        "GET",
        "/api/v1/rooms/ops/messages",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(
        message_texts(&history),
        ["hello"],
        "nothing was posted on the cookie's strength"
    );

    // Revoked: refused from then on.
    let path = format!("/api/v1/tokens/{reader_id}");
    let (status, _) = api(&server, "DELETE", &path, Some(&root.cookie), None).await;
    assert_eq!(status, 404, "someone else's token is not theirs to revoke");
    let (status, _) = api(&server, "DELETE", &path, Some(&bob.cookie), None).await;
    assert_eq!(status, 204);
    let (status, refused) = bearer(&server, "GET", "/api/v1/rooms", &reader, None).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (401, Some("invalid_token"))
    );
    let (status, refused) = api(&server, "DELETE", &path, Some(&bob.cookie), None).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("token_not_found"))
    );

    // Expired: refused, and listed as such.
    let body = json!({"name": "brief", "scopes": ["read"], "expires_in_s": 60});
    let (_, brief) = api(
        &server,
        "POST",
        "/api/v1/tokens",
        Some(&bob.cookie),
        Some(body),
    )
    .await;
    let brief = brief["token"].as_str().unwrap().to_owned();
    assert_eq!(
        bearer(&server, "GET", "/api/v1/rooms", &brief, None)
            .await
            .0,
        200
    );
    clock.advance_ms(61_000);
    let (status, _) = bearer(&server, "GET", "/api/v1/rooms", &brief, None).await;
    assert_eq!(status, 401);
    let (_, listed) = api(&server, "GET", "/api/v1/tokens", Some(&bob.cookie), None).await;
    let brief_listed = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "brief")
        .cloned();
    assert_eq!(brief_listed.unwrap()["expired"], true, "{listed}");

    // Its owner disabled: none of their tokens works.
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/admin/users/bob/actions",
        Some(&root.cookie),
        Some(json!({"action": "disable"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = bearer(
        &server,
        "POST",
        "/api/v1/rooms/ops/messages",
        &poster,
        post(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn tokens_are_made_with_a_name_and_scopes_fifty_at_most_and_from_the_settings_page() {
    let server = TestServer::start().await;
    let ann = signup(&server, "ann").await;
    for (body, code) in [
        (
            json!({"name": "", "scopes": ["read"]}),
            "invalid_token_name",
        ),
        (
            json!({"name": "   ", "scopes": ["read"]}),
            "invalid_token_name",
        ),
        (json!({"name": "x", "scopes": []}), "bad_request"),
        (json!({"name": "x", "scopes": ["admin"]}), "bad_request"),
        (
            json!({"name": "x", "scopes": ["read"], "expires_in_s": 5}),
            "bad_request",
        ),
    ] {
        let (status, refused) = api(
            &server,
            "POST",
            "/api/v1/tokens",
            Some(&ann.cookie),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/tokens",
        None,
        Some(json!({"name": "x", "scopes": ["read"]})),
    )
    .await;
    assert_eq!(status, 401);
    for n in 0..50 {
        make_token(&server, &ann, &format!("bot {n}"), &["read"]).await;
    }
    let body = json!({"name": "one more", "scopes": ["read"]});
    let (status, refused) = api(
        &server,
        "POST",
        "/api/v1/tokens",
        Some(&ann.cookie),
        Some(body),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("too_many_tokens"))
    );

    // The page: a token made there is shown once, listed after without its secret, revoked.
    let bea = signup(&server, "bea").await;
    let resp = post_page(
        &server,
        "/settings/tokens",
        &[
            ("action", "create"),
            ("name", "laptop script"),
            ("read", "yes"),
            ("post", "yes"),
            ("lifetime", "30d"),
        ],
        Some(&bea.cookie),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let shown = resp.text().await.unwrap();
    let start = shown.find("cft_").expect("the secret is on the page");
    let token: String = shown[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let (status, _) = bearer(&server, "GET", "/api/v1/rooms", &token, None).await;
    assert_eq!(status, 200);
    let (_, settings) = page(&server, "/settings", Some(&bea.cookie)).await;
    assert!(settings.contains("laptop script"), "listed");
    assert!(!settings.contains(&token[4..]), "never shown again");
    let (_, listed) = api(&server, "GET", "/api/v1/tokens", Some(&bea.cookie), None).await;
    let id = listed["tokens"][0]["id"].as_str().unwrap();
    let resp = post_page(
        &server,
        "/settings/tokens",
        &[("action", "revoke"), ("id", id)],
        Some(&bea.cookie),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (status, _) = bearer(&server, "GET", "/api/v1/rooms", &token, None).await;
    assert_eq!(status, 401);
    let resp = post_page(
        &server,
        "/settings/tokens",
        &[
            ("action", "create"),
            ("name", "nothing"),
            ("lifetime", "30d"),
        ],
        Some(&bea.cookie),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("at least one of the scopes")
    );
}
