//! Notification levels from the outside: each member chooses what calls them back from a room
//! (`all`, `mentions`, `none`), the defaults follow the room's kind, the choice is theirs
//! alone and reaches their sockets, and every door refuses whoever is not a member.

use crate::common::*;
use serde_json::{Value, json};

async fn set_level(
    server: &TestServer,
    cookie: Option<&str>,
    door: &str,
    level: &str,
) -> (u16, Value) {
    api(
        server,
        "PUT",
        &format!("{door}/notifications"),
        cookie,
        Some(json!({ "level": level })),
    )
    .await
}

/// The level `who` has in the room `name`, as `GET /api/v1/rooms/{name}` tells them.
async fn level_of(server: &TestServer, who: &User, name: &str) -> Value {
    let (status, body) = api(
        server,
        "GET",
        &format!("/api/v1/rooms/{name}"),
        Some(&who.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["room"]["notifications"].clone()
}

/// Who asks, as whom, at which door, and the status and code they get.
type Refusal<'a> = (&'a str, Option<&'a User>, &'a str, u16, Option<&'a str>);

#[tokio::test]
async fn a_member_chooses_what_calls_them_back_and_nobody_else_can() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let cai = signup(&server, "cai").await;
    let ops_id = private_room(&server, &alice, "Ops", &["bob"]).await;
    let dm = direct_room(&server, &alice, &["bob"]).await;

    // The defaults: what calls you in a room, everything in a conversation.
    assert_eq!(level_of(&server, &alice, "Ops").await, "mentions");
    let rooms = get_json(&server, "/api/v1/rooms", &alice.cookie).await;
    let direct = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == dm)
        .cloned()
        .unwrap();
    assert_eq!(direct["notifications"], "all", "{direct}");

    // Alice's choice reaches her other tab, and is hers alone.
    let mut tab = connect(&server, &alice).await;
    let (status, set) = set_level(&server, Some(&alice.cookie), "/api/v1/rooms/ops", "all").await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["room"]["notifications"], "all");
    let heard = loop {
        let frame = tab.recv_type("room").await;
        if frame["event"] == "changed" {
            break frame;
        }
    };
    assert_eq!(heard["room"]["notifications"], "all", "{heard}");
    assert_eq!(
        level_of(&server, &bob, "Ops").await,
        "mentions",
        "bob's is his own"
    );
    let (status, _) = set_level(
        &server,
        Some(&bob.cookie),
        &format!("/api/v1/dm/{dm}"),
        "none",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(level_of(&server, &alice, "Ops").await, "all", "kept");

    // Every refusal, on both doors.
    let open = {
        let mut chat = connect(&server, &alice).await;
        chat.join("Plaza").await;
        "/api/v1/rooms/plaza"
    };
    let cases: [Refusal; 7] = [
        (
            "an outsider of a private room",
            Some(&cai),
            "/api/v1/rooms/ops",
            404,
            Some("room_not_found"),
        ),
        (
            "no such room",
            Some(&alice),
            "/api/v1/rooms/nowhere",
            404,
            Some("room_not_found"),
        ),
        (
            "someone who never joined an open room",
            Some(&cai),
            open,
            404,
            Some("not_a_member"),
        ),
        ("signed out", None, "/api/v1/rooms/ops", 401, None),
        (
            "an outsider of a conversation",
            Some(&cai),
            &format!("/api/v1/dm/{dm}"),
            404,
            Some("room_not_found"),
        ),
        (
            "a private room through the conversation door",
            Some(&alice),
            &format!("/api/v1/dm/{ops_id}"),
            404,
            Some("room_not_found"),
        ),
        (
            "a level that is none of the three",
            Some(&alice),
            "/api/v1/rooms/ops",
            400,
            None,
        ),
    ];
    for (who, user, door, expected, code) in cases {
        let level = if expected == 400 { "loud" } else { "none" };
        let (status, body) = set_level(&server, user.map(|u| u.cookie.as_str()), door, level).await;
        assert_eq!(status, expected, "{who}: {body}");
        if let Some(code) = code {
            assert_eq!(body["error"], code, "{who}: {body}");
        }
    }
    assert_eq!(
        level_of(&server, &alice, "Ops").await,
        "all",
        "nothing refused changed it"
    );

    // The choice outlives a restart.
    let server = server.restart().await;
    assert_eq!(
        level_of(&server, &alice, "Ops").await,
        "all",
        "after a restart"
    );
}
