//! Invite links: a good one makes its follower a member; an expired, used-up, revoked or
//! tampered one is refused with one answer; signing up through a link lands in the room.

use crate::common::*;
use confab::clock::ManualClock;
use confab::config::ServeArgs;
use serde_json::{Value, json};

const START: u64 = 1_800_000_000_000;
const HOUR: u64 = 3_600_000;

async fn room_with_owner(server: &TestServer) -> User {
    let alice = signup(server, "alice").await;
    private_room(server, &alice, "Guild", &[]).await;
    alice
}

async fn invite(server: &TestServer, owner: &User, body: Value) -> (String, String) {
    let (status, made) = api(
        server,
        "POST",
        "/api/v1/rooms/Guild/invites",
        Some(&owner.cookie),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let url = made["invite"]["url"].as_str().unwrap().to_owned();
    let code = url.rsplit('/').next().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("http://{}/invite/", server.addr())),
        "{url}"
    );
    (code, made["invite"]["id"].as_str().unwrap().to_owned())
}

async fn accept(server: &TestServer, user: &User, code: &str) -> (u16, Value) {
    api(
        server,
        "POST",
        &format!("/api/v1/invites/{code}"),
        Some(&user.cookie),
        None,
    )
    .await
}

#[tokio::test]
async fn a_link_admits_its_followers_until_it_expires_is_used_up_or_revoked() {
    let clock = ManualClock::new(START);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let alice = room_with_owner(&server).await;
    let people: Vec<User> = futures_util::future::join_all(
        ["bea", "cal", "dan", "eli", "fay"].map(|name| signup(&server, name)),
    )
    .await;

    // Only owners make links.
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/rooms/Guild/invites",
        Some(&people[0].cookie),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404, "bea cannot even see the room");

    // A good link: its follower is a member, and their sockets hear of it.
    let (hourly, _) = invite(&server, &alice, json!({"expires_in_s": 3600})).await;
    let mut bea_chat = connect(&server, &people[0]).await;
    let (status, joined) = accept(&server, &people[0], &hourly).await;
    assert_eq!(
        (status, joined["room"]["name"].as_str()),
        (200, Some("Guild")),
        "{joined}"
    );
    assert_eq!(bea_chat.recv_type("room").await["event"], "added");
    // Following it again changes nothing and uses nothing up.
    assert_eq!(accept(&server, &people[0], &hourly).await.0, 200);

    // Expired: an hour later it no longer works.
    clock.advance_ms(HOUR);
    let expired = accept(&server, &people[1], &hourly).await;
    assert_eq!(expired.0, 404);
    assert_eq!(expired.1["error"], "invite_invalid");

    // Used up: a link for two.
    let (for_two, _) = invite(&server, &alice, json!({"max_uses": 2})).await;
    assert_eq!(accept(&server, &people[1], &for_two).await.0, 200);
    assert_eq!(accept(&server, &people[2], &for_two).await.0, 200);
    let used_up = accept(&server, &people[3], &for_two).await;
    assert_eq!(used_up, expired, "one answer for every bad link");

    // Revoked (a minute later, so the owner's list below has one order).
    clock.advance_ms(60_000);
    let (revocable, id) = invite(&server, &alice, json!({"expires_in_s": 0})).await;
    let (status, _) = api(
        &server,
        "DELETE",
        &format!("/api/v1/rooms/Guild/invites/{id}"),
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(accept(&server, &people[3], &revocable).await, expired);

    // Tampered with, or made up.
    let mut tampered = for_two.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        tampered.as_str(),
        "AAAAAAAAAAAAAAAAAAAAAA",
        "nonsense",
        "a-b_c~",
    ] {
        assert_eq!(accept(&server, &people[4], bad).await, expired, "{bad}");
    }

    // The owner sees each link with its use count; only a hash of each code is kept.
    let (_, listed) = api(
        &server,
        "GET",
        "/api/v1/rooms/Guild/invites",
        Some(&alice.cookie),
        None,
    )
    .await;
    let uses: Vec<(u64, bool)> = listed["invites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["uses"].as_u64().unwrap(), i["revoked"].as_bool().unwrap()))
        .collect();
    assert_eq!(uses, [(1, false), (2, false), (0, true)]);
    assert!(
        listed["invites"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("url").is_none())
    );
    let (_, members) = api(
        &server,
        "GET",
        "/api/v1/rooms/Guild/members",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(
        members["members"].as_array().unwrap().len(),
        4,
        "alice, bea, cal, dan"
    );
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Guild",
        Some(&people[3].cookie),
        None,
    )
    .await;
    assert_eq!(status, 404, "dan's links were all bad");
    let (data, _dir) = server.stop().await;
    let file = std::fs::read(data.join(confab::store::DB_FILE)).unwrap();
    for code in [&hourly, &for_two, &revocable] {
        assert!(
            !file.windows(code.len()).any(|w| w == code.as_bytes()),
            "a code is in the database"
        );
    }
}

#[tokio::test]
async fn signing_up_through_a_link_lands_in_the_room() {
    let server = TestServer::start().await;
    let alice = room_with_owner(&server).await;
    let (code, _) = invite(&server, &alice, json!({})).await;
    let client = http();

    // Signed out, the link leads to sign-up (or sign-in) and says nothing about the room.
    let page = client
        .get(server.url(&format!("/invite/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let next = format!("/signup?next=%2Finvite%2F{code}");
    assert!(html.contains(&next), "{html}");
    assert!(
        !html.contains("Guild"),
        "the room's name is for members and invitees signed in"
    );

    let signup_page = client
        .get(server.url(&next))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        signup_page.contains(&format!(r#"name="next" value="/invite/{code}""#)),
        "{signup_page}"
    );
    let resp = client
        .post(server.url("/signup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("username", "newcomer"),
            ("password", "newcomer password"),
            ("password_repeat", "newcomer password"),
            ("next", &format!("/invite/{code}")),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the recovery codes first");
    let cookie = cookie_pair(&resp).unwrap();
    let codes_page = resp.text().await.unwrap();
    assert!(
        codes_page.contains(r#"href="/rooms/Guild""#),
        "then straight into the room: {codes_page}"
    );
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Guild/messages",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "a member now");

    // Signed in, the link names the room and who made it, and joins with a POST.
    let bob = signup(&server, "bob").await;
    let page = client
        .get(server.url(&format!("/invite/{code}")))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Join Guild") && html.contains("alice"),
        "{html}"
    );
    let resp = client
        .post(server.url(&format!("/invite/{code}")))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            resp.headers()["location"].to_str().unwrap()
        ),
        (303, "/rooms/Guild")
    );

    // A bad link says so plainly, signed in or out, and nothing else.
    for cookie in [None, Some(bob.cookie.as_str())] {
        let mut request = client.get(server.url("/invite/AAAAAAAAAAAAAAAAAAAAAA"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let page = request.send().await.unwrap();
        assert_eq!(page.status(), 404);
        let html = page.text().await.unwrap();
        assert!(html.contains("This invite link is not valid"), "{html}");
        assert!(
            !html.contains("Guild") || cookie.is_some(),
            "no room named to an outsider"
        );
    }
}

#[tokio::test]
async fn signing_in_through_a_link_lands_in_the_room_too() {
    let server = TestServer::start().await;
    let alice = room_with_owner(&server).await;
    let carol = signup(&server, "carol").await;
    let (code, _) = invite(&server, &alice, json!({})).await;
    let resp = http()
        .post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("username", "carol"),
            ("password", &carol.password),
            ("next", &format!("/invite/{code}")),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/rooms/Guild");
}
