//! The server-rendered pages, used the way a browser without JavaScript would.

use crate::common::*;

async fn post_form(
    server: &TestServer,
    path: &str,
    body: String,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = http()
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", server.origin())
        .header("sec-fetch-site", "same-origin")
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

async fn get(server: &TestServer, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = http().get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

fn location(resp: &reqwest::Response) -> &str {
    resp.headers()["location"].to_str().unwrap()
}

#[tokio::test]
async fn the_signup_form_creates_an_account_signs_in_and_goes_to_rooms() {
    let server = TestServer::start().await;
    let page = get(&server, "/signup", None).await.text().await.unwrap();
    assert!(
        page.contains(r#"<label for="username">"#) && page.contains(r#"name="password_repeat""#)
    );

    let body = form(&[
        ("username", "alice"),
        ("password", "alice password"),
        ("password_repeat", "alice password"),
    ]);
    let resp = post_form(&server, "/signup", body, None).await;
    assert_eq!(resp.status(), 200, "the recovery codes, shown once");
    let cookie = cookie_pair(&resp).unwrap();
    let codes_page = resp.text().await.unwrap();
    assert!(
        codes_page.contains("Save your recovery codes"),
        "{codes_page}"
    );
    assert!(
        codes_page.contains(r#"<a class="button primary" href="/rooms">"#),
        "it goes on to the rooms: {codes_page}"
    );
    let rooms = get(&server, "/rooms", Some(&cookie)).await;
    assert_eq!(rooms.status(), 200);
    assert_eq!(
        rooms.headers()["cache-control"],
        "no-store",
        "Back after sign-out must not show it"
    );
    let html = rooms.text().await.unwrap();
    assert!(html.contains("Join a room") && html.contains("alice"));
}

#[tokio::test]
async fn signup_errors_are_shown_inline_and_keep_the_username() {
    let server = TestServer::start().await;
    let body = form(&[
        ("username", "bob"),
        ("password", "bob password"),
        ("password_repeat", "different"),
    ]);
    let resp = post_form(&server, "/signup", body, None).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(html.contains("The two passwords differ."), "{html}");
    assert!(html.contains(r#"value="bob""#));

    signup(&server, "carol").await;
    let body = form(&[
        ("username", "CAROL"),
        ("password", "carol password"),
        ("password_repeat", "carol password"),
    ]);
    let resp = post_form(&server, "/signup", body, None).await;
    assert_eq!(resp.status(), 409);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("That username is taken.")
    );
}

#[tokio::test]
async fn login_form_gives_one_message_for_any_wrong_credentials() {
    let server = TestServer::start().await;
    let user = signup(&server, "dave").await;
    for (name, password) in [("dave", "wrong password"), ("nobody", "wrong password")] {
        let resp = post_form(
            &server,
            "/login",
            form(&[("username", name), ("password", password)]),
            None,
        )
        .await;
        assert_eq!(resp.status(), 401);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("Username or password is incorrect.")
        );
    }
    let body = form(&[
        ("username", "dave"),
        ("password", &user.password),
        ("next", "/rooms/lobby"),
    ]);
    let resp = post_form(&server, "/login", body, None).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/rooms/lobby");
    // An offsite `next` is ignored.
    let body = form(&[
        ("username", "dave"),
        ("password", &user.password),
        ("next", "//evil.example/"),
    ]);
    let resp = post_form(&server, "/login", body, None).await;
    assert_eq!(location(&resp), "/rooms");
}

#[tokio::test]
async fn signed_in_visitors_skip_the_login_page_and_signed_out_ones_are_sent_to_it() {
    let server = TestServer::start().await;
    let user = signup(&server, "erin").await;
    let resp = get(&server, "/login", Some(&user.cookie)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/rooms");

    let resp = get(&server, "/rooms/lobby", None).await;
    assert_eq!(resp.status(), 303);
    assert!(
        location(&resp).starts_with("/login?next="),
        "{}",
        location(&resp)
    );
    let resp = get(&server, "/rooms", None).await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn logout_is_a_post_that_deletes_the_session() {
    let server = TestServer::start().await;
    let user = signup(&server, "frank").await;
    let page = get(&server, "/logout", Some(&user.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"action="/logout""#));
    let resp = post_form(&server, "/logout", String::new(), Some(&user.cookie)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/");
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        get(&server, "/rooms", Some(&user.cookie)).await.status(),
        303
    );
}

#[tokio::test]
async fn forms_posted_from_another_site_are_refused() {
    let server = TestServer::start().await;
    let user = signup(&server, "grace").await;
    let resp = http()
        .post(server.url("/logout"))
        .header("cookie", &user.cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("another site"));
    assert_eq!(
        get(&server, "/rooms", Some(&user.cookie)).await.status(),
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn the_join_box_goes_to_the_room_by_name_or_number() {
    let server = TestServer::start().await;
    let user = signup(&server, "heidi").await;
    for (typed, path) in [
        ("lobby", "/rooms/lobby"),
        ("42", "/rooms/42"),
        ("  Big Room  ", "/rooms/Big%20Room"),
    ] {
        let query = form(&[("room", typed)]);
        let resp = get(&server, &format!("/rooms?{query}"), Some(&user.cookie)).await;
        assert_eq!(resp.status(), 303, "{typed}");
        assert_eq!(location(&resp), path);
    }
    let resp = get(&server, "/rooms?room=%20%20", Some(&user.cookie)).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("Room name is empty."));
}

#[tokio::test]
async fn the_chat_page_names_the_room_as_first_created_and_escapes_everything() {
    let server = TestServer::start().await;
    let user = signup(&server, "ivan").await;
    let mut chat = connect(&server, &user).await;
    chat.join("<script>alert(1)</script>").await;

    let resp = get(
        &server,
        "/rooms/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        Some(&user.cookie),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "user text is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<title>&lt;script&gt;"));
    // No inline script: every script has a src on this site.
    assert!(!html.contains("<script>"));
    assert!(html.contains(r#"<script type="module" src="/assets/"#));
    assert!(html.contains(r#"/js/app.js"></script>"#));

    let rooms = get(&server, "/rooms", Some(&user.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(rooms.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(rooms.contains(r#"href="/rooms/%3Cscript%3Ealert%281%29%3C%2Fscript%3E""#));

    let typed_lower = get(
        &server,
        "/rooms/%3CSCRIPT%3Ealert(1)%3C%2FSCRIPT%3E",
        Some(&user.cookie),
    )
    .await;
    assert!(
        typed_lower
            .text()
            .await
            .unwrap()
            .contains("<h1 class=\"room-title\" id=\"room-title\">&lt;script&gt;")
    );
}

#[tokio::test]
async fn assets_are_served_under_hashed_names_with_long_cache_lifetimes() {
    let server = TestServer::start().await;
    let html = get(&server, "/", None).await.text().await.unwrap();
    let css = html
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with("/css/base.css"))
        .expect("stylesheet link in the hashed folder")
        .to_owned();
    let tree = css
        .trim_start_matches("/assets/")
        .trim_end_matches("/css/base.css");
    assert_eq!(tree.len(), 10, "{css}");
    let resp = get(&server, &css, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    // The browser code's modules, by their relative imports, come from the same folder.
    let module = get(&server, &format!("/assets/{tree}/js/lib/protocol.js"), None).await;
    assert_eq!(module.status(), 200);
    assert!(
        module.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        get(&server, "/assets/css/base.css", None).await.status(),
        404
    );
    assert_eq!(
        get(&server, "/assets/0000000000/css/base.css", None)
            .await
            .status(),
        404,
        "another build's folder"
    );
    assert_eq!(
        get(&server, &format!("/assets/{tree}/nothing.js"), None)
            .await
            .status(),
        404
    );
    let favicon = get(&server, "/favicon.ico", None).await;
    assert_eq!(favicon.status(), 301);
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404() {
    let server = TestServer::start().await;
    let resp = get(&server, "/definitely/not/here", None).await;
    assert_eq!(resp.status(), 404);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(resp.text().await.unwrap().contains("Go to the home page"));
    let api = get(&server, "/api/v1/nothing", None).await;
    assert_eq!(api.status(), 404);
    assert_eq!(
        api.json::<serde_json::Value>().await.unwrap()["error"],
        "not_found"
    );
}

#[tokio::test]
async fn a_private_room_is_made_shared_and_managed_with_forms_alone() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let cookie = Some(alice.cookie.as_str());
    let made = post_form(
        &server,
        "/rooms",
        form(&[
            ("name", "Choir"),
            ("kind", "private"),
            ("topic", "Tuesdays"),
        ]),
        cookie,
    )
    .await;
    assert_eq!(
        (made.status().as_u16(), location(&made)),
        (303, "/rooms/Choir")
    );
    let taken = post_form(
        &server,
        "/rooms",
        form(&[("name", "choir"), ("kind", "open")]),
        cookie,
    )
    .await;
    assert_eq!(taken.status(), 409);
    let html = taken.text().await.unwrap();
    assert!(
        html.contains("That room name is taken.") && html.contains(r#"value="choir""#),
        "{html}"
    );

    // Add bob by username; he reads it now.
    let settings = "/rooms/Choir/settings";
    let added = post_form(
        &server,
        settings,
        form(&[("action", "add"), ("username", "bob")]),
        cookie,
    )
    .await;
    assert_eq!(added.status(), 200);
    assert!(added.text().await.unwrap().contains("bob is a member now."));
    assert_eq!(
        get(&server, "/rooms/Choir", Some(&bob.cookie))
            .await
            .status(),
        200
    );

    // An invite link, shown once on the page.
    let invited = post_form(
        &server,
        settings,
        form(&[("action", "invite"), ("expires", "1d"), ("max_uses", "3")]),
        cookie,
    )
    .await;
    let html = invited.text().await.unwrap();
    let start = html.find("/invite/").expect("the page shows the link");
    let code: String = html[start + 8..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let carol = signup(&server, "carol").await;
    let joined = post_form(
        &server,
        &format!("/invite/{code}"),
        String::new(),
        Some(&carol.cookie),
    )
    .await;
    assert_eq!(
        (joined.status().as_u16(), location(&joined)),
        (303, "/rooms/Choir")
    );

    // Only owners manage it; bob's attempt is refused and says so.
    let refused = post_form(
        &server,
        settings,
        form(&[("action", "remove"), ("username", "carol")]),
        Some(&bob.cookie),
    )
    .await;
    assert_eq!(refused.status(), 403);
    // The owner removes bob; his page of the room is now a room that does not exist.
    let removed = post_form(
        &server,
        settings,
        form(&[("action", "remove"), ("username", "bob")]),
        cookie,
    )
    .await;
    assert!(removed.text().await.unwrap().contains("bob was removed."));
    assert_eq!(
        get(&server, "/rooms/Choir", Some(&bob.cookie))
            .await
            .status(),
        404
    );

    // Renamed and opened: the page moves with the name, and anyone may join.
    let renamed = post_form(
        &server,
        settings,
        form(&[
            ("action", "update"),
            ("name", "Big Choir"),
            ("topic", ""),
            ("kind", "open"),
        ]),
        cookie,
    )
    .await;
    assert_eq!(
        (renamed.status().as_u16(), location(&renamed)),
        (303, "/rooms/Big%20Choir/settings")
    );
    assert_eq!(
        get(&server, "/rooms/Big%20Choir", Some(&bob.cookie))
            .await
            .status(),
        200
    );
    let nonsense = post_form(
        &server,
        "/rooms/Big%20Choir/settings",
        form(&[("action", "explode")]),
        cookie,
    )
    .await;
    assert_eq!(nonsense.status(), 400);
}
