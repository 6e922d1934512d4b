//! Friends and people: a request, its acceptance or refusal and an unfriending reach both
//! people's sockets at once; friends see each other come and go; the people search matches
//! the start of a username; a profile says where you stand; a block ends a friendship.

use std::time::Duration;

use crate::common::*;
use serde_json::{Value, json};

async fn call(server: &TestServer, user: &User, method: &str, path: &str) -> (u16, Value) {
    api(server, method, path, Some(&user.cookie), None).await
}

/// The next `friend` frame about `user` with this `event`.
async fn friend_event(chat: &mut Chat, event: &str) -> Value {
    loop {
        let frame = chat.recv_type("friend").await;
        if frame["event"] == event {
            return frame;
        }
    }
}

#[tokio::test]
async fn a_friend_request_is_accepted_declined_or_withdrawn_live_on_both_sides() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut alice_chat = connect(&server, &alice).await;
    let mut bob_chat = connect(&server, &bob).await;
    assert_eq!(bob_chat.hello["friends"], json!([]));

    // alice asks: both sockets hear where they stand.
    let (status, asked) = call(&server, &alice, "POST", "/api/v1/friends/Bob").await;
    assert_eq!((status, asked["state"].as_str()), (200, Some("asked")));
    let seen = friend_event(&mut bob_chat, "state").await;
    assert_eq!(
        (seen["user"].as_str(), seen["state"].as_str()),
        (Some("alice"), Some("incoming"))
    );
    let seen = friend_event(&mut alice_chat, "state").await;
    assert_eq!(
        (seen["user"].as_str(), seen["state"].as_str()),
        (Some("bob"), Some("asked"))
    );
    // Asking again changes nothing.
    assert_eq!(
        call(&server, &alice, "POST", "/api/v1/friends/bob").await.1["state"],
        "asked"
    );

    // bob declines: the request is gone on both sides.
    assert_eq!(
        call(&server, &bob, "DELETE", "/api/v1/friends/alice")
            .await
            .0,
        204
    );
    assert_eq!(
        friend_event(&mut alice_chat, "state").await["state"],
        "none"
    );
    assert_eq!(friend_event(&mut bob_chat, "state").await["state"], "none");
    assert_eq!(
        call(&server, &alice, "GET", "/api/v1/friends").await.1["friends"],
        json!([])
    );

    // Asked again and accepted: friends, listed with who is online.
    call(&server, &alice, "POST", "/api/v1/friends/bob").await;
    let (_, accepted) = call(&server, &bob, "POST", "/api/v1/friends/alice").await;
    assert_eq!(accepted["state"], "friends");
    assert_eq!(
        friend_event(&mut alice_chat, "state").await["state"],
        "asked"
    );
    let now_friends = friend_event(&mut alice_chat, "state").await;
    assert_eq!(
        (
            now_friends["state"].as_str(),
            now_friends["online"].as_bool()
        ),
        (Some("friends"), Some(true)),
        "a new friend is listed as online as they are"
    );
    let (_, list) = call(&server, &alice, "GET", "/api/v1/friends").await;
    assert_eq!(list["friends"][0]["username"], "bob");
    assert_eq!(list["friends"][0]["state"], "friends");
    assert_eq!(list["friends"][0]["online"], true);
    let (_, profile) = call(&server, &alice, "GET", "/api/v1/users/bob").await;
    assert_eq!(
        (profile["friendship"].as_str(), profile["online"].as_bool()),
        (Some("friends"), Some(true))
    );

    // A new socket's hello carries the friend list.
    let again = connect(&server, &bob).await;
    assert_eq!(again.hello["friends"][0]["username"], "alice");
    assert_eq!(again.hello["friends"][0]["state"], "friends");

    // Unfriending ends it for both.
    assert_eq!(
        call(&server, &alice, "DELETE", "/api/v1/friends/bob")
            .await
            .0,
        204
    );
    let (_, profile) = call(&server, &bob, "GET", "/api/v1/users/alice").await;
    assert_eq!(profile["friendship"], "none");

    // Nobody befriends themselves or an account that does not exist.
    let (status, body) = call(&server, &alice, "POST", "/api/v1/friends/alice").await;
    assert_eq!((status, body["error"].as_str()), (403, Some("yourself")));
    let (status, body) = call(&server, &alice, "POST", "/api/v1/friends/nobody-here").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("user_not_found"))
    );
}

#[tokio::test]
async fn friends_see_each_other_come_online_and_go_offline() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let stranger = signup(&server, "stranger").await;
    call(&server, &alice, "POST", "/api/v1/friends/bob").await;
    call(&server, &bob, "POST", "/api/v1/friends/alice").await;
    let mut alice_chat = connect(&server, &alice).await;
    let mut stranger_chat = connect(&server, &stranger).await;

    let bob_phone = connect(&server, &bob).await;
    let online = friend_event(&mut alice_chat, "online").await;
    assert_eq!(online["user"], "bob");
    // A second tab is not news; closing one of two is not either.
    let bob_laptop = connect(&server, &bob).await;
    drop(bob_phone);
    assert!(alice_chat.is_silent_for(Duration::from_millis(300)).await);

    drop(bob_laptop);
    let offline = friend_event(&mut alice_chat, "offline").await;
    assert_eq!(offline["user"], "bob");
    assert!(offline["last_seen"].as_u64().unwrap() > 0);
    let (_, profile) = call(&server, &alice, "GET", "/api/v1/users/bob").await;
    assert_eq!(profile["online"], false);
    assert_eq!(profile["last_seen"], offline["last_seen"]);

    assert!(
        stranger_chat
            .is_silent_for(Duration::from_millis(200))
            .await,
        "only friends hear it"
    );
}

#[tokio::test]
async fn people_search_matches_the_start_of_a_username() {
    let server = TestServer::start().await;
    let me = signup(&server, "seeker").await;
    for name in ["anna", "Annabel", "bob", "joanna"] {
        signup(&server, name).await;
    }
    let names = |list: &Value| -> Vec<String> {
        list["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, found) = call(&server, &me, "GET", "/api/v1/users?q=ann").await;
    assert_eq!(
        names(&found),
        ["anna", "Annabel"],
        "case-insensitive, from the start only"
    );
    let (_, everyone) = call(&server, &me, "GET", "/api/v1/users").await;
    assert_eq!(names(&everyone).len(), 5);
    let (_, none) = call(&server, &me, "GET", "/api/v1/users?q=zz").await;
    assert_eq!(names(&none), Vec::<String>::new());

    // The page does the same without JavaScript, and links each profile.
    let html = http()
        .get(server.url("/people?q=ann"))
        .header("cookie", &me.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"href="/u/anna""#) && html.contains(r#"href="/u/Annabel""#),
        "{html}"
    );
    assert!(!html.contains(r#"href="/u/joanna""#));

    // Signed out, nobody is listed.
    let (status, _) = api(&server, "GET", "/api/v1/users", None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_profile_page_befriends_and_blocks_and_a_block_ends_a_friendship() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let client = http();
    let post = |path: &'static str, action: &'static str| {
        client
            .post(server.url(path))
            .header("cookie", &alice.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("action", action), ("back", "/u/bob")]))
            .send()
    };

    let page = client
        .get(server.url("/u/bob"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1>bob</h1>") || html.contains(">bob</h1>"),
        "{html}"
    );
    assert!(
        html.contains("Add friend") && html.contains("Block"),
        "{html}"
    );

    let answer = post("/u/bob", "friend").await.unwrap();
    assert_eq!(
        (
            answer.status().as_u16(),
            answer.headers()["location"].to_str().unwrap()
        ),
        (303, "/u/bob")
    );
    call(&server, &bob, "POST", "/api/v1/friends/alice").await;
    assert_eq!(
        call(&server, &alice, "GET", "/api/v1/users/bob").await.1["friendship"],
        "friends"
    );

    let mut bob_chat = connect(&server, &bob).await;
    assert_eq!(post("/u/bob", "block").await.unwrap().status(), 303);
    assert_eq!(
        friend_event(&mut bob_chat, "state").await["state"],
        "none",
        "the friendship ended"
    );
    let (_, profile) = call(&server, &alice, "GET", "/api/v1/users/bob").await;
    assert_eq!(
        (profile["friendship"].as_str(), profile["blocked"].as_bool()),
        (Some("none"), Some(true))
    );
    let blocked_hello = connect(&server, &alice).await;
    assert_eq!(blocked_hello.hello["blocked"], json!(["bob"]));

    // An account that does not exist has no profile.
    let missing = client
        .get(server.url("/u/nobody-here"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let bad = post("/u/bob", "launch-rockets").await.unwrap();
    assert_eq!(bad.status(), 400);
}
