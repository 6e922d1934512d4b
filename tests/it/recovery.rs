//! Getting back into an account: recovery codes from sign-up (used once, regenerated after the
//! password), `/recover` and its refusals, an operator's one-hour sign-in link, and the list of
//! signed-in devices with signing them out. Each refusal is checked from the refused side.

use std::time::{Duration, Instant};

use crate::common::*;
use confab::clock::ManualClock;
use confab::config::{ServeArgs, UserCommand};
use confab::ratelimit::Rate;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const UNLIMITED: Rate = Rate::new(1_000_000, Duration::from_millis(1));
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// Signs up through the API from a browser with this user agent; returns the account and its
/// recovery codes.
async fn sign_up_with_codes(server: &impl Target, name: &str, agent: &str) -> (User, Vec<String>) {
    let password = format!("{name}-password");
    let resp = http()
        .post(server.url("/api/v1/auth/signup"))
        .header("user-agent", agent)
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let cookie = cookie_pair(&resp).unwrap();
    let body: Value = resp.json().await.unwrap();
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let user = User {
        name: name.into(),
        password,
        cookie,
    };
    (user, codes)
}

async fn recover(
    server: &impl Target,
    name: &str,
    code: &str,
    new_password: &str,
) -> reqwest::Response {
    http()
        .post(server.url("/api/v1/auth/recover"))
        .json(&json!({"username": name, "code": code, "new_password": new_password}))
        .send()
        .await
        .unwrap()
}

async fn status_and_body(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_recovery_code_sets_a_new_password_once_and_ends_every_other_session() {
    // More wrong guesses than the sign-in limits allow (those have a test of their own).
    let mut config = ServeArgs::default();
    config.limits.signin_account_rate = UNLIMITED;
    let server = TestServer::start_with(config).await;
    let (alice, codes) = sign_up_with_codes(&server, "alice", FIREFOX).await;
    assert_eq!(codes.len(), 10);
    for code in &codes {
        assert!(
            code.len() == 19 && code.split('-').all(|g| g.len() == 4),
            "{code}"
        );
    }
    let mut old_tab = connect(&server, &alice).await;

    // Typed the way people type: upper case and spaces.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let resp = recover(&server, "ALICE", &typed, "a brand new password").await;
    assert_eq!(resp.status(), 200);
    let fresh = cookie_pair(&resp).expect("signed in");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["username"], "alice");
    assert_eq!(old_tab.closed().await, Some(CloseCode::Library(4001)));
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(status, 401, "the old session ended");
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&fresh), None).await;
    assert_eq!(status, 200);
    assert_eq!(login(&server, "alice", &alice.password).await.status(), 401);
    assert_eq!(
        login(&server, "alice", "a brand new password")
            .await
            .status(),
        200
    );

    // The code is used up; every kind of wrong answer looks the same.
    let (status, used) =
        status_and_body(recover(&server, "alice", &codes[0], "another password").await).await;
    assert_eq!(status, 401);
    assert_eq!(used["error"], "recovery_failed");
    for (name, code) in [
        ("alice", "zzzz-zzzz-zzzz-zzzz"),
        ("nobody", codes[1].as_str()),
        ("alice", "not a code at all"),
        ("alice", ""),
    ] {
        let answer = status_and_body(recover(&server, name, code, "another password").await).await;
        assert_eq!(answer, (401, used.clone()), "{name} / {code}");
    }
    // A new password that breaks the rules is refused before the code is looked at.
    let (status, body) = status_and_body(recover(&server, "alice", &codes[1], "short").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_password"))
    );

    // The other nine still work.
    let resp = recover(&server, "alice", &codes[1], "third password here").await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn recovery_attempts_count_against_the_sign_in_limits() {
    let mut config = ServeArgs::default();
    config.limits.signin_account_rate = Rate::new(3, Duration::from_secs(3600));
    config.limits.signin_ip_rate = UNLIMITED;
    let server = TestServer::start_with(config).await;
    let (bob, codes) = sign_up_with_codes(&server, "bob", FIREFOX).await;
    for _ in 0..3 {
        let resp = recover(&server, "bob", "zzzz-zzzz-zzzz-zzzz", "new password!").await;
        assert_eq!(resp.status(), 401);
    }
    let resp = recover(&server, "bob", &codes[0], "new password!").await;
    assert_eq!(
        resp.status(),
        429,
        "even the right code waits once the guesses are spent"
    );
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(
        login(&server, "bob", &bob.password).await.status(),
        429,
        "one budget of guesses for both doors"
    );
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_code_are_refused_alike_and_cost_no_password_hash() {
    let _alone = alone().await;
    let mut config = ServeArgs::default();
    config.limits.signin_account_rate = UNLIMITED;
    config.limits.signin_ip_rate = UNLIMITED;
    let server = TestServer::start_with(config).await;
    sign_up_with_codes(&server, "kate", FIREFOX).await;
    let timed = |name: &'static str, path: &'static str, body: Value| {
        let url = server.url(path);
        async move {
            let started = Instant::now();
            let resp = http().post(url).json(&body).send().await.unwrap();
            let status = resp.status().as_u16();
            let _ = name;
            (
                started.elapsed(),
                status,
                resp.json::<Value>().await.unwrap(),
            )
        }
    };
    let (mut wrong, mut unknown, mut hashed) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..15 {
        let code = json!({"username": "kate", "code": "zzzz-zzzz-zzzz-zzzz", "new_password": "whatever it is"});
        let (took, status, wrong_body) = timed("wrong", "/api/v1/auth/recover", code).await;
        assert_eq!(status, 401);
        if i > 0 {
            wrong.push(took);
        }
        let ghost = json!({"username": format!("ghost-{i}"), "code": "zzzz-zzzz-zzzz-zzzz", "new_password": "whatever it is"});
        let (took, status, unknown_body) = timed("unknown", "/api/v1/auth/recover", ghost).await;
        assert_eq!(
            (status, &unknown_body),
            (401, &wrong_body),
            "the same answer"
        );
        if i > 0 {
            unknown.push(took);
        }
        let password = json!({"username": "kate", "password": "not her password"});
        let (took, status, _) = timed("password", "/api/v1/auth/login", password).await;
        assert_eq!(status, 401);
        hashed.push(took);
    }
    let (wrong, unknown, hashed) = (
        median(&mut wrong),
        median(&mut unknown),
        median(&mut hashed),
    );
    println!(
        "median refusal: wrong code {wrong:?}, unknown user {unknown:?}, wrong password {hashed:?}"
    );
    assert!(
        wrong < hashed / 2 && unknown < hashed / 2,
        "a refused code costs no password hash: {wrong:?} and {unknown:?} against {hashed:?}"
    );
    assert!(
        wrong.abs_diff(unknown) < Duration::from_millis(5),
        "one timing class: {wrong:?} and {unknown:?}"
    );
}

#[tokio::test]
async fn new_recovery_codes_need_the_password_and_replace_the_old_ones() {
    let server = TestServer::start().await;
    let (carol, old) = sign_up_with_codes(&server, "carol", FIREFOX).await;
    let path = "/api/v1/me/recovery-codes";
    let (status, body) = api(
        &server,
        "POST",
        path,
        None,
        Some(json!({"password": carol.password})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("not_signed_in"))
    );
    let (status, body) = api(
        &server,
        "POST",
        path,
        Some(&carol.cookie),
        Some(json!({"password": "wrong password"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("wrong_current_password"))
    );
    let (status, body) = api(&server, "POST", path, Some(&carol.cookie), Some(json!({}))).await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = api(
        &server,
        "POST",
        path,
        Some(&carol.cookie),
        Some(json!({"password": carol.password})),
    )
    .await;
    assert_eq!(status, 201);
    let new: Vec<&str> = body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(&code.to_string())));
    let resp = recover(&server, "carol", &old[3], "carol new password").await;
    assert_eq!(resp.status(), 401, "the old codes stopped working");
    let resp = recover(&server, "carol", new[3], "carol new password").await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_disabled_account_cannot_recover_and_keeps_its_code() {
    let server = TestServer::start().await;
    // The server's first account is its admin, which could not be disabled as the last one.
    signup(&server, "root").await;
    let (_dave, codes) = sign_up_with_codes(&server, "dave", FIREFOX).await;
    let operator = |command| confab::operator::cli::user_command(command, &server.data);
    operator(UserCommand::Disable {
        name: "dave".into(),
    })
    .await
    .unwrap();
    let (status, body) =
        status_and_body(recover(&server, "dave", &codes[0], "dave new password").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("account_disabled"))
    );
    operator(UserCommand::Enable {
        name: "dave".into(),
    })
    .await
    .unwrap();
    let resp = recover(&server, "dave", &codes[0], "dave new password").await;
    assert_eq!(
        resp.status(),
        200,
        "the code was not used up by the refusal"
    );
}

#[tokio::test]
async fn signed_in_devices_are_listed_and_signed_out_one_at_a_time_or_all_but_this_one() {
    let server = TestServer::start().await;
    let (erin, _) = sign_up_with_codes(&server, "erin", FIREFOX).await;
    let phone = http()
        .post(server.url("/api/v1/auth/login"))
        .header("user-agent", CHROME_ANDROID)
        .json(&json!({"username": "erin", "password": erin.password}))
        .send()
        .await
        .unwrap();
    let phone = cookie_pair(&phone).unwrap();
    let third = cookie_pair(&login(&server, "erin", &erin.password).await).unwrap();
    let mut phone_chat = connect(
        &server,
        &User {
            cookie: phone.clone(),
            ..erin.clone()
        },
    )
    .await;

    let (status, body) = api(
        &server,
        "GET",
        "/api/v1/me/sessions",
        Some(&erin.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[0]["current"], true, "this device first");
    assert_eq!(sessions[0]["device"], "Firefox on Linux");
    assert_eq!(sessions[0]["ip"], "127.0.0.1");
    assert!(sessions[0]["last_active"].as_u64().unwrap() > 0);
    let on_phone = sessions
        .iter()
        .find(|s| s["device"] == "Chrome on Android")
        .expect("the phone");
    assert_eq!(on_phone["current"], false);
    let phone_id = on_phone["id"].as_str().unwrap().to_owned();

    // Someone else can neither see nor end erin's sessions.
    let (frank, _) = sign_up_with_codes(&server, "frank", FIREFOX).await;
    let (status, body) = api(
        &server,
        "DELETE",
        &format!("/api/v1/me/sessions/{phone_id}"),
        Some(&frank.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("session_not_found"))
    );
    let (status, body) = api(
        &server,
        "GET",
        "/api/v1/me/sessions",
        Some(&frank.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, body["sessions"].as_array().unwrap().len()),
        (200, 1)
    );
    let (status, _) = api(&server, "GET", "/api/v1/me/sessions", None, None).await;
    assert_eq!(status, 401);
    let (status, _) = api(
        &server,
        "DELETE",
        &format!("/api/v1/me/sessions/{phone_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = api(
        &server,
        "DELETE",
        "/api/v1/me/sessions/not-an-id",
        Some(&erin.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("session_not_found"))
    );
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&phone), None).await;
    assert_eq!(status, 200, "nothing was ended by the refusals");

    let (status, _) = api(
        &server,
        "DELETE",
        &format!("/api/v1/me/sessions/{phone_id}"),
        Some(&erin.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        phone_chat.closed().await,
        Some(CloseCode::Library(4001)),
        "its socket closes at once"
    );
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&phone), None).await;
    assert_eq!(status, 401);

    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/me/sessions",
        Some(&erin.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(&server, "GET", "/api/v1/me", Some(&third), None).await;
    assert_eq!(status, 401, "everywhere else");
    let (status, body) = api(
        &server,
        "GET",
        "/api/v1/me/sessions",
        Some(&erin.cookie),
        None,
    )
    .await;
    assert_eq!(
        (status, body["sessions"].as_array().unwrap().len()),
        (200, 1),
        "only this one"
    );
}

#[tokio::test]
async fn an_operators_sign_in_link_works_once_and_for_an_hour() {
    let clock = ManualClock::new(1_800_000_000_000);
    let server = TestServer::start_with_clock(ServeArgs::default(), clock.clone()).await;
    let (gina, _) = sign_up_with_codes(&server, "gina", FIREFOX).await;
    let mut old_tab = connect(&server, &gina).await;
    let reset_link = |name: &str| {
        let command = UserCommand::ResetLink {
            name: name.into(),
            url: None,
        };
        confab::operator::cli::user_command(command, &server.data)
    };
    let printed = reset_link("gina").await.unwrap();
    let prefix = format!("{}/reset/", server.origin());
    let link = printed
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{printed}"));
    let path = link.strip_prefix(&server.origin()).unwrap().to_owned();
    assert!(
        reset_link("nobody")
            .await
            .unwrap_err()
            .to_string()
            .contains("No account is called that"),
        "an unknown name is an error"
    );

    let (status, html) = page(&server, &path, None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Choose a new password") && html.contains("gina"),
        "{html}"
    );

    let mismatch = [
        ("password", "gina second password"),
        ("password_repeat", "something else"),
    ];
    let resp = post_page(&server, &path, &mismatch, None).await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("The two passwords differ.")
    );
    let short = [("password", "short"), ("password_repeat", "short")];
    assert_eq!(post_page(&server, &path, &short, None).await.status(), 400);

    let good = [
        ("password", "gina second password"),
        ("password_repeat", "gina second password"),
    ];
    let resp = post_page(&server, &path, &good, None).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings?done=reset");
    let fresh = cookie_pair(&resp).unwrap();
    assert_eq!(old_tab.closed().await, Some(CloseCode::Library(4001)));
    let (status, html) = page(&server, "/settings?done=reset", Some(&fresh)).await;
    assert_eq!(status, 200);
    assert!(html.contains("You are back in"), "{html}");
    assert_eq!(
        login(&server, "gina", "gina second password")
            .await
            .status(),
        200
    );

    // Used: it says so, and posting to it again changes nothing.
    let (status, html) = page(&server, &path, None).await;
    assert_eq!(status, 410);
    assert!(html.contains("already been used"), "{html}");
    let again = [
        ("password", "gina third password"),
        ("password_repeat", "gina third password"),
    ];
    assert_eq!(post_page(&server, &path, &again, None).await.status(), 410);
    assert_eq!(
        login(&server, "gina", "gina second password")
            .await
            .status(),
        200
    );

    // Expired after an hour.
    let printed = reset_link("gina").await.unwrap();
    let late = printed.lines().find(|l| l.starts_with(&prefix)).unwrap();
    let late = late.strip_prefix(&server.origin()).unwrap();
    clock.advance_ms(3_600_000);
    let (status, html) = page(&server, late, None).await;
    assert_eq!(status, 410);
    assert!(html.contains("expired"), "{html}");
    assert_eq!(post_page(&server, late, &again, None).await.status(), 410);

    for bogus in [
        "/reset/nonsense",
        "/reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let (status, html) = page(&server, bogus, None).await;
        assert_eq!(status, 404, "{bogus}");
        assert!(html.contains("not valid"), "{html}");
    }
}

#[tokio::test]
async fn the_recover_page_and_the_settings_forms_refuse_clearly_and_work() {
    let server = TestServer::start().await;
    let (hana, codes) = sign_up_with_codes(&server, "hana", FIREFOX).await;
    let (status, html) = page(&server, "/login", None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"href="/recover""#),
        "sign-in offers recovery"
    );

    let server = &server;
    let attempt = |name: &'static str, code: String| {
        let fields = [
            ("username", name.to_owned()),
            ("code", code),
            ("password", "hana new password".to_owned()),
            ("password_repeat", "hana new password".to_owned()),
        ];
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_page(server, "/recover", &pairs, None).await
        }
    };
    for (name, code) in [
        ("hana", "zzzz-zzzz-zzzz-zzzz".to_owned()),
        ("nobody", codes[0].clone()),
    ] {
        let resp = attempt(name, code).await;
        assert_eq!(resp.status(), 401);
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("Username or recovery code is incorrect."),
            "{html}"
        );
    }
    let resp = attempt("hana", codes[0].clone()).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings?done=recovered");
    let cookie = cookie_pair(&resp).unwrap();
    let (_, html) = page(server, "/settings?done=recovered", Some(&cookie)).await;
    assert!(
        html.contains("The code you used no longer works."),
        "{html}"
    );
    assert!(html.contains("9 of 10"), "{html}");
    let (status, _) = api(server, "GET", "/api/v1/me", Some(&hana.cookie), None).await;
    assert_eq!(status, 401, "the other session ended");

    // Password change: refused twice, then done, and the other session ends.
    let other = cookie_pair(&login(server, "hana", "hana new password").await).unwrap();
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        let cookie = cookie.clone();
        async move {
            let pairs = [
                ("current", current),
                ("password", new),
                ("password_repeat", repeat),
            ];
            post_page(server, "/settings/password", &pairs, Some(&cookie)).await
        }
    };
    let resp = change(
        "hana new password",
        "hana third password",
        "hana 3rd password",
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("The two new passwords differ.")
    );
    let resp = change(
        "not it at all",
        "hana third password",
        "hana third password",
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Current password is incorrect.")
    );
    let resp = change(
        "hana new password",
        "hana third password",
        "hana third password",
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/settings?done=password");
    let (status, _) = api(server, "GET", "/api/v1/me", Some(&other), None).await;
    assert_eq!(status, 401);
    let (status, _) = api(server, "GET", "/api/v1/me", Some(&cookie), None).await;
    assert_eq!(status, 200, "this session stays");

    // New codes from the page: the password first.
    let resp = post_page(
        server,
        "/settings/recovery-codes",
        &[("password", "wrong")],
        Some(&cookie),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Current password is incorrect.")
    );
    let resp = post_page(
        server,
        "/settings/recovery-codes",
        &[("password", "hana third password")],
        Some(&cookie),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Save your recovery codes"), "{html}");
    assert_eq!(html.matches("<li><code>").count(), 10, "{html}");

    // Devices: sign one out from the page; an id that is not one of hana's is refused.
    let phone = cookie_pair(&login(server, "hana", "hana third password").await).unwrap();
    let (_, body) = api(server, "GET", "/api/v1/me/sessions", Some(&cookie), None).await;
    let phone_id = body["sessions"][1]["id"].as_str().unwrap().to_owned();
    let resp = post_page(
        server,
        "/settings/sessions",
        &[("session", "0123456789abcdef")],
        Some(&cookie),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("No session of yours has that id.")
    );
    let resp = post_page(
        server,
        "/settings/sessions",
        &[("session", &phone_id)],
        Some(&cookie),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (status, _) = api(server, "GET", "/api/v1/me", Some(&phone), None).await;
    assert_eq!(status, 401);

    // Signed out, every form sends to sign-in and changes nothing.
    for path in [
        "/settings/password",
        "/settings/recovery-codes",
        "/settings/sessions",
    ] {
        let resp = post_page(server, path, &[("session", "others")], None).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{path}"
        );
    }
}
