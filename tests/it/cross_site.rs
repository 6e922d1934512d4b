//! Attacks from other sites: forged form posts and API calls that ride on the victim's cookie,
//! cross-site WebSocket hijacking, pages framed or sniffed by another site, and hostile text
//! (a classic XSS corpus) as room names, messages and usernames. Each test fails if a page
//! would run it or a forged request would change anything.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::time::Duration;

use crate::common::*;
use confab::config::ServeArgs;
use confab::ratelimit::Rate;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Headers a browser sends with a request made by another site's page.
const FOREIGN: &[&[(&str, &str)]] = &[
    &[("origin", "https://evil.example")],
    &[("origin", "null")],
    &[("sec-fetch-site", "cross-site")],
    &[("sec-fetch-site", "same-site")],
    &[
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ],
];

/// A forged request: what another site's page can make the victim's browser send.
struct Forgery {
    what: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: String,
}

fn forgeries() -> Vec<Forgery> {
    let json = |value: Value| value.to_string();
    let urlencoded = "application/x-www-form-urlencoded";
    vec![
        Forgery {
            what: "sign-up form",
            path: "/signup",
            content_type: urlencoded,
            body: form(&[
                ("username", "forged"),
                ("password", "forged password"),
                ("password_repeat", "forged password"),
            ]),
        },
        // Login CSRF: signing the victim in as the attacker, to read what they type.
        Forgery {
            what: "sign-in form",
            path: "/login",
            content_type: urlencoded,
            body: form(&[("username", "mallory"), ("password", "mallory-password")]),
        },
        Forgery {
            what: "sign-out form",
            path: "/logout",
            content_type: urlencoded,
            body: String::new(),
        },
        Forgery {
            what: "API sign-up",
            path: "/api/v1/auth/signup",
            content_type: "application/json",
            body: json(json!({"username": "forged", "password": "forged password"})),
        },
        // A form can post JSON-looking text without a CORS preflight.
        Forgery {
            what: "API sign-up as text/plain",
            path: "/api/v1/auth/signup",
            content_type: "text/plain",
            body: json(json!({"username": "forged", "password": "forged password"})),
        },
        Forgery {
            what: "API sign-in",
            path: "/api/v1/auth/login",
            content_type: "application/json",
            body: json(json!({"username": "mallory", "password": "mallory-password"})),
        },
        Forgery {
            what: "API sign-out",
            path: "/api/v1/auth/logout",
            content_type: "application/json",
            body: String::new(),
        },
        Forgery {
            what: "password change form",
            path: "/settings/password",
            content_type: urlencoded,
            body: form(&[
                ("current", "alice-password"),
                ("password", "owned by mallory"),
                ("password_repeat", "owned by mallory"),
            ]),
        },
        Forgery {
            what: "new recovery codes form",
            path: "/settings/recovery-codes",
            content_type: urlencoded,
            body: form(&[("password", "alice-password")]),
        },
        Forgery {
            what: "sign out everywhere else form",
            path: "/settings/sessions",
            content_type: urlencoded,
            body: form(&[("session", "others")]),
        },
        Forgery {
            what: "what notifications show form",
            path: "/settings/notifications",
            content_type: urlencoded,
            body: form(&[("shown", "private")]),
        },
        Forgery {
            what: "stop notifying a browser form",
            path: "/settings/push",
            content_type: urlencoded,
            body: form(&[("subscription", "1")]),
        },
        Forgery {
            what: "API push subscription",
            path: "/api/v1/push/subscriptions",
            content_type: "application/json",
            body: json(json!({"endpoint": "https://push.example.com/mallory",
                "keys": {"p256dh": "BAAA", "auth": "AAAA"}})),
        },
        // Recovery CSRF: signing the victim in as the attacker, like login CSRF.
        Forgery {
            what: "recovery form",
            path: "/recover",
            content_type: urlencoded,
            body: form(&[
                ("username", "mallory"),
                ("code", "abcd-efgh-jkmn-pqrs"),
                ("password", "mallory new password"),
                ("password_repeat", "mallory new password"),
            ]),
        },
        Forgery {
            what: "API recovery",
            path: "/api/v1/auth/recover",
            content_type: "application/json",
            body: json(
                json!({"username": "mallory", "code": "abcd-efgh-jkmn-pqrs", "new_password": "mallory new password"}),
            ),
        },
        Forgery {
            what: "API new recovery codes",
            path: "/api/v1/me/recovery-codes",
            content_type: "application/json",
            body: json(json!({"password": "alice-password"})),
        },
        Forgery {
            what: "API password change",
            path: "/api/v1/auth/password",
            content_type: "application/json",
            body: json(json!({"current": "alice-password", "new": "owned by mallory"})),
        },
    ]
}

#[tokio::test]
async fn forged_forms_and_api_calls_from_another_site_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    signup(&server, "mallory").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;

    for forgery in forgeries() {
        for headers in FOREIGN {
            // The victim's cookie goes along, as it would with SameSite=None or from a sibling
            // subdomain: the refusal must not depend on SameSite.
            let mut request = http()
                .post(server.url(forgery.path))
                .header("cookie", &alice.cookie)
                .header("content-type", forgery.content_type)
                .body(forgery.body.clone());
            for (name, value) in *headers {
                request = request.header(*name, *value);
            }
            let resp = request.send().await.unwrap();
            let context = format!("{} with {headers:?}", forgery.what);
            assert_eq!(resp.status(), 403, "{context}");
            assert!(
                resp.headers().get("set-cookie").is_none(),
                "{context}: no cookie set or cleared"
            );
            let body = resp.text().await.unwrap();
            if forgery.path.starts_with("/api/") {
                let body: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(body["error"], "forbidden_origin", "{context}");
            } else {
                assert!(body.contains("another site"), "{context}: {body}");
            }
        }
    }

    // Nothing happened: alice is signed in as alice, her socket is open, her password is hers,
    // and no account was created.
    assert_eq!(me(&server, &alice.cookie).await.status(), 200);
    let who: Value = get_json(&server, "/api/v1/me", &alice.cookie).await;
    assert_eq!(who["user"]["username"], "alice");
    assert_eq!(who["user"]["private_notifications"], false);
    let pushes = get_json(&server, "/api/v1/push/subscriptions", &alice.cookie).await;
    assert_eq!(pushes["subscriptions"], json!([]), "no browser subscribed");
    chat.say("r", "still signed in").await;
    assert_eq!(
        login(&server, "alice", "alice-password").await.status(),
        200
    );
    assert_eq!(
        login(&server, "forged", "forged password").await.status(),
        401
    );
}

/// Opens `/ws` with alice's cookie and extra headers; the HTTP status of the answer.
async fn upgrade_with(server: &TestServer, cookie: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    for (name, value) in headers {
        let name = tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_socket, resp)) => resp.status().as_u16(),
        Err(tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(other) => panic!("expected an HTTP answer, got {other}"),
    }
}

#[tokio::test]
async fn a_websocket_upgrade_from_another_site_is_refused_even_with_a_valid_cookie() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let other_port = format!("http://127.0.0.1:{}", free_port());
    let mut foreign: Vec<Vec<(&str, &str)>> = FOREIGN.iter().map(|h| h.to_vec()).collect();
    // Fetch metadata wins over an Origin that looks right.
    let own = server.origin();
    foreign.push(vec![("sec-fetch-site", "cross-site"), ("origin", &own)]);
    // Another port on the same host is another origin (any local service could be hostile).
    foreign.push(vec![("origin", &other_port)]);
    for headers in &foreign {
        assert_eq!(
            upgrade_with(&server, &alice.cookie, headers).await,
            403,
            "{headers:?}"
        );
    }
    let own_site = [("origin", own.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(upgrade_with(&server, &alice.cookie, &own_site).await, 101);
}

/// Checks the security headers (SECURITY.md) on one response.
fn assert_security_headers(headers: &reqwest::header::HeaderMap, context: &str) {
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{context}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    let directive = |name: &str| -> Option<Vec<String>> {
        csp.split(';').map(str::trim).find_map(|d| {
            let mut words = d.split_whitespace();
            (words.next() == Some(name)).then(|| words.map(str::to_owned).collect())
        })
    };
    let only = |name: &str, value: &str| {
        assert_eq!(
            directive(name),
            Some(vec![value.to_owned()]),
            "{context}: {name} in {csp}"
        );
    };
    only("default-src", "'self'");
    only("object-src", "'none'");
    only("base-uri", "'none'");
    only("frame-ancestors", "'none'");
    let scripts = directive("script-src").unwrap_or_else(|| directive("default-src").unwrap());
    for unsafe_source in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "*",
        "data:",
        "http:",
        "https:",
    ] {
        assert!(
            !scripts.iter().any(|s| s == unsafe_source),
            "{context}: script-src allows {unsafe_source}: {csp}"
        );
    }
    assert_eq!(headers["x-content-type-options"], "nosniff", "{context}");
    let referrer = headers
        .get("referrer-policy")
        .unwrap_or_else(|| panic!("{context}: no Referrer-Policy"));
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer.to_str().unwrap()),
        "{context}: Referrer-Policy {referrer:?}"
    );
    assert_eq!(headers["x-frame-options"], "DENY", "{context}");
    assert!(
        !headers.contains_key("strict-transport-security"),
        "{context}: HSTS on plain HTTP"
    );
}

/// A raw HTTP/1.1 exchange, for requests reqwest will not send: a body that stalls.
fn raw_exchange(
    addr: std::net::SocketAddr,
    head: &str,
    body_part: &[u8],
) -> (u16, reqwest::header::HeaderMap) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body_part).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream
            .read(&mut buf)
            .expect("an answer before the wait is over");
        assert!(n > 0, "closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            value.trim().parse().unwrap(),
        );
    }
    (status, headers)
}

#[tokio::test]
async fn every_route_and_method_answers_with_the_security_headers_even_when_refusing() {
    let mut config = ServeArgs::default();
    config.limits.signin_account_rate = Rate::new(1, Duration::from_secs(60));
    config.http_timeouts.request_body = Duration::from_millis(500);
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("lobby").await;
    chat.say("lobby", "hello").await;

    let home = http()
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let asset = |suffix: &str| {
        home.split('"')
            .find(|part| part.starts_with("/assets/") && part.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} linked from the home page"))
            .to_owned()
    };
    let (css, forms_js) = (asset("/css/base.css"), asset("/js/forms.js"));
    let paths = [
        "/",
        "/signup",
        "/login",
        "/logout",
        "/rooms",
        "/rooms?room=lobby",
        "/rooms?room=%20",
        "/rooms/lobby",
        "/rooms/%20",
        "/favicon.ico",
        &css,
        &forms_js,
        "/assets/nothing.css",
        "/assets/nothing.0123456789.js",
        "/healthz",
        "/api/openapi.json",
        "/api/docs",
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/password",
        "/api/v1/me",
        "/api/v1/rooms",
        "/api/v1/rooms/lobby/messages",
        "/api/v1/rooms/lobby/messages?limit=0",
        "/api/v1/rooms/nowhere/messages",
        "/api/v1/nothing",
        "/ws",
        "/no/such/page",
    ];
    let methods = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    let mut statuses = BTreeSet::new();
    let mut check = |resp: &reqwest::Response, context: String| {
        statuses.insert(resp.status().as_u16());
        assert_security_headers(resp.headers(), &context);
    };
    for path in paths {
        for method in &methods {
            for cookie in [None, Some(&alice.cookie)] {
                let mut request = http().request(method.clone(), server.url(path));
                if let Some(cookie) = cookie {
                    request = request.header("cookie", cookie);
                }
                if ![Method::GET, Method::HEAD, Method::OPTIONS].contains(method) {
                    request = request.json(&json!({}));
                }
                let resp = request.send().await.unwrap();
                let context = format!("{method} {path} (signed in: {})", cookie.is_some());
                check(&resp, context);
            }
        }
    }

    let resp = http()
        .post(server.url("/api/v1/auth/signup"))
        .json(&json!({"username": "bob", "password": "bob password"}))
        .send()
        .await
        .unwrap();
    check(&resp, "sign-up".into());
    // The sweep signed alice out (POST /logout); she signs in again.
    let resp = login(&server, "alice", &alice.password).await;
    check(&resp, "sign-in".into());
    let alice = User {
        cookie: cookie_pair(&resp).unwrap(),
        ..alice
    };

    // Refusals that need a particular request.
    let big = "x".repeat(100 * 1024);
    let refusals = [
        (
            "/login",
            "application/x-www-form-urlencoded",
            big.clone(),
            None,
        ),
        ("/api/v1/auth/login", "application/json", big.clone(), None),
        (
            "/api/v1/auth/login",
            "application/json",
            "{not json".into(),
            None,
        ),
        (
            "/api/v1/auth/logout",
            "application/json",
            String::new(),
            Some("https://evil.example"),
        ),
        (
            "/logout",
            "application/x-www-form-urlencoded",
            String::new(),
            Some("null"),
        ),
    ];
    for (path, content_type, body, origin) in refusals {
        let mut request = http()
            .post(server.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let resp = request.send().await.unwrap();
        check(&resp, format!("POST {path} refused"));
    }
    for _ in 0..2 {
        let resp = login(&server, "alice", "wrong password").await;
        check(&resp, "rate-limited sign-in".into());
    }
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let resp = http()
            .get(server.url("/ws"))
            .header("cookie", &alice.cookie)
            .header(name, value)
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
            .await
            .unwrap();
        check(&resp, format!("/ws upgrade with {name}: {value}"));
    }
    // The upgrade that succeeds is a response too.
    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", alice.cookie.parse().unwrap());
    let (_socket, upgraded) = tokio_tungstenite::connect_async(request).await.unwrap();
    statuses.insert(upgraded.status().as_u16());
    assert_security_headers(upgraded.headers(), "/ws upgrade");
    // A body that never finishes.
    let (status, headers) = tokio::task::spawn_blocking({
        let head = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
            server.addr
        );
        let addr = server.addr;
        move || raw_exchange(addr, &head, b"{\"username\":")
    })
    .await
    .unwrap();
    statuses.insert(status);
    assert_security_headers(&headers, "stalled body");

    let wanted = [
        101, 200, 201, 204, 301, 303, 400, 401, 403, 404, 405, 408, 413, 429,
    ];
    for status in wanted {
        assert!(
            statuses.contains(&status),
            "the sweep saw no {status}: {statuses:?}"
        );
    }
    println!("statuses seen: {statuses:?}");
}

/// Classic XSS payloads. Every one is a valid room name (at most 64 characters, no control
/// characters) and a valid message.
const CORPUS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\"><svg onload=alert(3)>",
    "javascript:alert(4)",
    "</title><script>alert(5)</script>",
    "' onmouseover='alert(6)' x='",
    "\" autofocus onfocus=\"alert(7)",
    "{{constructor.constructor('alert(8)')()}}",
    "${alert(9)}",
    "<iframe srcdoc=\"<script>alert(10)</script>\">",
    "<a href=\"javascript:alert(11)\">x</a>",
    "&lt;script&gt;alert(12)&lt;/script&gt;",
    "\u{FF1C}script\u{FF1E}alert(13)\u{FF1C}/script\u{FF1E}",
    "\u{202E}<b>\u{2028}alert(14)</b>",
    "<!-- <style>*{display:none}</style>",
    "<base href=\"//evil.example/\">",
];

/// Text as maud writes it into a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescaped(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One start tag of a page: its name and attributes (values unescaped).
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, Option<String>)>,
}

/// The start tags of a page, in order. Escaped text contains no `<`, so every `<` in a page
/// confab rendered is markup of its own; anything a payload smuggled in shows up here.
fn tags(html: &str) -> Vec<Tag> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if rest.starts_with('!') || rest.starts_with('/') {
            rest = &rest[rest.find('>').expect("a closed tag") + 1..];
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .expect("a tag name");
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('>').or_else(|| rest.strip_prefix("/>")) {
                rest = after;
                break;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .expect("an attribute");
            let attribute = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let value = match rest.strip_prefix('=') {
                Some(after) => {
                    let (value, after) = match after.chars().next() {
                        Some(quote @ ('"' | '\'')) => {
                            let inner = &after[1..];
                            let close = inner.find(quote).expect("a closing quote");
                            (&inner[..close], &inner[close + 1..])
                        }
                        _ => {
                            let end = after
                                .find(|c: char| c.is_whitespace() || c == '>')
                                .expect("an unquoted value");
                            (&after[..end], &after[end..])
                        }
                    };
                    rest = after;
                    Some(unescaped(value))
                }
                None => None,
            };
            attributes.push((attribute, value));
        }
        found.push(Tag { name, attributes });
    }
    found
}

/// The shape of a page: tag names and attribute names, without any text. The sidebar marks the
/// room on screen (`aria-current`), which sits wherever the room's name sorts, so that mark is
/// left out.
fn structure(html: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .map(|tag| {
            let names: Vec<_> = tag
                .attributes
                .into_iter()
                .map(|(name, _)| name)
                .filter(|name| name != "aria-current")
                .collect();
            format!("{} {}", tag.name, names.join(" "))
        })
        .collect()
}

/// Asserts that a page can run nothing but confab's own scripts: no elements that load or run
/// anything, no event handler attributes, no links or sources off this site.
fn assert_inert(html: &str, context: &str) {
    for tag in tags(html) {
        assert!(
            ![
                "iframe", "frame", "object", "embed", "svg", "math", "style", "base", "applet",
            ]
            .contains(&tag.name.as_str()),
            "{context}: a <{}> element",
            tag.name
        );
        // The templates are the chat page's own markup for a message (no text in it) and for
        // the reaction picker (its fixed emoji only).
        if tag.name == "template" {
            let id = tag.attributes.first().and_then(|(name, value)| {
                (name == "id" && tag.attributes.len() == 1).then_some(value.as_deref())
            });
            assert!(
                matches!(id, Some(Some("message-template" | "emoji-template"))),
                "{context}: a <template> that is not one of the chat page's: {:?}",
                tag.attributes
            );
        }
        for (attribute, value) in &tag.attributes {
            assert!(
                !attribute.starts_with("on") && attribute != "style" && attribute != "srcdoc",
                "{context}: <{} {attribute}=…>",
                tag.name
            );
            if ["href", "src", "action", "formaction"].contains(&attribute.as_str()) {
                let value = value.as_deref().unwrap_or_default().trim();
                let local =
                    (value.starts_with('/') && !value.starts_with("//")) || value.starts_with('#');
                assert!(local, "{context}: <{} {attribute}={value:?}>", tag.name);
            }
        }
        let attribute = |name: &str| {
            tag.attributes
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.clone())
        };
        if tag.name == "script" {
            let src = attribute("src").unwrap_or_default();
            assert!(
                src.starts_with("/assets/"),
                "{context}: <script src={src:?}>"
            );
        }
        if tag.name == "meta" {
            assert!(attribute("http-equiv").is_none(), "{context}: {tag:?}");
        }
    }
}

/// Asserts that the payload appears in the page only in escaped form.
fn assert_escaped(html: &str, payload: &str, context: &str) {
    if payload.contains(['<', '>', '"', '&']) {
        assert!(
            !html.contains(payload),
            "{context}: {payload:?} appears raw"
        );
    }
    assert!(
        html.contains(&escaped(payload)),
        "{context}: {payload:?} does not appear escaped"
    );
}

#[tokio::test]
async fn a_classic_xss_corpus_as_room_names_and_messages_renders_inert_in_every_page() {
    let mut config = ServeArgs::default();
    config.limits.ws_send_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.ws_frame_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    // Every character a username may have beyond letters and digits.
    let user = signup(&server, "x.-_Y9").await;
    let cookie = Some(user.cookie.as_str());
    let mut chat = connect(&server, &user).await;
    chat.join("plain").await;
    for payload in CORPUS {
        let joined = chat.join(payload).await;
        assert_eq!(joined["room"], *payload, "the name is kept as typed");
        chat.say(payload, payload).await;
        chat.say("plain", payload).await;
    }

    let (status, rooms) = page(&server, "/rooms", cookie).await;
    assert_eq!(status, 200);
    assert_inert(&rooms, "/rooms");
    for payload in CORPUS {
        assert_escaped(&rooms, payload, "/rooms");
    }

    let (_, benign) = page(&server, "/rooms/plain", cookie).await;
    let (_, benign_too_long) =
        page(&server, &format!("/rooms?room={}", "b".repeat(65)), cookie).await;
    for payload in CORPUS {
        let context = format!("/rooms/{payload}");
        let (status, chat_page) = page(
            &server,
            &format!("/rooms/{}", path_segment(payload)),
            cookie,
        )
        .await;
        assert_eq!(status, 200, "{context}");
        assert_inert(&chat_page, &context);
        assert_escaped(&chat_page, payload, &context);
        assert_eq!(structure(&chat_page), structure(&benign), "{context}");
        assert!(
            chat_page.contains(&format!("<title>{} · confab</title>", escaped(payload))),
            "{context}"
        );
        assert!(chat_page.contains(r#"data-user="x.-_Y9""#), "{context}");

        // Typed into the join box: sent on to the room by a Location that is only a path.
        let resp = http()
            .get(server.url(&format!("/rooms?room={}", path_segment(payload))))
            .header("cookie", &user.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{context}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert_eq!(location, format!("/rooms/{}", path_segment(payload)));

        // Too long to be a room: shown back in the box, escaped.
        let typed = format!("{payload}{}", "b".repeat(65));
        let (status, refused) = page(
            &server,
            &format!("/rooms?room={}", path_segment(&typed)),
            cookie,
        )
        .await;
        assert_eq!(status, 400, "{context}");
        assert_inert(&refused, &context);
        assert_escaped(&refused, &typed, &context);
        assert_eq!(
            structure(&refused),
            structure(&benign_too_long),
            "{context}"
        );
    }

    // Messages never reach a page's HTML; the API hands them out verbatim as JSON, which a
    // browser does not render (nosniff).
    let resp = http()
        .get(server.url("/api/v1/rooms/plain/messages?limit=200"))
        .header("cookie", &user.cookie)
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let history: Value = resp.json().await.unwrap();
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, CORPUS, "stored and served exactly as sent");
    let (_, plain) = page(&server, "/rooms/plain", cookie).await;
    for payload in CORPUS {
        if payload.contains('<') {
            assert!(!plain.contains(payload));
        }
    }
}

#[tokio::test]
async fn hostile_usernames_are_refused_at_sign_up_and_only_ever_shown_escaped() {
    let mut config = ServeArgs::default();
    config.limits.signin_ip_rate = Rate::new(10_000, Duration::from_millis(1));
    config.limits.signin_account_rate = Rate::new(10_000, Duration::from_millis(1));
    let server = TestServer::start_with(config).await;
    let post_form = |path: &'static str, body: String| {
        let request = http()
            .post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", server.origin())
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let signup_form = |name: &str| {
        form(&[
            ("username", name),
            ("password", "long enough"),
            ("password_repeat", "long enough"),
        ])
    };
    let login_form = |name: &str| form(&[("username", name), ("password", "long enough")]);
    let benign_signup = post_form("/signup", signup_form("no spaces here"))
        .await
        .text()
        .await
        .unwrap();
    let benign_login = post_form("/login", login_form("nobody"))
        .await
        .text()
        .await
        .unwrap();
    let (_, benign_login_page) = page(&server, "/login?next=%2Frooms%2Fbenign", None).await;

    for payload in CORPUS.iter().copied().chain(["alice<b>", "bob\"", "zoë"]) {
        let resp = http()
            .post(server.url("/api/v1/auth/signup"))
            .json(&json!({"username": payload, "password": "long enough"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{payload}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_username", "{payload}");

        // The forms show the name back in their input: escaped, and nothing else changes.
        let shown = payload.trim();
        let resp = post_form("/signup", signup_form(payload)).await;
        assert_eq!(resp.status(), 400, "{payload}");
        let html = resp.text().await.unwrap();
        let context = format!("sign-up as {payload:?}");
        assert_inert(&html, &context);
        assert_escaped(&html, shown, &context);
        assert_eq!(structure(&html), structure(&benign_signup), "{context}");

        let resp = post_form("/login", login_form(payload)).await;
        assert_eq!(resp.status(), 401, "{payload}");
        let html = resp.text().await.unwrap();
        let context = format!("sign-in as {payload:?}");
        assert_inert(&html, &context);
        assert_escaped(&html, shown, &context);
        assert_eq!(structure(&html), structure(&benign_login), "{context}");
    }

    // Where to go after signing in is shown back too, in a hidden field.
    for next in [
        "/\"><script>alert(1)</script>",
        "/\"autofocus=\"\"onfocus=\"alert(2)",
        "/</title><svg/onload=alert(3)>",
        "/'><img/src=x/onerror=alert(4)>",
    ] {
        let (status, html) = page(
            &server,
            &format!("/login?next={}", path_segment(next)),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let context = format!("/login?next={next:?}");
        assert_inert(&html, &context);
        assert_escaped(&html, next, &context);
        assert_eq!(structure(&html), structure(&benign_login_page), "{context}");
    }
    // No account was created by any of it.
    let resp = login(&server, "alice<b>", "long enough").await;
    assert_eq!(resp.status(), 401);
}
