//! What many tests set up the same way, through the real API: who is signed in, a private room
//! with its members, the direct room of some people.

use serde_json::{Value, json};

use super::{Target, User, api, http};

/// `GET /api/v1/me` with a session cookie: whether it is (still) signed in.
pub async fn me(server: &impl Target, cookie: &str) -> reqwest::Response {
    http()
        .get(server.url("/api/v1/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// A private room `owner` makes, with these people added by username; its id.
pub async fn private_room(server: &impl Target, owner: &User, name: &str, members: &[&str]) -> u64 {
    let (status, made) = api(
        server,
        "POST",
        "/api/v1/rooms",
        Some(&owner.cookie),
        Some(json!({"name": name, "kind": "private"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["room"]["role"], "owner");
    for member in members {
        let (status, body) = api(
            server,
            "POST",
            &format!("/api/v1/rooms/{}/members", path_segment(name)),
            Some(&owner.cookie),
            Some(json!({"username": member})),
        )
        .await;
        assert_eq!(status, 204, "adding {member}: {body}");
    }
    made["room"]["id"].as_u64().expect("a room id")
}

/// `POST /api/v1/dm`: the direct room of `by` and these people, made or found; the status and
/// the answer.
pub async fn open_dm(server: &impl Target, by: &User, with: &[&str]) -> (u16, Value) {
    api(
        server,
        "POST",
        "/api/v1/dm",
        Some(&by.cookie),
        Some(json!({ "usernames": with })),
    )
    .await
}

/// The id of the direct room of `by` and these people, made if need be.
pub async fn direct_room(server: &impl Target, by: &User, with: &[&str]) -> u64 {
    let (status, body) = open_dm(server, by, with).await;
    assert_eq!(status, 200, "{body}");
    body["room"]["id"].as_u64().expect("a room id")
}

/// Text as one segment of a path (or a query value): everything but letters and digits
/// percent-encoded.
pub fn path_segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
