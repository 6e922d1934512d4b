//! Profiles: a display name and a new username show on everything the person ever wrote, on
//! every door; the old name stays theirs for 30 days; every bad change is refused and changes
//! nothing.

use crate::common::*;
use confab::clock::ManualClock;
use confab::config::ServeArgs;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const DAY_MS: u64 = 24 * 3600 * 1000;

async fn patch_me(server: &impl Target, cookie: Option<&str>, body: Value) -> (u16, Value) {
    api(server, "PATCH", "/api/v1/me", cookie, Some(body)).await
}

#[tokio::test]
async fn a_renamed_persons_old_messages_show_the_new_name_on_every_door() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut alice_chat = connect(&server, &alice).await;
    let mut bob_chat = connect(&server, &bob).await;
    alice_chat.join("r").await;
    bob_chat.join("r").await;
    let first = alice_chat.say("r", "hello from alice").await["id"]
        .as_u64()
        .unwrap();
    let room_id = alice_chat.id("r");
    bob_chat
        .send(json!({"type": "send", "room_id": room_id, "text": "hi @alice", "reply_to": first, "client_id": "re"}))
        .await;
    let reply = loop {
        let frame = bob_chat.recv().await;
        if frame["client_id"] == "re" {
            break frame;
        }
    };
    alice_chat
        .send(json!({"type": "react", "room_id": room_id, "id": first, "emoji": "👍"}))
        .await;
    bob_chat.recv_type("update").await;

    let (status, body) = patch_me(
        &server,
        Some(&alice.cookie),
        json!({"username": "alicia", "display_name": "  Alicia Ångström "}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["username"], "alicia");
    assert_eq!(body["user"]["display_name"], "Alicia Ångström");
    assert_eq!(
        alice_chat.closed().await,
        Some(CloseCode::Library(4002)),
        "her own pages reconnect to learn it"
    );
    let again = connect(&server, &alice).await;
    assert_eq!(again.hello["user"]["username"], "alicia");
    assert_eq!(again.hello["user"]["display_name"], "Alicia Ångström");

    // The history, as bob reads it over the API and over a new socket.
    let page = get_json(&server, "/api/v1/rooms/r/messages", &bob.cookie).await;
    let messages = page["messages"].as_array().unwrap();
    let original = messages.iter().find(|m| m["id"] == first).unwrap();
    assert_eq!(original["user"], "alicia");
    assert_eq!(original["display_name"], "Alicia Ångström");
    assert_eq!(original["reactions"][0]["users"], json!(["alicia"]));
    let answer = messages.iter().find(|m| m["id"] == reply["id"]).unwrap();
    assert_eq!(answer["reply"]["user"], "alicia");
    assert_eq!(answer["reply"]["display_name"], "Alicia Ångström");
    assert_eq!(answer["mentions"], json!(["alicia"]));
    assert!(answer.get("display_name").is_none(), "bob chose none");
    let mut later = connect(&server, &bob).await;
    let joined = later.join("r").await;
    let shown = joined["messages"].as_array().unwrap();
    assert_eq!(shown[0]["user"], "alicia");
    assert_eq!(shown[0]["display_name"], "Alicia Ångström");

    // The permalink page, and her profile under both names.
    let html = http()
        .get(server.url(&format!("/rooms/r/m/{first}")))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"Alicia Ångström <span class="handle">alicia</span>"#),
        "{html}"
    );
    for name in ["alicia", "ALICE"] {
        let profile = get_json(&server, &format!("/api/v1/users/{name}"), &bob.cookie).await;
        assert_eq!(
            profile["username"], "alicia",
            "{name}: the old name leads to her"
        );
    }
    assert_eq!(
        login(&server, "alicia", &alice.password).await.status(),
        200
    );
}

#[tokio::test]
async fn a_given_up_name_is_free_again_after_thirty_days() {
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let carol = signup(&server, "carol").await;
    let (status, _) = patch_me(
        &server,
        Some(&carol.cookie),
        json!({"username": "caroline"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = api(
        &server,
        "POST",
        "/api/v1/auth/signup",
        None,
        Some(json!({"username": "Carol", "password": "impostor password"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("username_taken"))
    );
    clock.advance_ms(30 * DAY_MS);
    let newcomer = signup(&server, "carol").await;
    let me = get_json(&server, "/api/v1/me", &newcomer.cookie).await;
    assert_eq!(me["user"]["username"], "carol");
    // (Her session has idled out meanwhile: she signs in again, by her new name.)
    let first: Value = login(&server, "caroline", &carol.password)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["user"]["username"], "caroline",
        "the first carol is untouched"
    );
    assert_ne!(first["user"]["id"], me["user"]["id"]);
}

#[tokio::test]
async fn bad_profile_changes_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let dana = signup(&server, "dana").await;
    signup(&server, "erik").await;
    let refusals = [
        (
            json!({"display_name": "é".repeat(65)}),
            400,
            "invalid_display_name",
        ),
        (
            json!({"display_name": "two\nlines"}),
            400,
            "invalid_display_name",
        ),
        (
            json!({"display_name": "admin\u{202e}nimda"}),
            400,
            "invalid_display_name",
        ),
        (
            json!({"username": "no spaces", "display_name": "Dana"}),
            400,
            "invalid_username",
        ),
        (
            json!({"username": "ab", "display_name": "Dana"}),
            400,
            "invalid_username",
        ),
        (
            json!({"username": "ERIK", "display_name": "Dana"}),
            409,
            "username_taken",
        ),
        (
            json!({"username": "dana2", "dm_from": null}),
            400,
            "bad_request",
        ),
        // Not text at all: the request does not parse.
        (json!({"username": 7}), 400, "bad_request"),
        (json!({"username": null}), 400, "invalid_username"),
        (json!({"display_name": null}), 400, "invalid_display_name"),
        (json!({"username": false}), 400, "bad_request"),
        (json!({"display_name": true}), 400, "bad_request"),
    ];
    for (body, status, code) in refusals {
        let (got, answer) = patch_me(&server, Some(&dana.cookie), body.clone()).await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        let me = get_json(&server, "/api/v1/me", &dana.cookie).await;
        assert_eq!(me["user"]["username"], "dana", "{body}");
        assert_eq!(me["user"]["display_name"], Value::Null, "{body}");
    }
    let (status, _) = patch_me(&server, None, json!({"display_name": "Mallory"})).await;
    assert_eq!(status, 401);

    // Clearing a display name: empty.
    let (status, body) = patch_me(
        &server,
        Some(&dana.cookie),
        json!({"display_name": "Dana D."}),
    )
    .await;
    assert_eq!(
        (status, &body["user"]["display_name"]),
        (200, &json!("Dana D."))
    );
    for empty in [json!(""), json!("   ")] {
        patch_me(
            &server,
            Some(&dana.cookie),
            json!({"display_name": "Dana D."}),
        )
        .await;
        let (status, body) =
            patch_me(&server, Some(&dana.cookie), json!({"display_name": empty})).await;
        assert_eq!((status, &body["user"]["display_name"]), (200, &Value::Null));
    }
}

#[tokio::test]
async fn the_settings_profile_form_saves_and_refuses_in_place() {
    let server = TestServer::start().await;
    let fay = signup(&server, "fay").await;
    signup(&server, "gus").await;
    let post = |pairs: &[(&str, &str)]| {
        http()
            .post(server.url("/settings/profile"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", server.origin())
            .header("cookie", &fay.cookie)
            .body(form(pairs))
            .send()
    };
    let resp = post(&[("display_name", "Fay"), ("username", "gus")])
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(html.contains("That username is taken."), "{html}");
    let me = get_json(&server, "/api/v1/me", &fay.cookie).await;
    assert_eq!(
        (me["user"]["username"].as_str(), &me["user"]["display_name"]),
        (Some("fay"), &Value::Null)
    );

    let resp = post(&[("display_name", "Fay Wray"), ("username", "fay.w")])
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings?done=profile");
    let me = get_json(&server, "/api/v1/me", &fay.cookie).await;
    assert_eq!(me["user"]["username"], "fay.w");
    assert_eq!(me["user"]["display_name"], "Fay Wray");
    let html = http()
        .get(server.url("/settings?done=profile"))
        .header("cookie", &fay.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Profile saved.") && html.contains(r#"value="Fay Wray""#),
        "{html}"
    );
}
