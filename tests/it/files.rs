//! Files, from the outside: uploading into a room, sending with a message, downloading as
//! someone who may read the room, and every refusal on the file door — an outsider, the signed
//! out, someone else's upload, a hostile file — with the answer it gets. Then what is kept:
//! the same bytes once, removed by the sweep when no message holds them.

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use crate::common::*;
use confab::config::ServeArgs;
use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::{Value, json};

/// A real PNG of `width`×`height` with a gradient.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(pixels)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// `POST …/files?name=NAME` with `bytes` as `content_type`; the status and the answer.
pub async fn upload(
    server: &impl Target,
    cookie: Option<&str>,
    door: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let url = server.url(&format!("{door}/files?name={}", path_segment(name)));
    let mut request = http()
        .post(url)
        .header("content-type", content_type)
        .body(bytes);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Uploads into an open or private room by name, expecting 201; the file.
pub async fn upload_to(
    server: &impl Target,
    user: &User,
    room: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Value {
    let door = format!("/api/v1/rooms/{}", path_segment(room));
    let (status, body) = upload(server, Some(&user.cookie), &door, name, content_type, bytes).await;
    assert_eq!(status, 201, "uploading {name}: {body}");
    body["file"].clone()
}

/// `POST /api/v1/rooms/{room}/messages`; the status and the answer.
pub async fn post_message(
    server: &impl Target,
    user: &User,
    room: &str,
    body: Value,
) -> (u16, Value) {
    let path = format!("/api/v1/rooms/{}/messages", path_segment(room));
    api(server, "POST", &path, Some(&user.cookie), Some(body)).await
}

/// Uploads a text file to `general` and sends it with `text`: the file and the posted answer.
async fn send_file(
    server: &impl Target,
    user: &User,
    name: &str,
    bytes: &[u8],
    text: &str,
) -> (Value, Value) {
    let file = upload_to(server, user, "general", name, "text/plain", bytes.to_vec()).await;
    let (status, posted) = post_message(
        server,
        user,
        "general",
        json!({"text": text, "files": [file["id"]]}),
    )
    .await;
    assert_eq!(status, 201, "{posted}");
    (file, posted)
}

/// GETs a URL; the status, the headers and the bytes.
async fn get(
    server: &impl Target,
    url: &str,
    cookie: Option<&str>,
    range: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = http().get(server.url(url));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// The stored files under `<data>/files/`, leaving out `tmp/`.
fn stored_files(data: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(shards) = std::fs::read_dir(data.join("files")) else {
        return names;
    };
    for shard in shards.flatten() {
        if shard.file_name() == "tmp" {
            continue;
        }
        for file in std::fs::read_dir(shard.path()).unwrap().flatten() {
            names.push(file.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    names
}

#[tokio::test]
async fn a_file_sent_with_a_message_reaches_the_room_and_downloads_byte_for_byte() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let mut a = connect(&server, &alice).await;
    let mut b = connect(&server, &bob).await;
    a.join("general").await;
    b.join("general").await;

    let notes: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let file = upload_to(
        &server,
        &alice,
        "general",
        "dir/Notes ü.bin",
        "application/x-thing",
        notes.clone(),
    )
    .await;
    assert_eq!(
        file["name"], "Notes ü.bin",
        "a path is cut to its last part"
    );
    assert_eq!(file["size"], 400_000);
    assert_eq!(file["type"], "application/x-thing");
    let id = file["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 16);
    assert_eq!(file["url"], format!("/files/{id}/Notes%20%C3%BC.bin"));
    let picture = upload_to(
        &server,
        &alice,
        "general",
        "pic.png",
        "image/png",
        png(1600, 400),
    )
    .await;
    assert_eq!(
        (picture["width"].as_u64(), picture["height"].as_u64()),
        (Some(1600), Some(400))
    );

    let room_id = a.id("general");
    a.send(json!({
        "type": "send", "room_id": room_id, "text": "", "client_id": "with-files",
        "files": [id, picture["id"]],
    }))
    .await;
    let seen = b.recv_type("message").await;
    assert_eq!(seen["text"], "", "files alone make a message");
    let files = seen["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0], file,
        "the message shows the file as the upload answered"
    );
    let preview_url = files[1]["preview_url"].as_str().unwrap().to_owned();

    let (status, headers, bytes) = get(
        &server,
        file["url"].as_str().unwrap(),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(bytes == notes, "the same bytes");
    assert_eq!(header(&headers, "content-type"), "application/x-thing");
    assert!(header(&headers, "content-disposition").starts_with("attachment;"));
    assert!(
        header(&headers, "content-disposition").contains("filename*=UTF-8''Notes%20%C3%BC.bin")
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&headers, "content-security-policy"),
        "sandbox; default-src 'none'"
    );
    assert_eq!(
        header(&headers, "cross-origin-resource-policy"),
        "same-origin"
    );

    // Single byte ranges.
    let (status, headers, bytes) = get(
        &server,
        file["url"].as_str().unwrap(),
        Some(&bob.cookie),
        Some("bytes=4-11"),
    )
    .await;
    assert_eq!(status, 206);
    assert_eq!(header(&headers, "content-range"), "bytes 4-11/400000");
    assert_eq!(bytes, notes[4..12]);
    let (status, _, bytes) = get(
        &server,
        file["url"].as_str().unwrap(),
        Some(&bob.cookie),
        Some("bytes=-3"),
    )
    .await;
    assert_eq!((status, bytes.as_slice()), (206, &notes[399_997..]));
    let (status, headers, _) = get(
        &server,
        file["url"].as_str().unwrap(),
        Some(&bob.cookie),
        Some("bytes=400000-"),
    )
    .await;
    assert_eq!(status, 416);
    assert_eq!(header(&headers, "content-range"), "bytes */400000");

    // The picture: shown inline, and its preview is a fresh picture within 1200×800.
    let (status, headers, _) = get(
        &server,
        picture["url"].as_str().unwrap(),
        Some(&bob.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-disposition").starts_with("inline;"));
    let (status, headers, bytes) = get(&server, &preview_url, Some(&bob.cookie), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/jpeg");
    let preview = image::load_from_memory(&bytes).unwrap();
    assert_eq!((preview.width(), preview.height()), (1200, 300));

    // The history and a page of it over the API show the files too.
    let history = get_json(&server, "/api/v1/rooms/general/messages", &bob.cookie).await;
    assert_eq!(history["messages"][0]["files"][0], file);
}

#[tokio::test]
async fn the_messages_api_posts_with_files_and_answers_a_repeat_with_the_first() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("general").await;
    let file = upload_to(
        &server,
        &alice,
        "general",
        "a.txt",
        "text/plain",
        b"alpha".to_vec(),
    )
    .await;
    let body = json!({"text": "see attached", "files": [file["id"]], "client_id": "k1"});
    let (status, posted) = post_message(&server, &alice, "general", body.clone()).await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["message"]["files"][0]["id"], file["id"]);
    let live = a.recv_type("message").await;
    assert_eq!(
        live["id"], posted["message"]["id"],
        "sockets hear it as any message"
    );
    // A file's name is found by search, like the text.
    let report = upload_to(
        &server,
        &alice,
        "general",
        "Quarterly-Zephyr.pdf",
        "application/pdf",
        b"%PDF".to_vec(),
    )
    .await;
    let (status, _) = post_message(
        &server,
        &alice,
        "general",
        json!({"text": "", "files": [report["id"]]}),
    )
    .await;
    assert_eq!(status, 201);
    let found = get_json(&server, "/api/v1/search?q=zephyr", &alice.cookie).await;
    assert_eq!(
        found["results"][0]["files"][0]["name"], "Quarterly-Zephyr.pdf",
        "{found}"
    );
    let (status, again) = post_message(&server, &alice, "general", body).await;
    assert_eq!(
        (status, &again["message"]["id"]),
        (200, &posted["message"]["id"])
    );

    for (body, code) in [
        (json!({"text": ""}), "empty_message"),
        (json!({"text": " ", "files": ["xyz"]}), "bad_request"),
        (
            json!({"text": "x", "files": [file["id"], file["id"]]}),
            "bad_request",
        ),
        (
            json!({"text": "again", "files": [file["id"]]}),
            "file_not_found",
        ),
    ] {
        let (status, refused) = post_message(&server, &alice, "general", body.clone()).await;
        assert_eq!(refused["error"], code, "{body}: {refused}");
        assert!(status == 400 || status == 404, "{body}: {status}");
    }
}

#[tokio::test]
async fn nobody_but_the_rooms_readers_gets_a_file_on_any_door() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let carol = signup(&server, "carol").await;
    private_room(&server, &alice, "vault", &["bob"]).await;
    let secret = upload_to(
        &server,
        &alice,
        "vault",
        "plan.txt",
        "text/plain",
        b"the plan".to_vec(),
    )
    .await;
    let unsent = upload_to(
        &server,
        &alice,
        "vault",
        "draft.txt",
        "text/plain",
        b"draft".to_vec(),
    )
    .await;
    let pic = upload_to(&server, &alice, "vault", "p.png", "image/png", png(40, 30)).await;
    let (status, _) = post_message(
        &server,
        &alice,
        "vault",
        json!({"text": "", "files": [secret["id"], pic["id"]]}),
    )
    .await;
    assert_eq!(status, 201);
    let url = secret["url"].as_str().unwrap();
    let preview = pic["preview_url"].as_str().unwrap();

    // A member reads it; an outsider gets what a file that never existed gets.
    assert_eq!(get(&server, url, Some(&bob.cookie), None).await.0, 200);
    let never = "/files/00000000000000aa/x.txt";
    for path in [url, preview, never] {
        let (status, _, body) = get(&server, path, Some(&carol.cookie), None).await;
        assert_eq!(status, 404, "{path}");
        assert!(!String::from_utf8_lossy(&body).contains("the plan"));
        assert_eq!(
            get(&server, path, None, None).await.0,
            401,
            "signed out: {path}"
        );
    }
    // An upload not sent yet is its uploader's alone.
    let draft = unsent["url"].as_str().unwrap();
    assert_eq!(get(&server, draft, Some(&alice.cookie), None).await.0, 200);
    assert_eq!(get(&server, draft, Some(&bob.cookie), None).await.0, 404);

    // Uploading: an outsider learns nothing of a private room, nor of a conversation of others.
    let (status, refused) = upload(
        &server,
        Some(&carol.cookie),
        "/api/v1/rooms/vault",
        "x.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("room_not_found"))
    );
    let dm = direct_room(&server, &alice, &["bob"]).await;
    let dm_door = format!("/api/v1/dm/{dm}");
    let (status, refused) = upload(
        &server,
        Some(&carol.cookie),
        &dm_door,
        "x.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (404, Some("room_not_found"))
    );
    let (status, _) = upload(
        &server,
        None,
        "/api/v1/rooms/general",
        "x.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, mine) = upload(
        &server,
        Some(&bob.cookie),
        &dm_door,
        "x.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 201, "a member uploads to the conversation: {mine}");

    // Attaching: only the uploader, only in the room it was uploaded to, only once.
    let mut b = connect(&server, &bob).await;
    b.join("vault").await;
    let vault = b.id("vault");
    b.send(json!({"type":"send","room_id":vault,"text":"mine now","client_id":"steal","files":[unsent["id"]]})).await;
    let refused = b.recv_type("error").await;
    assert_eq!(refused["code"], "file_not_found", "{refused}");
    let mut c = connect(&server, &carol).await;
    c.join("general").await;
    let general = c.id("general");
    c.send(json!({"type":"send","room_id":general,"text":"leak","client_id":"leak","files":[unsent["id"]]})).await;
    assert_eq!(c.recv_type("error").await["code"], "file_not_found");
    let (_, elsewhere) = post_message(
        &server,
        &alice,
        "general",
        json!({"text": "moved", "files": [unsent["id"]]}),
    )
    .await;
    assert_eq!(
        elsewhere["error"], "file_not_found",
        "uploaded to another room"
    );

    // Removed from the room, bob can no longer read its files.
    let (status, _) = api(
        &server,
        "DELETE",
        "/api/v1/rooms/vault/members/bob",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(get(&server, url, Some(&bob.cookie), None).await.0, 404);
    assert_eq!(get(&server, url, Some(&alice.cookie), None).await.0, 200);
}

#[tokio::test]
async fn hostile_uploads_are_kept_as_inert_bytes_or_refused_with_a_reason() {
    let mut config = ServeArgs::default();
    config.limits.max_upload_bytes = 64 * 1024;
    config.limits.user_quota_bytes = 100 * 1024;
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let room = "/api/v1/rooms/general";
    let mut a = connect(&server, &alice).await;
    a.join("general").await;

    // Markup is never served as markup: not by its type, its name or its bytes.
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let mut polyglot = png(20, 20);
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    for (name, declared, bytes) in [
        ("page.html", "text/html", html.clone()),
        ("../../evil.html", "text/html; charset=utf-8", html.clone()),
        ("logo.svg", "image/svg+xml", svg),
        ("fake.png", "image/png", html),
        ("poly.png", "image/png", polyglot),
    ] {
        let file = upload_to(&server, &alice, "general", name, declared, bytes).await;
        let (_, headers, _) = get(
            &server,
            file["url"].as_str().unwrap(),
            Some(&alice.cookie),
            None,
        )
        .await;
        let served = header(&headers, "content-type");
        assert!(
            served == "application/octet-stream" || served == "image/png",
            "{name}: served as {served}"
        );
        assert!(
            header(&headers, "content-disposition").starts_with("attachment;"),
            "{name}"
        );
        assert_eq!(
            header(&headers, "content-security-policy"),
            "sandbox; default-src 'none'"
        );
        assert!(
            file.get("preview_url").is_none(),
            "{name} gets no preview: {file}"
        );
    }

    let (status, empty) = upload(
        &server,
        Some(&alice.cookie),
        room,
        "none.txt",
        "text/plain",
        Vec::new(),
    )
    .await;
    assert_eq!((status, empty["error"].as_str()), (400, Some("empty_file")));
    let (status, big) = upload(
        &server,
        Some(&alice.cookie),
        room,
        "big.bin",
        "application/octet-stream",
        vec![7; 64 * 1024 + 1],
    )
    .await;
    assert_eq!(
        (status, big["error"].as_str()),
        (413, Some("file_too_large")),
        "{big}"
    );
    assert!(big["message"].as_str().unwrap().contains("64 KiB"), "{big}");
    // Without a length announced, the stream is cut at the limit.
    assert_eq!(chunked_upload(&server, &alice, 9, 8 * 1024).await, 413);

    // The quota: what is kept counts, and the answer says how much is allowed.
    upload_to(
        &server,
        &alice,
        "general",
        "one.bin",
        "application/octet-stream",
        vec![1; 60 * 1024],
    )
    .await;
    let (status, over) = upload(
        &server,
        Some(&alice.cookie),
        room,
        "two.bin",
        "application/octet-stream",
        vec![2; 60 * 1024],
    )
    .await;
    assert_eq!(
        (status, over["error"].as_str()),
        (413, Some("quota_exceeded")),
        "{over}"
    );
    assert!(
        over["message"].as_str().unwrap().contains("100 KiB"),
        "{over}"
    );
    // Nothing of a refused upload stays on disk.
    let kept = stored_files(&server.data);
    assert!(!kept.iter().any(|name| name.len() != 64), "{kept:?}");
    assert_eq!(
        std::fs::read_dir(server.data.join("files/tmp"))
            .unwrap()
            .count(),
        0
    );
    let two = confab::files::blobs::Digest::of(&[2u8; 60 * 1024]).hex();
    assert!(!kept.contains(&two), "a refused upload's bytes are removed");
}

/// Uploads `count` chunks of `size` bytes with chunked transfer encoding (no length
/// announced); the status.
async fn chunked_upload(server: &TestServer, user: &User, count: usize, size: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/rooms/general/files?name=stream.bin HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\
         Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr, user.cookie
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..count {
        let chunk = format!("{size:x}\r\n");
        // The server may answer and close before every chunk is in.
        if stream.write_all(chunk.as_bytes()).await.is_err()
            || stream.write_all(&vec![1u8; size]).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 12];
    stream.read_exact(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer[9..12]).parse().unwrap()
}

#[tokio::test]
async fn one_person_has_at_most_four_uploads_under_way() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("general").await;
    // Four uploads that started and stall half-way.
    let mut stalled = Vec::new();
    for n in 0..4 {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "POST /api/v1/rooms/general/files?name=slow{n}.bin HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n",
            server.addr, alice.cookie
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&[0u8; 1000]).await.unwrap();
        stalled.push(stream);
    }
    // Each is under way once its bytes are arriving in tmp/.
    let receiving =
        || std::fs::read_dir(server.data.join("files/tmp")).map_or(0, |listing| listing.count());
    let deadline = std::time::Instant::now() + WAIT * 3;
    while receiving() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the four stalled uploads never all started: {} in tmp/",
            receiving()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let door = "/api/v1/rooms/general";
    let (status, refused) = upload(
        &server,
        Some(&alice.cookie),
        door,
        "fifth.txt",
        "text/plain",
        b"5".to_vec(),
    )
    .await;
    assert_eq!(status, 429, "{refused}");
    assert_eq!(
        refused["error"], "rate_limited",
        "a fifth upload waits its turn"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("4 uploads under way")
    );
    // Someone else is not held up by alice's uploads.
    let bob = signup(&server, "bob").await;
    upload_to(
        &server,
        &bob,
        "general",
        "bob.txt",
        "text/plain",
        b"b".to_vec(),
    )
    .await;
    drop(stalled);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (status, _) = upload(
            &server,
            Some(&alice.cookie),
            door,
            "later.txt",
            "text/plain",
            b"l".to_vec(),
        )
        .await;
        if status == 201 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stalled uploads never ended"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Nothing of the abandoned uploads is left, once each has noticed its client went.
    let deadline = std::time::Instant::now() + WAIT;
    while receiving() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "abandoned uploads left files in tmp/"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_same_bytes_are_kept_once_and_go_when_no_message_holds_them() {
    // A grace period long enough for an upload to be sent, short enough to wait out.
    let config = ServeArgs {
        upload_grace: Duration::from_secs(2),
        upload_sweep_every: Duration::from_millis(50),
        ..ServeArgs::default()
    };
    let server = TestServer::start_with(config).await;
    let alice = signup(&server, "alice").await;
    let mut a = connect(&server, &alice).await;
    a.join("general").await;
    let room_id = a.id("general");
    let bytes = b"shared bytes".to_vec();
    let (first, one) = send_file(&server, &alice, "a.txt", &bytes, "one").await;
    let (second, two) = send_file(&server, &alice, "b.txt", &bytes, "two").await;
    assert_eq!(stored_files(&server.data).len(), 1, "stored once");

    // Deleting one message: its file goes, the other's bytes stay.
    let id = one["message"]["id"].as_u64().unwrap();
    a.send(json!({"type":"delete","room_id":room_id,"id":id}))
        .await;
    let update = a.recv_type("update").await;
    assert!(
        update.get("files").is_none(),
        "a tombstone shows no files: {update}"
    );
    let url = first["url"].as_str().unwrap();
    assert_eq!(get(&server, url, Some(&alice.cookie), None).await.0, 404);
    let kept = second["url"].as_str().unwrap();
    assert_eq!(get(&server, kept, Some(&alice.cookie), None).await.2, bytes);

    // An upload never sent, and the last message naming the bytes: swept, bytes and all.
    upload_to(
        &server,
        &alice,
        "general",
        "never.txt",
        "text/plain",
        b"never sent".to_vec(),
    )
    .await;
    let id = two["message"]["id"].as_u64().unwrap();
    a.send(json!({"type":"delete","room_id":room_id,"id":id}))
        .await;
    a.recv_type("update").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !stored_files(&server.data).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "left: {:?}",
            stored_files(&server.data)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(get(&server, kept, Some(&alice.cookie), None).await.0, 404);
}

/// The bytes of upload `n` of uploader `who`: distinct for each, 300 KiB.
fn content(who: usize, n: usize) -> Vec<u8> {
    let seed = (who * 1_000_003 + n) as u32;
    (0..75 * 1024u32)
        .flat_map(|i| (i ^ seed.wrapping_mul(2_654_435_761)).to_le_bytes())
        .collect()
}

/// Uploads and sends until the server dies; returns the (message id, file name) of every
/// message acknowledged with its file.
async fn upload_until_killed(
    server: Address,
    user: User,
    who: usize,
    round: usize,
) -> Vec<(u64, String)> {
    let mut acked = Vec::new();
    for n in 0.. {
        let name = format!("f-{who}-{round}-{n}.bin");
        let url = server.url(&format!("/api/v1/rooms/crash-files/files?name={name}"));
        let sent = http()
            .post(url)
            .header("cookie", &user.cookie)
            .header("content-type", "application/octet-stream")
            .body(content(who, round * 10_000 + n))
            .send()
            .await;
        let Ok(resp) = sent else { return acked };
        let Ok(body) = resp.json::<Value>().await else {
            return acked;
        };
        let Some(id) = body["file"]["id"].as_str() else {
            return acked;
        };
        let post = http()
            .post(server.url("/api/v1/rooms/crash-files/messages"))
            .header("cookie", &user.cookie)
            .json(&json!({"text": name, "files": [id]}))
            .send()
            .await;
        let Ok(resp) = post else { return acked };
        let Ok(body) = resp.json::<Value>().await else {
            return acked;
        };
        let Some(message) = body["message"]["id"].as_u64() else {
            return acked;
        };
        acked.push((message, name));
    }
    acked
}

#[tokio::test]
async fn kill_9_during_uploads_leaves_every_sent_file_whole_and_no_half_file() {
    let _alone = alone().await;
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("data");
    let fast = ["--ws-send-rate", "100000/1ms"];
    let mut server = Binary::start(&data, &fast).await;
    let users: Vec<User> = {
        let mut users = Vec::new();
        for i in 0..4 {
            users.push(signup(&server, &format!("uploader{i}")).await);
        }
        users
    };
    let made = json!({"name": "crash-files", "kind": "open"});
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/rooms",
        Some(&users[0].cookie),
        Some(made),
    )
    .await;
    assert_eq!(status, 201);
    let mut acked = Vec::new();
    for round in 0..4 {
        let tasks: Vec<_> = users
            .iter()
            .enumerate()
            .map(|(who, user)| {
                tokio::spawn(upload_until_killed(
                    Address(server.addr),
                    user.clone(),
                    who,
                    round,
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300 + 150 * round as u64)).await;
        server.child.kill().await.expect("SIGKILL");
        for task in tasks {
            acked.extend(
                tokio::time::timeout(WAIT, task)
                    .await
                    .expect("uploaders notice")
                    .unwrap(),
            );
        }
        server = Binary::start(&data, &fast).await;
        assert_eq!(
            std::fs::read_dir(data.join("files/tmp")).unwrap().count(),
            0,
            "no unfinished upload is left after a restart"
        );
    }
    assert!(
        acked.len() >= 4,
        "uploads got through between kills: {}",
        acked.len()
    );

    // Every message in the history names whole files, byte for byte; every acknowledged one
    // is there.
    let cookie = &users[0].cookie;
    let mut stored = Vec::new();
    loop {
        let after = stored
            .last()
            .map_or(0, |m: &Value| m["id"].as_u64().unwrap());
        let path = format!("/api/v1/rooms/crash-files/messages?after={after}&limit=200");
        let page = get_json(&server, &path, cookie).await;
        stored.extend(page["messages"].as_array().unwrap().iter().cloned());
        if page["more"] != true {
            break;
        }
    }
    for (id, name) in &acked {
        assert!(
            stored
                .iter()
                .any(|m| m["id"] == *id && m["text"] == name.as_str()),
            "{name} lost"
        );
    }
    for message in &stored {
        let file = &message["files"][0];
        let name = file["name"].as_str().unwrap();
        let parts: Vec<usize> = name
            .trim_end_matches(".bin")
            .split('-')
            .skip(1)
            .map(|p| p.parse().unwrap())
            .collect();
        let (status, _, bytes) =
            get(&server, file["url"].as_str().unwrap(), Some(cookie), None).await;
        assert_eq!(status, 200, "{name}");
        assert!(
            bytes == content(parts[0], parts[1] * 10_000 + parts[2]),
            "{name} is whole"
        );
    }
}

#[tokio::test]
async fn a_sweep_with_nothing_due_writes_nothing() {
    use confab::operator::actions::AdminRequest;
    use confab::operator::control::request;
    let config = ServeArgs {
        upload_sweep_every: Duration::from_millis(20),
        ..ServeArgs::default()
    };
    let server = TestServer::start_with(config).await;
    let durable_commits = || async {
        let reply = request(&server.data, &AdminRequest::Stats).await.unwrap();
        let stats: Value = serde_json::from_str(&reply.output).unwrap();
        stats["durable_commits"].as_u64().unwrap()
    };
    // Past what a fresh server writes as it starts, the count stands still, while the sweep
    // looks every 20 ms and finds no upload to sweep.
    let deadline = std::time::Instant::now() + WAIT;
    let mut seen = durable_commits().await;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = durable_commits().await;
        if now == seen {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "an idle server keeps committing: {now} durable commits"
        );
        seen = now;
    }
}
