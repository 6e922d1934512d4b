//! Search, from the outside: what a person finds through `GET /api/v1/search` and the
//! `/search` page, and what they never find — a private room they are not (or no longer) in, a
//! conversation of others — however they ask.

use std::time::Duration;

use crate::common::*;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use serde_json::{Value, json};

async fn search(server: &TestServer, user: &User, q: &str) -> (u16, Value) {
    api(
        server,
        "GET",
        &format!("/api/v1/search?q={}", path_segment(q)),
        Some(&user.cookie),
        None,
    )
    .await
}

fn texts(found: &Value) -> Vec<&str> {
    found["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {found}"))
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn words_match_in_any_case_and_accent_the_last_as_a_prefix_newest_first() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    a.join("general").await;
    b.join("general").await;
    a.join("Ops Room").await;
    a.say("general", "The **Budget** review is on Friday").await;
    b.say("general", "budget looks fine to me").await;
    a.say("Ops Room", "Deploying the budget service, café closed")
        .await;
    b.say("general", "unrelated chatter").await;

    let (status, found) = search(&server, &bob, "BUDGET").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        texts(&found),
        [
            "Deploying the budget service, café closed",
            "budget looks fine to me",
            "The **Budget** review is on Friday"
        ],
        "newest first, across rooms"
    );
    assert_eq!(found["more"], false);
    let first = &found["results"][0];
    assert_eq!(first["room"], "Ops Room");
    assert!(first["room_id"].as_u64().is_some(), "{first}");
    assert_eq!(first["user"], "alice");

    // Every word, the last as a prefix; accents and case folded away.
    assert_eq!(
        texts(&search(&server, &bob, "budget revi").await.1),
        ["The **Budget** review is on Friday"]
    );
    assert_eq!(
        texts(&search(&server, &bob, "CAFE").await.1),
        ["Deploying the budget service, café closed"]
    );
    assert!(texts(&search(&server, &bob, "budget xyz").await.1).is_empty());

    // from: and in:, quoted for a name with a space.
    assert_eq!(
        texts(&search(&server, &bob, "budget from:@bob").await.1),
        ["budget looks fine to me"]
    );
    assert_eq!(
        texts(&search(&server, &bob, "in:\"Ops Room\"").await.1),
        ["Deploying the budget service, café closed"]
    );
    assert_eq!(
        texts(&search(&server, &bob, "from:alice in:general").await.1),
        ["The **Budget** review is on Friday"]
    );
    assert!(texts(&search(&server, &bob, "from:nobody budget").await.1).is_empty());
}

#[tokio::test]
async fn an_edit_or_a_deletion_changes_what_search_finds_at_once() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    let room = a.join("notes").await["room_id"].as_u64().unwrap();
    let id = a.say("notes", "meet at the harbour").await["id"]
        .as_u64()
        .unwrap();
    let other = a.say("notes", "harbour lights").await["id"]
        .as_u64()
        .unwrap();
    a.send(json!({"type":"edit","room_id":room,"id":id,"text":"meet at the station"}))
        .await;
    a.recv_type("update").await;
    assert_eq!(
        texts(&search(&server, &alice, "harbour").await.1),
        ["harbour lights"]
    );
    assert_eq!(
        texts(&search(&server, &alice, "station").await.1),
        ["meet at the station"]
    );
    // A reaction changes nothing that is searched.
    a.send(json!({"type":"react","room_id":room,"id":id,"emoji":"👍"}))
        .await;
    a.recv_type("update").await;
    assert_eq!(texts(&search(&server, &alice, "meet").await.1).len(), 1);
    a.send(json!({"type":"delete","room_id":room,"id":other}))
        .await;
    a.recv_type("update").await;
    assert!(texts(&search(&server, &alice, "harbour").await.1).is_empty());
    assert!(texts(&search(&server, &alice, "lights").await.1).is_empty());
}

#[tokio::test]
async fn nobody_finds_what_they_may_not_read_on_the_api_or_the_page() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    signup(&server, "carol").await;
    let eve = signup(&server, "eve").await;
    let secret = private_room(&server, &alice, "Secret Plans", &["bob"]).await;
    let direct = direct_room(&server, &bob, &["carol"]).await;
    let mut a = connect(&server, &alice).await;
    a.join_id(secret).await;
    a.say_in(secret, "the zeppelin surprise is at noon").await;
    let mut b = connect(&server, &bob).await;
    b.join_id(direct).await;
    b.say_in(direct, "zeppelin tickets for two").await;
    b.join("lobby").await;
    b.say("lobby", "anyone seen a zeppelin").await;

    // The members find their messages, the direct room named null.
    let (_, found) = search(&server, &bob, "zeppelin").await;
    assert_eq!(texts(&found).len(), 3, "{found}");
    assert_eq!(found["results"][1]["room"], Value::Null);
    assert_eq!(found["results"][1]["room_id"], direct);

    // eve is in neither: only the open room's message, however she asks.
    for q in [
        "zeppelin",
        "zep",
        "zeppelin surprise",
        "in:\"Secret Plans\"",
        "in:\"Secret Plans\" zeppelin",
        "from:alice",
        "from:bob tickets",
    ] {
        let (status, found) = search(&server, &eve, q).await;
        assert_eq!(status, 200, "{q}: {found}");
        let got = texts(&found);
        assert!(
            got.iter().all(|t| *t == "anyone seen a zeppelin"),
            "{q} found {got:?}"
        );
    }
    let (status, html) = page(&server, "/search?q=zeppelin", Some(&eve.cookie)).await;
    assert_eq!(status, 200);
    assert!(html.contains("anyone seen a"), "{html}");
    assert!(!html.contains("surprise") && !html.contains("tickets"));

    // bob leaves the private room: it leaves his results at once.
    let (status, body) = api(
        &server,
        "DELETE",
        &format!("/api/v1/rooms/{}/members/bob", path_segment("Secret Plans")),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert!(status == 204 || status == 200, "{status} {body}");
    let got = search(&server, &bob, "zeppelin surprise").await.1;
    assert!(texts(&got).is_empty(), "{got}");
    let (_, html) = page(&server, "/search?q=surprise", Some(&bob.cookie)).await;
    assert!(!html.contains("at noon"), "{html}");

    // Signed out: nothing at all.
    let (status, body) = api(&server, "GET", "/api/v1/search?q=zeppelin", None, None).await;
    assert_eq!(status, 401, "{body}");
    let resp = http()
        .get(server.url("/search?q=zeppelin"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn pages_of_fifty_walk_every_result_once() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.ws_frame_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("one").await;
    a.join("two").await;
    for i in 0..120 {
        let room = if i % 3 == 0 { "two" } else { "one" };
        a.say(room, &format!("report number {i}")).await;
    }
    let mut seen = Vec::new();
    let mut before = String::new();
    loop {
        let (status, found) = api(
            &server,
            "GET",
            &format!("/api/v1/search?q=report{before}"),
            Some(&alice.cookie),
            None,
        )
        .await;
        assert_eq!(status, 200, "{found}");
        let results = found["results"].as_array().unwrap();
        assert!(results.len() <= 50);
        seen.extend(texts(&found).into_iter().map(str::to_owned));
        if found["more"] == false {
            break;
        }
        assert_eq!(results.len(), 50);
        let last = results.last().unwrap();
        before = format!("&before={}.{}.{}", last["ts"], last["room_id"], last["id"]);
    }
    let expected: Vec<String> = (0..120)
        .rev()
        .map(|i| format!("report number {i}"))
        .collect();
    assert_eq!(seen, expected);

    // The page links to the older results the same way.
    let (_, html) = page(&server, "/search?q=report", Some(&alice.cookie)).await;
    assert!(html.contains("Newest 50 results"), "{html}");
    assert!(html.contains("<mark>report</mark>"), "{html}");
    assert!(html.contains("&amp;before="), "{html}");
}

#[tokio::test]
async fn a_search_that_cannot_be_read_says_why() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    for (q, says) in [
        ("", "Type a word"),
        ("   ...  ", "Type a word"),
        ("from:", "needs a name"),
        ("in:a in:b", "once"),
        ("a b c d e f g h i", "at most 8 words"),
    ] {
        let (status, body) = search(&server, &alice, q).await;
        assert_eq!(status, 400, "{q}: {body}");
        assert_eq!(body["error"], "invalid_search", "{q}");
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{q}: {body}"
        );
    }
    let long = "x".repeat(301);
    assert_eq!(search(&server, &alice, &long).await.0, 400);
    let (status, body) = api(&server, "GET", "/api/v1/search", Some(&alice.cookie), None).await;
    assert_eq!((status, &body["error"]), (400, &json!("invalid_search")));
    let (status, body) = api(
        &server,
        "GET",
        "/api/v1/search?q=x&before=yesterday",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!((status, &body["error"]), (400, &json!("invalid_search")));
    assert!(body["message"].as_str().unwrap().contains("before"));

    let (status, html) = page(&server, "/search?q=from%3A", Some(&alice.cookie)).await;
    assert_eq!(status, 400);
    assert!(html.contains("needs a name after it"), "{html}");
    let (status, html) = page(&server, "/search", Some(&alice.cookie)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Search messages"));
}
