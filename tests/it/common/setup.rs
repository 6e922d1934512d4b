//! What many tests set up or read the same way, through the real API: who is signed in, a
//! private room with its members, the direct room of some people, the texts of a page of
//! history, the audit log.

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

/// The texts of a page of history (`{"messages":[…]}`), oldest first.
pub fn message_texts(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("no messages in {page}"))
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

/// The audit log as `admin` reads it through the API, oldest first (up to 200 entries).
pub async fn audit_entries(server: &impl Target, admin: &User) -> Vec<Value> {
    let path = "/api/v1/admin/audit?limit=200";
    let (status, log) = api(server, "GET", path, Some(&admin.cookie), None).await;
    assert_eq!(status, 200, "{log}");
    let mut entries = log["entries"].as_array().cloned().unwrap_or_default();
    entries.reverse();
    entries
}

/// An audit entry as `action target`.
pub fn action_and_target(entry: &Value) -> String {
    format!(
        "{} {}",
        entry["action"].as_str().unwrap(),
        entry["target"].as_str().unwrap()
    )
}
