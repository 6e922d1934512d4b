//! Moderation as people meet it: a room's owners and the server's admins delete others' messages
//! and remove people, a ban ends every socket of the banned within a second and can take their
//! messages, and each of these is in the audit log. Every refusal is tested from the refused
//! side, and a room hidden from an admin stays hidden.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::*;

/// Sends a frame and returns the next `update` or `error` that answers it.
async fn answer(chat: &mut Chat, frame: Value) -> Value {
    while !chat.is_silent_for(Duration::from_millis(30)).await {}
    chat.send(frame).await;
    loop {
        let got = chat.recv().await;
        if got["type"] == "update" || got["type"] == "error" {
            return got;
        }
    }
}

/// The next `room` frame that is not the socket's own joining.
async fn removal(chat: &mut Chat) -> Value {
    loop {
        let frame = chat.recv_type("room").await;
        if frame["event"] != "added" {
            return frame;
        }
    }
}

/// The audit log, oldest first, as `action target (detail) by WHO from WHERE`.
async fn audit_log(server: &TestServer, admin: &User) -> Vec<String> {
    let entries = audit_entries(server, admin).await;
    entries
        .iter()
        .map(|e| {
            format!(
                "{} ({}) by {} from {}",
                action_and_target(e),
                e["detail"].as_str().unwrap_or("-"),
                e["by"].as_str().unwrap(),
                e["from"].as_str().unwrap()
            )
        })
        .collect()
}

/// The texts of a room's history as `user` reads it, oldest first.
async fn room_texts(server: &TestServer, user: &User, room: &str) -> Vec<String> {
    let path = format!("/api/v1/rooms/{room}/messages");
    let (_, history) = api(server, "GET", &path, Some(&user.cookie), None).await;
    message_texts(&history)
}

/// An open room, `plaza`, that olive made and bob joined, on a server whose admin is root;
/// mallory is a member of the server only.
struct Plaza {
    server: TestServer,
    root: User,
    olive: User,
    bob: User,
    mallory: User,
    /// olive's socket, following the room.
    owner: Chat,
    room: u64,
    /// bob's socket, following the room.
    b: Chat,
}

async fn plaza() -> Plaza {
    let server = TestServer::start().await;
    let root = signup(&server, "root").await;
    let olive = signup(&server, "olive").await;
    let bob = signup(&server, "bob").await;
    let mallory = signup(&server, "mallory").await;
    let mut owner = connect(&server, &olive).await;
    owner.join("plaza").await;
    let room = owner.id("plaza");
    let mut b = connect(&server, &bob).await;
    b.join("plaza").await;
    Plaza {
        server,
        root,
        olive,
        bob,
        mallory,
        owner,
        room,
        b,
    }
}

#[tokio::test]
async fn owners_and_admins_delete_others_messages_and_members_cannot() {
    let Plaza {
        server,
        root,
        olive: _,
        bob,
        mallory,
        mut owner,
        room,
        mut b,
    } = plaza().await;
    let mut m = connect(&server, &mallory).await;
    m.join("plaza").await;
    let mut admin = connect(&server, &root).await;
    admin.join("plaza").await;
    let first = b.say("plaza", "spam one").await["id"].as_u64().unwrap();
    let second = b.say("plaza", "spam two").await["id"].as_u64().unwrap();

    // A member deletes only their own words.
    let got = answer(&mut m, json!({"type":"delete","room_id":room,"id":first})).await;
    assert_eq!(got["code"], "forbidden", "{got}");
    // The room's owner deletes anyone's; every follower sees it go.
    let got = answer(
        &mut owner,
        json!({"type":"delete","room_id":room,"id":first}),
    )
    .await;
    assert_eq!(
        (got["type"].as_str(), got["deleted"].as_bool()),
        (Some("update"), Some(true)),
        "{got}"
    );
    // So does an admin, who owns nothing here; but an admin edits no one else's words.
    let got = answer(
        &mut admin,
        json!({"type":"edit","room_id":room,"id":second,"text":"tidied"}),
    )
    .await;
    assert_eq!(got["code"], "forbidden", "{got}");
    let got = answer(
        &mut admin,
        json!({"type":"delete","room_id":room,"id":second}),
    )
    .await;
    assert_eq!(got["deleted"], true, "{got}");
    let texts = room_texts(&server, &mallory, "plaza").await;
    assert_eq!(texts, ["", ""], "both texts left storage");

    // A private room the admin is not in stays hidden: no moderating what cannot be seen.
    let den = private_room(&server, &bob, "Den", &["mallory"]).await;
    let got = answer(&mut admin, json!({"type":"delete","room_id":den,"id":1})).await;
    assert_eq!(got["code"], "not_joined", "{got}");
    let joined = {
        admin.send(json!({"type":"join","room":"Den"})).await;
        admin.recv_type("error").await
    };
    assert_eq!(joined["code"], "room_not_found", "{joined}");

    // The log holds each moderator's deletion, never a refusal, never an author's own.
    let own = b.say("plaza", "my own, deleted by me").await["id"]
        .as_u64()
        .unwrap();
    let got = answer(&mut b, json!({"type":"delete","room_id":room,"id":own})).await;
    assert_eq!(got["deleted"], true);
    assert_eq!(
        audit_log(&server, &root).await,
        [
            format!("message.delete plaza (message {first} by bob) by olive from 127.0.0.1"),
            format!("message.delete plaza (message {second} by bob) by root from 127.0.0.1"),
        ]
    );
}

#[tokio::test]
async fn an_admin_removes_anyone_from_an_open_room_but_not_from_a_room_they_cannot_see() {
    let Plaza {
        server,
        root,
        olive,
        bob,
        mallory,
        owner: _olive_chat,
        room,
        mut b,
    } = plaza().await;
    let bob_in_plaza = "/api/v1/rooms/plaza/members/bob";
    let (status, refused) = api(&server, "DELETE", bob_in_plaza, Some(&mallory.cookie), None).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );

    let asked = Instant::now();
    let (status, _) = api(&server, "DELETE", bob_in_plaza, Some(&root.cookie), None).await;
    assert_eq!(status, 204);
    assert_eq!(
        removal(&mut b).await,
        json!({"type":"room","event":"removed","room_id":room,"reason":"removed"})
    );
    assert!(asked.elapsed() < Duration::from_secs(1));
    // The room page offers an admin the Remove buttons, and only those.
    let (_, settings) = page(&server, "/rooms/plaza/settings", Some(&root.cookie)).await;
    assert!(
        settings.contains("Remove<span class=\"visually-hidden\"> olive</span>"),
        "{settings}"
    );
    assert!(
        !settings.contains("Add someone by username"),
        "an admin does not manage it"
    );

    private_room(&server, &bob, "Den", &[]).await;
    let bob_in_den = "/api/v1/rooms/Den/members/bob";
    let (status, hidden) = api(&server, "DELETE", bob_in_den, Some(&root.cookie), None).await;
    assert_eq!(
        (status, hidden["error"].as_str()),
        (404, Some("room_not_found")),
        "{hidden}"
    );

    // The room's owner removes too, from the settings page; both are logged.
    let mut b = connect(&server, &bob).await;
    b.join("plaza").await;
    let resp = post_page(
        &server,
        "/rooms/plaza/settings",
        &[("action", "remove"), ("username", "bob")],
        Some(&olive.cookie),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(removal(&mut b).await["event"], "removed");
    assert_eq!(
        audit_log(&server, &root).await,
        [
            "room.remove_member plaza (removed bob) by root from 127.0.0.1",
            "room.remove_member plaza (removed bob) by olive from 127.0.0.1",
        ]
    );
}

#[tokio::test]
async fn a_ban_closes_every_socket_within_a_second_and_can_take_their_messages_with_it() {
    let server = TestServer::start().await;
    let root = signup(&server, "root").await;
    let carol = signup(&server, "carol").await;
    let spammer = signup(&server, "spammer").await;
    let quiet = signup(&server, "quiet").await;
    let mut c = connect(&server, &carol).await;
    c.join("plaza").await;
    let mut s = connect(&server, &spammer).await;
    s.join("plaza").await;
    let mut second_tab = connect(&server, &spammer).await;
    for i in 0..3 {
        s.say("plaza", &format!("buy now {i}")).await;
    }
    let dm = direct_room(&server, &spammer, &["carol"]).await;
    s.join_id(dm).await;
    s.say_in(dm, "psst, buy now").await;
    let mut q = connect(&server, &quiet).await;
    q.join("plaza").await;
    q.say("plaza", "an honest word").await;

    let asked = Instant::now();
    let (status, done) = api(
        &server,
        "POST",
        "/api/v1/admin/users/spammer/actions",
        Some(&root.cookie),
        Some(json!({"action": "ban", "delete_messages": true})),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (
            &done["user"]["disabled"],
            &done["sessions_ended"],
            &done["messages_deleted"]
        ),
        (&json!(true), &json!(1), &json!(4)),
        "{done}"
    );
    for socket in [&mut s, &mut second_tab] {
        assert_eq!(socket.closed().await, Some(CloseCode::Library(4001)));
    }
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "closed after {:?}",
        asked.elapsed()
    );
    assert_eq!(
        login(&server, "spammer", &spammer.password).await.status(),
        403
    );
    // Carol watched every one of them go, in the room and in the conversation.
    let mut deleted = 0;
    while deleted < 3 {
        let update = c.recv_type("update").await;
        assert_eq!(update["deleted"], true, "{update}");
        deleted += 1;
    }
    let texts = room_texts(&server, &carol, "plaza").await;
    assert_eq!(texts, ["", "", "", "an honest word"]);
    let (_, conversation) = api(
        &server,
        "GET",
        &format!("/api/v1/dm/{dm}/messages"),
        Some(&carol.cookie),
        None,
    )
    .await;
    assert_eq!(
        conversation["messages"][0]["deleted"], true,
        "{conversation}"
    );

    // A ban without the messages leaves them; banning again is logged again.
    let mut q2 = connect(&server, &quiet).await;
    let (status, done) = api(
        &server,
        "POST",
        "/api/v1/admin/users/quiet/actions",
        Some(&root.cookie),
        Some(json!({"action": "ban"})),
    )
    .await;
    assert_eq!(
        (status, &done["messages_deleted"]),
        (200, &json!(0)),
        "{done}"
    );
    assert_eq!(q2.closed().await, Some(CloseCode::Library(4001)));
    assert_eq!(q.closed().await, Some(CloseCode::Library(4001)));
    let texts = room_texts(&server, &carol, "plaza").await;
    assert_eq!(texts.last().map(String::as_str), Some("an honest word"));
    let resp = post_page(
        &server,
        "/admin/users",
        &[("name", "quiet"), ("action", "ban")],
        Some(&root.cookie),
    )
    .await;
    assert_eq!(
        resp.headers()["location"],
        "/admin?done=user.ban&name=quiet&q=#people"
    );
    assert_eq!(
        audit_log(&server, &root).await,
        [
            "user.ban spammer (and their messages) by root from 127.0.0.1",
            "user.ban quiet (-) by root from 127.0.0.1",
            "user.ban quiet (-) by root from 127.0.0.1",
        ]
    );
}
