//! Private rooms and their members: an owner makes one, adds people by username, renames it,
//! changes its topic and kind; a removed member is cut off at once on every open socket and
//! on reconnect; the last owner to leave hands the room to its longest-standing member.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn an_added_member_sees_the_room_appear_on_every_socket_and_reads_it() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let room = private_room(&server, &alice, "Team", &[]).await;
    let mut phone = connect(&server, &bob).await;
    let mut laptop = connect(&server, &bob).await;
    assert!(phone.hello["rooms"].as_array().unwrap().is_empty());

    // Only owners add people; bob cannot even see the room yet.
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/rooms/Team/members",
        Some(&bob.cookie),
        Some(json!({"username": "bob"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = api(
        &server,
        "POST",
        "/api/v1/rooms/team/members",
        Some(&alice.cookie),
        Some(json!({"username": "BOB"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for socket in [&mut phone, &mut laptop] {
        let added = socket.recv_type("room").await;
        assert_eq!(added["event"], "added");
        assert_eq!(
            (
                added["room"]["name"].as_str(),
                added["room"]["kind"].as_str()
            ),
            (Some("Team"), Some("private"))
        );
        assert_eq!(added["room"]["role"], "member");
    }
    // A member who is not an owner may see but not manage.
    let (status, body) = api(
        &server,
        "POST",
        "/api/v1/rooms/Team/members",
        Some(&bob.cookie),
        Some(json!({"username": "alice"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, members) = api(
        &server,
        "GET",
        "/api/v1/rooms/Team/members",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);

    let mut alice_chat = connect(&server, &alice).await;
    alice_chat.join_id(room).await;
    alice_chat.say_in(room, "welcome, bob").await;
    let joined = phone.join_id(room).await;
    assert_eq!(joined["kind"], "private");
    assert_eq!(joined["messages"][0]["text"], "welcome, bob");
    let (status, page) = api(
        &server,
        "GET",
        "/api/v1/rooms/Team/messages",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, page["messages"][0]["text"].as_str()),
        (200, Some("welcome, bob"))
    );
}

#[tokio::test]
async fn a_removed_member_is_cut_off_within_a_second_on_an_open_socket_and_on_reconnect() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let room = private_room(&server, &alice, "Council", &[]).await;
    api(
        &server,
        "POST",
        "/api/v1/rooms/Council/members",
        Some(&alice.cookie),
        Some(json!({"username": "bob"})),
    )
    .await;
    let mut owner = connect(&server, &alice).await;
    owner.join_id(room).await;
    let mut bob_chat = connect(&server, &bob).await;
    bob_chat.join_id(room).await;
    owner.say_in(room, "before").await;
    assert_eq!(bob_chat.recv_type("message").await["text"], "before");

    let removed_at = Instant::now();
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/rooms/Council/members/bob",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let frame = bob_chat.recv_type("room").await;
    let took = removed_at.elapsed();
    assert_eq!(
        frame,
        json!({"type":"room","event":"removed","room_id":room,"reason":"removed"})
    );
    assert!(took < Duration::from_secs(1), "cut off after {took:?}");
    println!("removed member cut off {took:?} after the request");

    // Nothing committed after the removal reaches bob; what bob sends is refused.
    owner.say_in(room, "after the removal").await;
    bob_chat
        .send(json!({"type":"send","room_id":room,"text":"still here?","client_id":"b1"}))
        .await;
    let refused = bob_chat.recv_type("error").await;
    assert!(
        refused["code"] == "not_joined" || refused["code"] == "room_not_found",
        "{refused}"
    );
    assert!(bob_chat.is_silent_for(Duration::from_millis(300)).await);

    // Reconnected: the room is not in bob's rooms, and every door is shut.
    let mut again = connect(&server, &bob).await;
    assert!(
        again.hello["rooms"].as_array().unwrap().is_empty(),
        "{}",
        again.hello
    );
    again.send(json!({"type":"join","room_id":room})).await;
    assert_eq!(again.recv_type("error").await["code"], "room_not_found");
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Council/messages",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, page) = api(
        &server,
        "GET",
        "/api/v1/rooms/Council/messages",
        Some(&alice.cookie),
        None,
    )
    .await;
    let texts: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["before", "after the removal"],
        "bob's refused message was not stored"
    );
}

#[tokio::test]
async fn owners_rename_and_retopic_a_room_and_turn_it_open_or_private() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let outsider = signup(&server, "olga").await;
    private_room(&server, &alice, "Drafts", &[]).await;
    api(
        &server,
        "POST",
        "/api/v1/rooms/Drafts/members",
        Some(&alice.cookie),
        Some(json!({"username": "bob"})),
    )
    .await;
    let mut bob_chat = connect(&server, &bob).await;

    let (status, room) = api(
        &server,
        "PATCH",
        "/api/v1/rooms/drafts",
        Some(&alice.cookie),
        Some(json!({"name": "Final", "topic": "ready to ship"})),
    )
    .await;
    assert_eq!(status, 200, "{room}");
    assert_eq!(
        (
            room["room"]["name"].as_str(),
            room["room"]["topic"].as_str()
        ),
        (Some("Final"), Some("ready to ship"))
    );
    let changed = bob_chat.recv_type("room").await;
    assert_eq!(
        (changed["event"].as_str(), changed["room"]["name"].as_str()),
        (Some("changed"), Some("Final"))
    );
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Drafts",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404, "the old name is free again");
    let (status, body) = api(
        &server,
        "PATCH",
        "/api/v1/rooms/Final",
        Some(&bob.cookie),
        Some(json!({"topic": null})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));

    // Open: anyone may find and join it; its members stay.
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Final",
        Some(&outsider.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, room) = api(
        &server,
        "PATCH",
        "/api/v1/rooms/Final",
        Some(&alice.cookie),
        Some(json!({"kind": "open", "topic": null})),
    )
    .await;
    assert_eq!((status, room["room"]["kind"].as_str()), (200, Some("open")));
    assert!(
        room["room"].get("topic").is_none(),
        "the topic was cleared: {room}"
    );
    let mut olga = connect(&server, &outsider).await;
    let joined = olga.join("final").await;
    assert_eq!(joined["role"], "member");
    // Private again: olga and bob stay members; a newcomer cannot find it.
    api(
        &server,
        "PATCH",
        "/api/v1/rooms/Final",
        Some(&alice.cookie),
        Some(json!({"kind": "private"})),
    )
    .await;
    let (_, members) = api(
        &server,
        "GET",
        "/api/v1/rooms/Final/members",
        Some(&outsider.cookie),
        None,
    )
    .await;
    assert_eq!(members["members"].as_array().unwrap().len(), 3);
    let newcomer = signup(&server, "nina").await;
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Final",
        Some(&newcomer.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_last_owner_to_leave_hands_the_room_to_the_longest_standing_member() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    private_room(&server, &alice, "Club", &[]).await;
    for who in ["bob", "carol"] {
        api(
            &server,
            "POST",
            "/api/v1/rooms/Club/members",
            Some(&alice.cookie),
            Some(json!({"username": who})),
        )
        .await;
    }
    let mut bob_chat = connect(&server, &bob).await;
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/rooms/Club/members/alice",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204, "the owner leaves");
    let changed = bob_chat.recv_type("room").await;
    assert_eq!(
        (changed["event"].as_str(), changed["room"]["role"].as_str()),
        (Some("changed"), Some("owner"))
    );
    let (_, members) = api(
        &server,
        "GET",
        "/api/v1/rooms/Club/members",
        Some(&carol.cookie),
        None,
    )
    .await;
    let roles: Vec<(String, String)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap().into(),
                m["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("bob".into(), "owner".into()),
            ("carol".into(), "member".into())
        ]
    );
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Club",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404, "alice is an outsider now");
    let (status, body) = api(
        &server,
        "DELETE",
        "/api/v1/rooms/Club/members/alice",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("room_not_found"))
    );
}

#[tokio::test]
async fn leaving_an_open_room_ends_the_membership_and_it_can_be_joined_again() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("Lobby").await;
    chat.recv_type("room").await;
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/rooms/lobby/members/alice",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let removed = chat.recv_type("room").await;
    assert_eq!(
        (removed["event"].as_str(), removed["reason"].as_str()),
        (Some("removed"), Some("left"))
    );
    let (status, body) = api(
        &server,
        "DELETE",
        "/api/v1/rooms/lobby/members/alice",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("not_a_member"))
    );
    let joined = chat.join("Lobby").await;
    assert_eq!(joined["room"], "Lobby");
}

/// Every door says what the asker may do in a room (`may`), from the one decision the server
/// makes, and the settings page shows an owner's forms only to those it allows.
#[tokio::test]
async fn every_door_says_what_the_asker_may_do_and_the_pages_show_only_that() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    private_room(&server, &alice, "Ops", &[]).await;
    let everything = json!({"post":true,"manage":true,"remove":true,"invite":true,"export":true,"moderate":true,"webhooks":true,"call_room":true,"leave":true});
    let a_member = json!({"post":true,"manage":false,"remove":false,"invite":false,"export":false,"moderate":false,"webhooks":false,"call_room":true,"leave":true});
    let (_, ops) = api(
        &server,
        "GET",
        "/api/v1/rooms/Ops",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(ops["room"]["may"], everything, "{ops}");

    let mut bob_chat = connect(&server, &bob).await;
    api(
        &server,
        "POST",
        "/api/v1/rooms/Ops/members",
        Some(&alice.cookie),
        Some(json!({"username": "bob"})),
    )
    .await;
    let added = bob_chat.recv_type("room").await;
    assert_eq!(added["room"]["may"], a_member, "{added}");
    let joined = bob_chat.join("ops").await;
    assert_eq!(joined["may"], a_member, "{joined}");
    let (_, listed) = api(&server, "GET", "/api/v1/rooms", Some(&bob.cookie), None).await;
    assert_eq!(listed["rooms"][0]["may"], a_member, "{listed}");

    // An open room's owner manages it and deletes what others write in it; a visitor neither.
    let mut alice_chat = connect(&server, &alice).await;
    let made = alice_chat.join("Plaza").await;
    assert_eq!(
        (made["role"].as_str(), made["may"]["manage"].as_bool()),
        (Some("owner"), Some(true))
    );
    assert_eq!(made["may"]["moderate"], true, "{made}");
    let visiting = bob_chat.join("plaza").await;
    assert_eq!(visiting["may"]["manage"], false, "{visiting}");
    assert_eq!(visiting["may"]["moderate"], false, "{visiting}");

    // The page draws the owner's forms from the same answer.
    let (status, owner_page) = page(&server, "/rooms/Ops/settings", Some(&alice.cookie)).await;
    assert_eq!(status, 200);
    for form in [
        "Add someone by username",
        "Make an invite link",
        "Who can find it",
        "Download the room",
    ] {
        assert!(owner_page.contains(form), "the owner sees {form}");
    }
    let (status, member_page) = page(&server, "/rooms/Ops/settings", Some(&bob.cookie)).await;
    assert_eq!(status, 200);
    for form in [
        "Add someone by username",
        "Make an invite link",
        "Who can find it",
        "Download the room",
    ] {
        assert!(!member_page.contains(form), "a member does not see {form}");
    }
    assert!(member_page.contains("Leave Ops"), "a member may leave");

    // Ownership handed over reaches the heir's sockets with what they may now do.
    api(
        &server,
        "DELETE",
        "/api/v1/rooms/Ops/members/alice",
        Some(&alice.cookie),
        None,
    )
    .await;
    let changed = loop {
        let frame = bob_chat.recv_type("room").await;
        if frame["event"] == "changed" {
            break frame;
        }
    };
    assert_eq!(changed["room"]["name"], "Ops", "{changed}");
    assert_eq!(changed["room"]["may"], everything, "{changed}");
}
