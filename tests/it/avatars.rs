//! Avatars over HTTP: an upload becomes a square picture served under its own address to
//! signed-in people, shown on its owner's messages; hostile files are refused with
//! `bad_image`, quickly, without the server's memory growing (measured on the real binary).

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use crate::common::*;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use serde_json::Value;
use tempfile::TempDir;

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// A 600×400 picture: a gradient, so it is not trivially small once compressed.
fn photo() -> Vec<u8> {
    let pixels = RgbImage::from_fn(600, 400, |x, y| {
        Rgb([
            (x * 255 / 600) as u8,
            (y * 255 / 400) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    encoded(&DynamicImage::ImageRgb8(pixels), ImageFormat::Jpeg)
}

/// A real PNG of `width`×`height` black pixels (grey, or 16-bit RGBA when `deep`), written a
/// row at a time so the test never holds the picture: a small file that decodes enormous.
fn bomb(width: u32, height: u32, deep: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    if deep {
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Sixteen);
    } else {
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
    }
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().unwrap();
    let row = vec![0u8; width as usize * if deep { 8 } else { 1 }];
    let mut stream = writer.stream_writer().unwrap();
    for _ in 0..height {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

async fn put_avatar(
    server: &impl Target,
    cookie: Option<&str>,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut request = http()
        .put(server.url("/api/v1/me/avatar"))
        .header("content-type", content_type)
        .body(bytes);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn fetch(server: &impl Target, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = http().get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn an_upload_is_cropped_re_encoded_and_shown_on_its_owners_messages() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let (_, me) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(me["user"]["avatar_url"], Value::Null);

    // Metadata in the upload (a text chunk here) is not in what is served.
    let mut with_metadata = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut with_metadata, 40, 30);
        encoder.set_color(png::ColorType::Rgb);
        encoder
            .add_text_chunk("Comment".into(), "taken-at-home-gps-51.5".into())
            .unwrap();
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&vec![200u8; 40 * 30 * 3]).unwrap();
    }
    let (status, body) = put_avatar(&server, Some(&alice.cookie), "image/png", with_metadata).await;
    assert_eq!(status, 200, "{body}");
    let large = body["user"]["avatar_url"].as_str().unwrap().to_owned();
    assert!(
        large.starts_with("/avatars/256/") && large.ends_with(".jpg"),
        "{large}"
    );
    let (_, me) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(me["user"]["avatar_url"], large.as_str());

    // Bob sees it, as a cacheable JPEG that is only ever a JPEG.
    let resp = fetch(&server, &large, Some(&bob.cookie)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let cache = resp.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(
        cache.contains("max-age=31536000") && cache.contains("immutable"),
        "{cache}"
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"gps-51"), "metadata kept");
    let served = image::load_from_memory(&bytes).unwrap();
    assert_eq!((served.width(), served.height()), (256, 256));
    let small = large.replace("/256/", "/64/");
    let served = image::load_from_memory(
        &fetch(&server, &small, Some(&bob.cookie))
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!((served.width(), served.height()), (64, 64));

    // Signed out, nothing; a name the server never made, nothing.
    assert_eq!(fetch(&server, &large, None).await.status(), 401);
    for bad in [
        "/avatars/128/0123456789abcdef0123456789abcdef.jpg",
        "/avatars/256/0123456789abcdef0123456789abcdef.jpg",
        "/avatars/256/..%2f..%2fconfab.redb",
    ] {
        assert_eq!(
            fetch(&server, bad, Some(&bob.cookie)).await.status(),
            404,
            "{bad}"
        );
    }

    // Her messages carry the small picture, old ones too.
    let mut chat = connect(&server, &alice).await;
    chat.join("lobby").await;
    chat.say("lobby", "hello").await;
    let history = get_json(&server, "/api/v1/rooms/lobby/messages", &bob.cookie).await;
    assert_eq!(
        history["messages"][0]["avatar_url"],
        small.as_str(),
        "{history}"
    );

    // A new picture gets new addresses; the old ones are gone.
    let (status, body) = put_avatar(&server, Some(&alice.cookie), "image/jpeg", photo()).await;
    assert_eq!(status, 200, "{body}");
    let newer = body["user"]["avatar_url"].as_str().unwrap().to_owned();
    assert_ne!(newer, large);
    assert_eq!(
        fetch(&server, &large, Some(&bob.cookie)).await.status(),
        404
    );
    assert_eq!(
        fetch(&server, &newer, Some(&bob.cookie)).await.status(),
        200
    );

    // Removed: initials again, and the pictures are gone.
    let (status, body) = api(
        &server,
        "DELETE",
        "/api/v1/me/avatar",
        Some(&alice.cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["avatar_url"], Value::Null);
    assert_eq!(
        fetch(&server, &newer, Some(&bob.cookie)).await.status(),
        404
    );
    let history = get_json(&server, "/api/v1/rooms/lobby/messages", &bob.cookie).await;
    assert_eq!(history["messages"][0].get("avatar_url"), None, "{history}");
}

#[tokio::test]
async fn a_direct_room_and_a_friend_are_shown_by_display_name_and_picture_on_every_door() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let (status, body) = api(
        &server,
        "PATCH",
        "/api/v1/me",
        Some(&alice.cookie),
        Some(serde_json::json!({"display_name": "Alice Liddell"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put_avatar(&server, Some(&alice.cookie), "image/jpeg", photo()).await;
    assert_eq!(status, 200, "{body}");
    let large = body["user"]["avatar_url"].as_str().unwrap().to_owned();
    let small = large.replace("/avatars/256/", "/avatars/64/");
    for path in ["/api/v1/friends/alice", "/api/v1/friends/bob"] {
        let user = if path.ends_with("alice") {
            &bob
        } else {
            &alice
        };
        let (status, body) = api(&server, "POST", path, Some(&user.cookie), None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, body) = api(
        &server,
        "POST",
        "/api/v1/dm",
        Some(&bob.cookie),
        Some(serde_json::json!({"usernames": ["alice"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let room_id = body["room"]["id"].as_u64().unwrap();
    let alice_as_shown = serde_json::json!({
        "user_id": body["room"]["members"][0]["user_id"],
        "username": "alice",
        "display_name": "Alice Liddell",
        "avatar_url": small,
    });
    assert_eq!(usernames(&body["room"]["members"]), ["alice", "bob"]);
    assert_eq!(body["room"]["members"][0], alice_as_shown, "{body}");
    assert!(body["room"]["members"][1].get("display_name").is_none());

    // The room list, the socket's greeting and its answer to a join.
    let rooms = get_json(&server, "/api/v1/rooms", &bob.cookie).await;
    assert_eq!(rooms["rooms"][0]["people"][0], alice_as_shown);
    let mut chat = connect(&server, &bob).await;
    assert_eq!(chat.hello["rooms"][0]["people"][0], alice_as_shown);
    let friend = &chat.hello["friends"][0];
    assert_eq!(
        (&friend["display_name"], &friend["avatar_url"]),
        (
            &alice_as_shown["display_name"],
            &alice_as_shown["avatar_url"]
        )
    );
    let joined = chat.join_id(room_id).await;
    assert_eq!(joined["people"][0], alice_as_shown);

    // The page's sidebar: the room and the friend by her display name, with her picture.
    let (status, html) = page(&server, "/people", Some(&bob.cookie)).await;
    assert_eq!(status, 200);
    let sidebar = &html[html.find(r#"id="sidebar""#).unwrap()..];
    let room = &sidebar[sidebar.find(r#"href="/dm/alice""#).unwrap()..];
    let room = &room[..room.find("</a>").unwrap()];
    assert!(
        room.contains(&format!(r#"src="{small}""#)) && room.contains("Alice Liddell"),
        "{room}"
    );
    let friend = &sidebar[sidebar.find(r#"class="sidebar-friend""#).unwrap()..];
    let friend = &friend[..friend.find("</a>").unwrap()];
    assert!(
        friend.contains(&format!(r#"src="{small}""#))
            && friend.contains("Alice Liddell")
            && friend.contains(r#"title="alice""#),
        "{friend}"
    );
}

#[tokio::test]
async fn outsiders_and_wrong_bodies_are_refused() {
    let server = TestServer::start().await;
    let alice = signup(&server, "alice").await;
    let (status, body) = put_avatar(&server, None, "image/jpeg", photo()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("not_signed_in")),
        "{body}"
    );
    let (status, _) = api(&server, "DELETE", "/api/v1/me/avatar", None, None).await;
    assert_eq!(status, 401);
    let resp = http()
        .put(server.url("/api/v1/me/avatar"))
        .header("cookie", &alice.cookie)
        .header("origin", "https://evil.example")
        .header("content-type", "image/jpeg")
        .body(photo())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let (status, body) = put_avatar(&server, Some(&alice.cookie), "text/html", photo()).await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = put_avatar(&server, Some(&alice.cookie), "image/png", Vec::new()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_image")),
        "{body}"
    );
    let (status, body) = put_avatar(
        &server,
        Some(&alice.cookie),
        "image/png",
        vec![0x89; 5 * 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("5 MiB"),
        "{body}"
    );
    let (_, me) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert_eq!(me["user"]["avatar_url"], Value::Null, "nothing was kept");
}

/// The server's peak resident memory since the last reset, in KiB (Linux).
fn peak_kib(pid: u32) -> u64 {
    (memory(pid).peak / KIB) as u64
}

#[tokio::test]
async fn hostile_images_are_refused_quickly_and_without_memory_growth() {
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let pid = server.child.id().unwrap();
    let alice = signup(&server, "alice").await;

    let mut polyglot = encoded(
        &DynamicImage::ImageRgb8(RgbImage::new(64, 64)),
        ImageFormat::Png,
    );
    polyglot.extend_from_slice(b"<!DOCTYPE html><html><script>fetch('/api/v1/me')</script></html>");
    let mut truncated = photo();
    truncated.truncate(truncated.len() * 2 / 3);
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>"#.to_vec();
    let hostile: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "decompression bomb (4096×4096 16-bit RGBA, 128 MiB decoded)",
            "image/png",
            bomb(4096, 4096, true),
            "memory",
        ),
        ("truncated JPEG", "image/jpeg", truncated, "damaged"),
        (
            "polyglot (PNG + HTML and script)",
            "image/png",
            polyglot,
            "web page code",
        ),
        ("SVG sent as SVG", "image/svg+xml", svg.clone(), "SVG"),
        ("SVG sent as PNG", "image/png", svg, "SVG"),
        (
            "20000×20000 PNG",
            "image/png",
            bomb(20_000, 20_000, false),
            "20000×20000",
        ),
    ];
    // One upload that works first, so the baseline includes a decoder's ordinary needs.
    let (status, _) = put_avatar(&server, Some(&alice.cookie), "image/jpeg", photo()).await;
    assert_eq!(status, 200);
    for (name, content_type, bytes, says) in hostile {
        let size = bytes.len();
        reset_peak(pid);
        let before = peak_kib(pid);
        let started = Instant::now();
        let (status, body) = put_avatar(&server, Some(&alice.cookie), content_type, bytes).await;
        let took = started.elapsed();
        let grew = peak_kib(pid).saturating_sub(before);
        eprintln!(
            "{name}: {size} bytes refused in {} ms; server peak RSS +{} KiB",
            took.as_millis(),
            grew
        );
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_image")),
            "{name}: {body}"
        );
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{name}: {message}");
        // The body itself is held once or twice (at most 5 MiB); a decoded bomb would be
        // hundreds of MiB.
        assert!(grew < 32 * 1024, "{name}: peak RSS grew by {grew} KiB");
        assert!(took < Duration::from_secs(5), "{name}: took {took:?}");
    }
    let (_, me) = api(&server, "GET", "/api/v1/me", Some(&alice.cookie), None).await;
    assert!(
        me["user"]["avatar_url"].as_str().is_some(),
        "the good picture stays"
    );
    server.terminate().await;
}
