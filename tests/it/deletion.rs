//! Deleting your own account, on both doors: the password first; then the account is
//! disabled and anonymised, every session and socket ends, its picture and recovery codes go,
//! and its messages stay (as "Deleted user") or go too, as asked.

use crate::common::*;
use serde_json::{Value, json};

async fn delete_me(
    server: &impl Target,
    user: &User,
    password: &str,
    messages: bool,
) -> (u16, Value) {
    api(
        server,
        "DELETE",
        "/api/v1/me",
        Some(&user.cookie),
        Some(json!({"password": password, "delete_messages": messages})),
    )
    .await
}

#[tokio::test]
async fn a_deleted_account_is_anonymous_signed_out_everywhere_and_its_messages_stay() {
    let server = TestServer::start().await;
    let resp = http()
        .post(server.url("/api/v1/auth/signup"))
        .json(&json!({"username": "alice", "password": "alice-password"}))
        .send()
        .await
        .unwrap();
    let cookie = cookie_pair(&resp).unwrap();
    let body: Value = resp.json().await.unwrap();
    let code = body["recovery_codes"][0].as_str().unwrap().to_owned();
    let alice_id = body["user"]["id"].as_u64().unwrap();
    let alice = User {
        name: "alice".into(),
        password: "alice-password".into(),
        cookie,
    };
    let bob = signup(&server, "bob").await;
    let (status, _) = api(
        &server,
        "PATCH",
        "/api/v1/me",
        Some(&alice.cookie),
        Some(json!({"display_name": "Alice A."})),
    )
    .await;
    assert_eq!(status, 200);
    let mut chat = connect(&server, &alice).await;
    chat.join("lobby").await;
    chat.say("lobby", "remember me").await;

    // A wrong password changes nothing.
    let (status, body) = delete_me(&server, &alice, "not-her-password", false).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("wrong_current_password")),
        "{body}"
    );
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(status, 200, "still signed in");
    // Signed out, nothing to delete.
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/me",
        None,
        Some(json!({"password": "x"})),
    )
    .await;
    assert_eq!(status, 401);

    let (status, body) = delete_me(&server, &alice, &alice.password, false).await;
    assert_eq!(status, 204, "{body}");
    assert!(chat.closed().await.is_some(), "her socket is closed");
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(status, 401, "her session ended");
    assert_eq!(login(&server, "alice", &alice.password).await.status(), 401);
    let recovered = http()
        .post(server.url("/api/v1/auth/recover"))
        .json(&json!({"username": "alice", "code": code, "new_password": "a-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(recovered.status(), 401, "her recovery codes are gone");

    // Her message stays, anonymous.
    let history = get_json(&server, "/api/v1/rooms/lobby/messages", &bob.cookie).await;
    let message = &history["messages"][0];
    assert_eq!(message["text"], "remember me");
    assert_eq!(message["user"], format!("deleted~{alice_id}"));
    assert_eq!(message["display_name"], "Deleted user");
    // Nobody can take her name and pass for her at once.
    let resp = http()
        .post(server.url("/api/v1/auth/signup"))
        .json(&json!({"username": "Alice", "password": "impostor-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    // Her profile is gone.
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/users/alice",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn deleting_with_messages_deletes_each_of_them_for_everyone() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("lobby").await;
    chat.say("lobby", "first").await;
    chat.say("lobby", "second").await;
    let mut watcher = connect(&server, &bob).await;
    watcher.join("lobby").await;
    watcher.say("lobby", "bob stays").await;

    let (status, body) = delete_me(&server, &alice, &alice.password, true).await;
    assert_eq!(status, 204, "{body}");
    // Bob sees both go live.
    for _ in 0..2 {
        let update = watcher.recv_type("update").await;
        assert_eq!(update["deleted"], true, "{update}");
    }
    let history = get_json(&server, "/api/v1/rooms/lobby/messages", &bob.cookie).await;
    let messages = history["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{history}");
    for message in &messages[..2] {
        assert_eq!(message["deleted"], true, "{message}");
        assert_eq!(message["text"], "");
    }
    assert_eq!(messages[2]["text"], "bob stays");
}

#[tokio::test]
async fn the_settings_page_asks_for_the_password_and_then_signs_out() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let (status, html) = page(&server, "/settings", Some(&alice.cookie)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Delete my account"), "{html}");

    let resp = post_page(
        &server,
        "/settings/delete",
        &[("password", "wrong-password")],
        Some(&alice.cookie),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"") && html.contains("Current password is incorrect"),
        "{html}"
    );

    let resp = post_page(&server, "/settings/delete", &[("password", "x")], None).await;
    assert_eq!(resp.status(), 303, "signed out: to the sign-in page");

    let resp = post_page(
        &server,
        "/settings/delete",
        &[("password", &alice.password), ("delete_messages", "on")],
        Some(&alice.cookie),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let cleared = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Your account is deleted")
    );
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(status, 401);
}
