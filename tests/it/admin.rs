//! Running the server as its admins do, through `/admin` and `/api/v1/admin`: every refusal to a
//! member on every door, a disabled person's sockets closing within a second, roles that take
//! effect at once, and the audit log holding every action in order.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::*;

/// The first account of the server (its admin) and a member.
async fn admin_and_member(server: &TestServer) -> (User, User) {
    let root = signup(server, "root").await;
    let bob = signup(server, "bob").await;
    (root, bob)
}

/// A form on `/admin` posted by `who`, as their browser posts it.
async fn post_admin(
    server: &TestServer,
    who: &User,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    post_page(server, path, form, Some(&who.cookie)).await
}

/// `POST /api/v1/admin/users/{name}/actions` `{"action"}` as `who`.
async fn act(server: &TestServer, who: &User, name: &str, action: &str) -> (u16, Value) {
    let path = format!("/api/v1/admin/users/{name}/actions");
    let body = json!({ "action": action });
    api(server, "POST", &path, Some(&who.cookie), Some(body)).await
}

/// What the audit log says was done, oldest first: `action target` per entry.
async fn audit_actions(server: &TestServer, admin: &User) -> Vec<String> {
    let entries = audit_entries(server, admin).await;
    entries.iter().map(action_and_target).collect()
}

#[tokio::test]
async fn a_member_finds_no_admin_area_on_any_door() {
    let server = TestServer::start().await;
    let (root, bob) = admin_and_member(&server).await;
    let carol = signup(&server, "carol").await;
    connect(&server, &carol).await.join("lobby").await;

    // Pages: the very answer of a path that was never there, with nothing of the area in it.
    let (nowhere_status, nowhere) = page(&server, "/no-such-page", Some(&bob.cookie)).await;
    assert_eq!(nowhere_status, 404);
    for path in ["/admin", "/admin?q=root", "/admin/audit.jsonl"] {
        let (status, body) = page(&server, path, Some(&bob.cookie)).await;
        assert_eq!((status, &body), (404, &nowhere), "{path}");
        assert!(!body.contains("root"), "{path} names no admin");
    }
    let posts: [(&str, &[(&str, &str)]); 10] = [
        ("/admin/users", &[("name", "carol"), ("action", "disable")]),
        ("/admin/users", &[("name", "carol"), ("action", "ban")]),
        ("/admin/users", &[("name", "bob"), ("action", "promote")]),
        (
            "/admin/users",
            &[("name", "carol"), ("action", "end_sessions")],
        ),
        (
            "/admin/users",
            &[("name", "carol"), ("action", "sign_in_link")],
        ),
        (
            "/admin/settings",
            &[("signup", "closed"), ("room_creation", "admins")],
        ),
        (
            "/admin/invites",
            &[("action", "create"), ("lifetime", "7d")],
        ),
        ("/admin/rooms", &[("name", "lobby"), ("action", "archive")]),
        (
            "/admin/rooms",
            &[("name", "lobby"), ("action", "unarchive")],
        ),
        (
            "/admin/rooms",
            &[("name", "lobby"), ("action", "delete"), ("confirm", "yes")],
        ),
    ];
    for (path, form) in posts {
        let resp = post_page(&server, path, form, Some(&bob.cookie)).await;
        assert_eq!(resp.status(), 404, "{path} {form:?}");
        assert_eq!(resp.text().await.unwrap(), nowhere, "{path} {form:?}");
    }
    let (_, me) = page(&server, "/rooms", Some(&bob.cookie)).await;
    assert!(!me.contains("href=\"/admin\""), "no link to it either");
    let (_, theirs) = page(&server, "/rooms", Some(&root.cookie)).await;
    assert!(theirs.contains("href=\"/admin\""), "the admin has one");

    // The API: 404 `not_found`, as for an address that does not exist; 401 signed out.
    let (status, nowhere) = api(
        &server,
        "GET",
        "/api/v1/admin/nothing",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let calls = [
        ("GET", "/api/v1/admin/users", None),
        ("GET", "/api/v1/admin/users?q=ro", None),
        ("GET", "/api/v1/admin/audit", None),
        (
            "POST",
            "/api/v1/admin/users/carol/actions",
            Some(json!({"action": "disable"})),
        ),
        (
            "POST",
            "/api/v1/admin/users/bob/actions",
            Some(json!({"action": "promote"})),
        ),
        ("POST", "/api/v1/admin/users/carol/sign-in-link", None),
        ("GET", "/api/v1/admin/rooms", None),
        ("POST", "/api/v1/admin/rooms/lobby/archive", None),
        ("POST", "/api/v1/admin/rooms/lobby/unarchive", None),
        ("DELETE", "/api/v1/admin/rooms/lobby", None),
        ("GET", "/api/v1/admin/settings", None),
        (
            "PUT",
            "/api/v1/admin/settings",
            Some(json!({"signup": "closed"})),
        ),
        ("GET", "/api/v1/admin/invites", None),
        ("POST", "/api/v1/admin/invites", Some(json!({}))),
        ("DELETE", "/api/v1/admin/invites/0011223344556677", None),
    ];
    for (method, path, body) in &calls {
        let (status, answer) = api(&server, method, path, Some(&bob.cookie), body.clone()).await;
        assert_eq!(
            (status, answer["error"].clone()),
            (404, nowhere["error"].clone()),
            "{method} {path}"
        );
        assert!(!answer.to_string().contains("root"), "{method} {path}");
        let (status, answer) = api(&server, method, path, None, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("not_signed_in")),
            "{method} {path}"
        );
    }

    // Nothing was done, and nothing was written to the log.
    let (status, lobby) = api(
        &server,
        "GET",
        "/api/v1/rooms/lobby",
        Some(&carol.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "the room is still there: {lobby}");
    assert_eq!(lobby["room"].get("archived"), None, "and not archived");
    assert_eq!(login(&server, "carol", &carol.password).await.status(), 200);
    assert_eq!(
        signup(&server, "dave").await.name,
        "dave",
        "sign-up is still open"
    );
    assert_eq!(
        get_json(&server, "/api/v1/me", &bob.cookie).await["user"]["admin"],
        false
    );
    assert!(audit_actions(&server, &root).await.is_empty());
}

#[tokio::test]
async fn an_admin_disables_someone_from_the_page_and_their_sockets_close_within_a_second() {
    let server = TestServer::start().await;
    let (root, bob) = admin_and_member(&server).await;
    let mut chat = connect(&server, &bob).await;
    chat.join("lobby").await;
    let mut other_tab = connect(&server, &bob).await;
    other_tab.join("lobby").await;

    let (status, body) = page(&server, "/admin?q=bo", Some(&root.cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("aria-label=\"Disable bob\""), "{body}");
    assert!(
        !body.contains("aria-label=\"Disable root\""),
        "the search narrows the list"
    );

    let asked = Instant::now();
    let resp = post_admin(
        &server,
        &root,
        "/admin/users",
        &[("name", "bob"), ("action", "disable"), ("q", "bo")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "/admin?done=user.disable&name=bob&q=bo#people"
    );
    for socket in [&mut chat, &mut other_tab] {
        assert_eq!(socket.closed().await, Some(CloseCode::Library(4001)));
    }
    let took = asked.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "sockets closed after {took:?}"
    );
    assert_eq!(me(&server, &bob.cookie).await.status(), 401);
    let resp = login(&server, "bob", &bob.password).await;
    assert_eq!(resp.status(), 403);
    let (_, body) = page(
        &server,
        "/admin?done=user.disable&name=bob&q=bo",
        Some(&root.cookie),
    )
    .await;
    assert!(
        body.contains("bob is disabled and signed out everywhere."),
        "{body}"
    );
    assert!(body.contains("aria-label=\"Enable bob\""), "{body}");

    // Disabling again changes nothing, and says so.
    let resp = post_admin(
        &server,
        &root,
        "/admin/users",
        &[("name", "bob"), ("action", "disable")],
    )
    .await;
    assert_eq!(
        resp.headers()["location"],
        "/admin?done=unchanged&name=bob&q=#people"
    );

    let resp = post_admin(
        &server,
        &root,
        "/admin/users",
        &[("name", "bob"), ("action", "enable")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(login(&server, "bob", &bob.password).await.status(), 200);

    // A refusal is shown on the page, with its status.
    let resp = post_admin(
        &server,
        &root,
        "/admin/users",
        &[("name", "nobody"), ("action", "disable")],
    )
    .await;
    assert_eq!(resp.status(), 404);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("No account is called that.")
    );
    let resp = post_admin(
        &server,
        &root,
        "/admin/users",
        &[("name", "bob"), ("action", "explode")],
    )
    .await;
    assert_eq!(resp.status(), 400);
    let resp = post_admin(
        &server,
        &root,
        "/admin/users",
        &[("name", "root"), ("action", "demote")],
    )
    .await;
    assert_eq!(resp.status(), 409, "the last admin stays one");

    // A page post from another site is refused before it does anything.
    let resp = http()
        .post(server.url("/admin/users"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://elsewhere.example")
        .header("cookie", &root.cookie)
        .body(form(&[("name", "bob"), ("action", "disable")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    assert_eq!(
        audit_actions(&server, &root).await,
        ["user.disable bob", "user.enable bob"]
    );
}

#[tokio::test]
async fn roles_sessions_and_sign_in_links_through_the_api_take_effect_at_once_and_are_logged_in_order()
 {
    let server = TestServer::start().await;
    let (root, bob) = admin_and_member(&server).await;
    let carol = signup(&server, "carol").await;

    let (status, found) = api(
        &server,
        "GET",
        "/api/v1/admin/users?q=RO",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(usernames(&found["users"]), ["carol", "root"]);
    let (_, first) = api(
        &server,
        "GET",
        "/api/v1/admin/users?limit=1",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(
        (usernames(&first["users"]), &first["more"]),
        (vec!["bob"], &Value::Bool(true))
    );

    // A promotion makes Bob's open pages reconnect, and he administers at once.
    let mut bob_chat = connect(&server, &bob).await;
    let (status, done) = act(&server, &root, "bob", "promote").await;
    assert_eq!(
        (status, &done["changed"], &done["user"]["admin"]),
        (200, &json!(true), &json!(true)),
        "{done}"
    );
    assert_eq!(bob_chat.closed().await, Some(CloseCode::Library(4002)));
    let (status, again) = act(&server, &root, "bob", "promote").await;
    assert_eq!(
        (status, &again["changed"]),
        (200, &json!(false)),
        "nothing to change"
    );

    // Bob demotes root; root's admin area is gone with the next request.
    let (status, _) = act(&server, &bob, "root", "demote").await;
    assert_eq!(status, 200);
    let (status, _) = page(&server, "/admin", Some(&root.cookie)).await;
    assert_eq!(status, 404);
    let (status, refused) = act(&server, &root, "bob", "demote").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("not_found"))
    );
    let (status, refused) = act(&server, &bob, "bob", "demote").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("last_admin")),
        "{refused}"
    );
    let (status, refused) = act(&server, &bob, "nobody", "disable").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("user_not_found"))
    );
    let (status, refused) = act(&server, &bob, "carol", "explode").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("bad_request"))
    );

    // Ending Carol's sessions signs her out everywhere; a sign-in link lets her back in.
    let mut carol_chat = connect(&server, &carol).await;
    let (status, done) = act(&server, &bob, "carol", "end_sessions").await;
    assert_eq!(
        (status, &done["sessions_ended"]),
        (200, &json!(1)),
        "{done}"
    );
    assert_eq!(carol_chat.closed().await, Some(CloseCode::Library(4001)));
    assert_eq!(me(&server, &carol.cookie).await.status(), 401);
    let (status, link) = api(
        &server,
        "POST",
        "/api/v1/admin/users/carol/sign-in-link",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap();
    let path = url
        .strip_prefix(&server.origin())
        .expect("a link to this server");
    assert!(path.starts_with("/reset/"), "{url}");
    let (status, form) = page(&server, path, None).await;
    assert_eq!(status, 200);
    assert!(form.contains("carol"), "the link is carol's: {form}");

    // The log: every change, in order, by whom and from where; no refusal and no no-op.
    let (_, log) = api(
        &server,
        "GET",
        "/api/v1/admin/audit?limit=2",
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(log["more"], true);
    let newest = &log["entries"][0];
    assert_eq!(
        (
            newest["action"].as_str(),
            newest["target"].as_str(),
            newest["by"].as_str(),
            newest["from"].as_str()
        ),
        (
            Some("user.sign_in_link"),
            Some("carol"),
            Some("bob"),
            Some("127.0.0.1")
        )
    );
    let before = log["entries"][1]["id"].as_u64().unwrap();
    let (_, older) = api(
        &server,
        "GET",
        &format!("/api/v1/admin/audit?before={before}"),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(older["entries"].as_array().unwrap().len(), 2);
    assert_eq!(older["more"], false);
    let expected = [
        "user.promote bob",
        "user.demote root",
        "user.end_sessions carol",
        "user.sign_in_link carol",
    ];
    assert_eq!(audit_actions(&server, &bob).await, expected);

    // The download: the same entries, oldest first, one JSON object a line; never the link.
    let resp = http()
        .get(server.url("/admin/audit.jsonl"))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains(path.trim_start_matches("/reset/")),
        "the link's token is never kept"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let downloaded: Vec<String> = lines
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["target"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(downloaded, expected);
    let ids: Vec<u64> = lines.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[tokio::test]
async fn sign_up_and_room_making_are_as_the_admins_choose_and_invite_links_let_people_in() {
    let server = TestServer::start().await;
    let root = signup(&server, "root").await;
    let settings = |body: Value| {
        let cookie = root.cookie.clone();
        let server = &server;
        async move {
            api(
                server,
                "PUT",
                "/api/v1/admin/settings",
                Some(&cookie),
                Some(body),
            )
            .await
        }
    };
    let join = |name: &str, password: &str, invite: Option<&str>| {
        let body = json!({"username": name, "password": password, "invite": invite});
        let server = &server;
        async move { api(server, "POST", "/api/v1/auth/signup", None, Some(body)).await }
    };
    let (_, now) = api(
        &server,
        "GET",
        "/api/v1/admin/settings",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(
        now,
        json!({"signup": "open", "signup_chosen": false, "room_creation": "everyone"})
    );

    // By invitation: no invite, no account; the page says so and offers no form.
    let (status, now) = settings(json!({"signup": "invite"})).await;
    assert_eq!(
        (status, &now["signup"], &now["signup_chosen"]),
        (200, &json!("invite"), &json!(true))
    );
    let (status, refused) = join("ann", "ann password", None).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("invite_required")),
        "{refused}"
    );
    let (_, page_now) = page(&server, "/signup", None).await;
    assert!(
        page_now.contains("by invitation") && !page_now.contains("name=\"password\""),
        "{page_now}"
    );

    // A link for one account: its page offers the form; it makes ann, and nobody after her.
    let (status, made) = api(
        &server,
        "POST",
        "/api/v1/admin/invites",
        Some(&root.cookie),
        Some(json!({"max_uses": 1, "expires_in_s": 3600})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let url = made["url"].as_str().unwrap();
    let code = url
        .split("invite=")
        .nth(1)
        .expect("the code is in the link");
    assert!(
        url.starts_with(&format!("{}/signup?invite=", server.origin())),
        "{url}"
    );
    let (_, invited) = page(&server, &format!("/signup?invite={code}"), None).await;
    assert!(
        invited.contains(&format!("name=\"invite\" value=\"{code}\"")),
        "{invited}"
    );
    let resp = post_page(
        &server,
        "/signup",
        &[
            ("username", "ann"),
            ("password", "ann password"),
            ("password_repeat", "ann password"),
            ("invite", code),
        ],
        None,
    )
    .await;
    assert_eq!(resp.status(), 200, "the recovery codes page");
    assert_eq!(login(&server, "ann", "ann password").await.status(), 200);
    let (status, refused) = join("ben", "ben password", Some(code)).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("invite_invalid")),
        "used up"
    );
    let (status, refused) = join("ben", "ben password", Some("not-a-code")).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("invite_invalid"))
    );
    let (_, used) = page(&server, &format!("/signup?invite={code}"), None).await;
    assert!(used.contains("not valid"), "{used}");

    // A revoked link makes nobody; neither does any link while sign-up is closed.
    let (_, second) = api(
        &server,
        "POST",
        "/api/v1/admin/invites",
        Some(&root.cookie),
        Some(json!({})),
    )
    .await;
    let id = second["id"].as_str().unwrap();
    let second_code = second["url"]
        .as_str()
        .unwrap()
        .split("invite=")
        .nth(1)
        .unwrap()
        .to_owned();
    let (status, _) = api(
        &server,
        "DELETE",
        &format!("/api/v1/admin/invites/{id}"),
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, again) = api(
        &server,
        "DELETE",
        &format!("/api/v1/admin/invites/{id}"),
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, again["error"].as_str()),
        (404, Some("invite_invalid"))
    );
    let (status, _) = join("ben", "ben password", Some(&second_code)).await;
    assert_eq!(status, 404);
    let (_, third) = api(
        &server,
        "POST",
        "/api/v1/admin/invites",
        Some(&root.cookie),
        Some(json!({})),
    )
    .await;
    let third_code = third["url"]
        .as_str()
        .unwrap()
        .split("invite=")
        .nth(1)
        .unwrap()
        .to_owned();
    settings(json!({"signup": "closed"})).await;
    let (status, refused) = join("ben", "ben password", Some(&third_code)).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("signup_closed"))
    );
    let (_, listed) = api(
        &server,
        "GET",
        "/api/v1/admin/invites",
        Some(&root.cookie),
        None,
    )
    .await;
    let states: Vec<(u64, bool, bool)> = listed["invites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["uses"].as_u64().unwrap(),
                i["revoked"].as_bool().unwrap(),
                i["usable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [(0, false, true), (0, true, false), (1, false, false)],
        "newest first"
    );

    // Only admins make rooms: a member may still join what exists and start a conversation.
    let ann = User {
        name: "ann".into(),
        password: "ann password".into(),
        cookie: cookie_pair(&login(&server, "ann", "ann password").await).unwrap(),
    };
    let mut root_chat = connect(&server, &root).await;
    root_chat.join("general").await;
    settings(json!({"room_creation": "admins"})).await;
    let mut ann_chat = connect(&server, &ann).await;
    ann_chat
        .send(json!({"type": "join", "room": "ann-land"}))
        .await;
    let refused = ann_chat.recv_type("error").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("only its admins"),
        "{refused}"
    );
    let (status, refused) = api(
        &server,
        "POST",
        "/api/v1/rooms",
        Some(&ann.cookie),
        Some(json!({"name": "ann-room", "kind": "private"})),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    ann_chat.join("general").await;
    direct_room(&server, &ann, &["root"]).await;
    root_chat.join("admins-only-room").await;

    // The settings form on the page, and the log of every change.
    let resp = post_admin(
        &server,
        &root,
        "/admin/settings",
        &[("signup", "open"), ("room_creation", "everyone")],
    )
    .await;
    assert_eq!(resp.headers()["location"], "/admin?done=settings#server");
    let resp = post_admin(
        &server,
        &root,
        "/admin/settings",
        &[("signup", "open"), ("room_creation", "everyone")],
    )
    .await;
    assert_eq!(
        resp.headers()["location"],
        "/admin?done=settings-unchanged#server"
    );
    let resp = post_admin(
        &server,
        &root,
        "/admin/settings",
        &[("signup", "sometimes")],
    )
    .await;
    assert_eq!(resp.status(), 400);
    let resp = post_admin(
        &server,
        &root,
        "/admin/invites",
        &[("action", "create"), ("lifetime", "1d"), ("max_uses", "5")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("/signup?invite="),
        "the page shows the new link once"
    );
    let resp = post_admin(
        &server,
        &root,
        "/admin/invites",
        &[("action", "create"), ("lifetime", "forever")],
    )
    .await;
    assert_eq!(resp.status(), 400);
    let log = audit_actions(&server, &root).await;
    let settings_changed = "settings.change server".to_owned();
    let expected = [
        settings_changed.clone(),
        format!("invite.create {}", made["id"].as_str().unwrap()),
        format!("invite.create {id}"),
        format!("invite.revoke {id}"),
        format!("invite.create {}", third["id"].as_str().unwrap()),
        settings_changed.clone(),
        settings_changed.clone(),
        settings_changed,
    ];
    assert_eq!(log[..expected.len()], expected, "{log:?}");
    assert_eq!(log.len(), expected.len() + 1, "{log:?}");
    assert!(log[expected.len()].starts_with("invite.create "), "{log:?}");
}

#[tokio::test]
async fn admins_list_every_room_but_private_ones_by_name_and_size_only() {
    let server = TestServer::start().await;
    let root = signup(&server, "root").await;
    let bob = signup(&server, "bob").await;
    signup(&server, "carol").await;
    let secret = private_room(&server, &bob, "Secret Plans", &["carol"]).await;
    let mut chat = connect(&server, &bob).await;
    chat.join("lobby").await;
    chat.join_id(secret).await;
    chat.say_in(secret, "hush-hush words").await;
    direct_room(&server, &bob, &["carol"]).await;

    let (status, listed) = api(
        &server,
        "GET",
        "/api/v1/admin/rooms",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let rooms = listed["rooms"].as_array().unwrap();
    let names: Vec<&str> = rooms.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["lobby", "Secret Plans"],
        "by name, and no conversation"
    );
    assert_eq!(
        (
            &rooms[1]["kind"],
            &rooms[1]["members"],
            &rooms[1]["last_activity"],
            &rooms[1]["created_at"]
        ),
        (&json!("private"), &json!(2), &Value::Null, &Value::Null)
    );
    assert_eq!(
        (&rooms[0]["kind"], &rooms[0]["members"]),
        (&json!("open"), &json!(1))
    );
    assert!(rooms[0]["last_activity"].as_u64().is_some());
    let (_, found) = api(
        &server,
        "GET",
        "/api/v1/admin/rooms?q=SECRET",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(found["rooms"].as_array().unwrap().len(), 1);
    let (_, first) = api(
        &server,
        "GET",
        "/api/v1/admin/rooms?limit=1",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(
        (first["rooms"].as_array().unwrap().len(), &first["more"]),
        (1, &json!(true))
    );

    // The page: the private room's name and size, never what is said in it or a way in.
    let (status, body) = page(&server, "/admin?rq=secret", Some(&root.cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Secret Plans"), "{body}");
    assert!(!body.contains("hush-hush"), "no message of it");
    assert!(!body.contains("href=\"/rooms/Secret"), "no link into it");
    let (status, _) = page(&server, "/rooms/Secret%20Plans", Some(&root.cookie)).await;
    assert_eq!(status, 404, "an admin who is not a member cannot open it");
}

/// The next `room` frame of this `event` (`changed`, `removed`) about `room_id` on this socket.
async fn room_event(chat: &mut Chat, room_id: u64, event: &str) -> Value {
    loop {
        let frame = chat.recv_type("room").await;
        if frame["room_id"] == room_id && frame["event"] == event {
            return frame;
        }
    }
}

#[tokio::test]
async fn an_archived_room_is_read_but_never_changed_and_a_deleted_one_is_gone_for_everyone_at_once()
{
    let server = TestServer::start().await;
    let root = signup(&server, "root").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    let mut bobs = connect(&server, &bob).await;
    bobs.join("town").await;
    let town = bobs.id("town");
    let hello = bobs.say("town", "hello town").await;
    let hello_id = hello["id"].as_u64().unwrap();
    let mut carols = connect(&server, &carol).await;
    carols.join("town").await;

    // Archived from the page: the members' pages learn it at once, and nothing changes.
    let resp = post_admin(
        &server,
        &root,
        "/admin/rooms",
        &[("name", "town"), ("action", "archive")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let changed = room_event(&mut bobs, town, "changed").await;
    assert_eq!(
        (
            &changed["room"]["archived"],
            &changed["room"]["may"]["post"]
        ),
        (&json!(true), &json!(false)),
        "{changed}"
    );
    let refused = bobs.say_in(town, "still here?").await;
    assert_eq!(refused["code"], "room_archived", "{refused}");
    for frame in [
        json!({"type":"react","room_id":town,"id":hello_id,"emoji":"👍"}),
        json!({"type":"edit","room_id":town,"id":hello_id,"text":"changed"}),
        json!({"type":"delete","room_id":town,"id":hello_id}),
    ] {
        bobs.send(frame.clone()).await;
        let error = bobs.recv_type("error").await;
        assert_eq!(error["code"], "room_archived", "{frame}: {error}");
    }
    let (status, answer) = api(
        &server,
        "PATCH",
        "/api/v1/rooms/town",
        Some(&bob.cookie),
        Some(json!({"topic": "new"})),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("room_archived"))
    );
    let (status, answer) = api(
        &server,
        "POST",
        "/api/v1/rooms/town/invites",
        Some(&bob.cookie),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("room_archived"))
    );
    // Read as ever, and joined by someone new, who learns it is archived.
    let history = get_json(&server, "/api/v1/rooms/town/messages", &carol.cookie).await;
    assert_eq!(message_texts(&history), ["hello town"]);
    let mut roots = connect(&server, &root).await;
    let joined = roots.join("town").await;
    assert_eq!(
        (&joined["archived"], &joined["may"]["post"]),
        (&json!(true), &json!(false))
    );
    let (_, page_body) = page(&server, "/admin?rq=town", Some(&root.cookie)).await;
    assert!(page_body.contains("Open, archived"), "{page_body}");
    assert!(page_body.contains("Unarchive"), "{page_body}");

    // Over the API: archiving it again changes nothing; unarchiving opens it.
    let (status, again) = api(
        &server,
        "POST",
        "/api/v1/admin/rooms/TOWN/archive",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!((status, &again["changed"]), (200, &json!(false)));
    let (status, opened) = api(
        &server,
        "POST",
        "/api/v1/admin/rooms/town/unarchive",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!((status, &opened["changed"]), (200, &json!(true)));
    let changed = room_event(&mut bobs, town, "changed").await;
    assert_eq!(changed["room"].get("archived"), None, "{changed}");
    bobs.say("town", "open again").await;

    // Deleted from the page: refused until the box is ticked, then gone for everyone.
    let resp = post_admin(
        &server,
        &root,
        "/admin/rooms",
        &[("name", "town"), ("action", "delete")],
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("Tick the box"));
    let resp = post_admin(
        &server,
        &root,
        "/admin/rooms",
        &[("name", "town"), ("action", "delete"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    for chat in [&mut bobs, &mut carols, &mut roots] {
        let gone = room_event(chat, town, "removed").await;
        assert_eq!(gone["reason"], "deleted", "{gone}");
        // Nothing of it is followed any more.
        chat.send(json!({"type":"send","room_id":town,"text":"anyone?"}))
            .await;
        let refused = chat.recv_type("error").await;
        assert_eq!(refused["code"], "not_joined", "{refused}");
    }
    for user in [&bob, &carol, &root] {
        let (status, answer) = api(
            &server,
            "GET",
            "/api/v1/rooms/town/messages",
            Some(&user.cookie),
            None,
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (404, Some("room_not_found"))
        );
        let rooms = get_json(&server, "/api/v1/rooms", &user.cookie).await;
        assert!(!rooms.to_string().contains("\"town\""), "{rooms}");
    }
    // Its name is free: a new town holds nothing of the old one.
    let mut fresh = connect(&server, &carol).await;
    let joined = fresh.join("town").await;
    assert_ne!(joined["room_id"], town);
    assert_eq!(joined["role"], "owner");
    assert_eq!(joined["messages"], json!([]));

    // A private room, over the API: its members lose it too.
    let den = private_room(&server, &bob, "Den", &["carol"]).await;
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/admin/rooms/den",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &server,
        "GET",
        "/api/v1/rooms/Den",
        Some(&carol.cookie),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, answer) = api(
        &server,
        "DELETE",
        "/api/v1/admin/rooms/den",
        Some(&root.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (404, Some("room_not_found")),
        "room {den} is gone"
    );

    assert_eq!(
        audit_actions(&server, &root).await,
        [
            "room.archive town",
            "room.unarchive town",
            "room.delete town",
            "room.delete Den"
        ]
    );
}
