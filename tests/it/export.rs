//! Exports and imports with the real binary: a room's owner downloads the room (and only its
//! owner: every other door is refused), the operator exports the whole server while it runs,
//! and `confab import` makes a new server that shows the same rooms, messages, files and
//! people, who sign in with their old passwords. A damaged export, a room's export and a
//! folder in use are refused before anything is written.

use std::io::{Cursor, Read};
use std::process::Output;

use crate::common::*;
use crate::files::{png, post_message, upload_to};
use serde_json::{Value, json};
use tempfile::TempDir;

async fn confab(args: &[&str]) -> Output {
    run_confab(args, "", WAIT * 6).await
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Sends a frame and returns the answer of `kind` (or an error).
async fn answer(chat: &mut Chat, frame: Value, kind: &str) -> Value {
    while !chat
        .is_silent_for(std::time::Duration::from_millis(30))
        .await
    {}
    chat.send(frame).await;
    loop {
        let got = chat.recv().await;
        if got["type"] == kind || got["type"] == "error" {
            return got;
        }
    }
}

/// Every message behind a history door, oldest first, without what only a live server keeps
/// (the change sequence, the sender's client id).
async fn history(server: &impl Target, user: &User, door: &str) -> Vec<Value> {
    let mut messages = Vec::new();
    let mut after = 0;
    loop {
        let page = get_json(
            server,
            &format!("{door}/messages?after={after}&limit=100"),
            &user.cookie,
        )
        .await;
        let batch = page["messages"].as_array().cloned().unwrap_or_default();
        let Some(last) = batch.last() else {
            return messages;
        };
        after = last["id"].as_u64().unwrap();
        for mut message in batch {
            let fields = message.as_object_mut().unwrap();
            fields.remove("seq");
            fields.remove("client_id");
            messages.push(message);
        }
    }
}

async fn get_bytes(server: &impl Target, cookie: Option<&str>, url: &str) -> (u16, Vec<u8>) {
    let mut request = http().get(server.url(url));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let resp = request.send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

/// The rooms someone's list shows, without what moves on its own (who is online).
async fn rooms_of(server: &impl Target, user: &User) -> Vec<Value> {
    let mut rooms = get_json(server, "/api/v1/rooms", &user.cookie).await["rooms"]
        .as_array()
        .cloned()
        .unwrap();
    for room in &mut rooms {
        room.as_object_mut().unwrap().remove("online");
    }
    rooms.sort_by_key(|r| r["id"].as_u64());
    rooms
}

/// Someone's friends, without who is online now.
async fn friends_of(server: &impl Target, user: &User) -> Value {
    let mut friends = get_json(server, "/api/v1/friends", &user.cookie).await;
    for friend in friends["friends"].as_array_mut().unwrap() {
        friend.as_object_mut().unwrap().remove("online");
    }
    friends
}

/// Every file and preview a history names, with its bytes.
async fn file_bytes(
    server: &impl Target,
    user: &User,
    messages: &[Value],
) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for message in messages {
        for file in message["files"].as_array().into_iter().flatten() {
            for key in ["url", "preview_url"] {
                if let Some(url) = file[key].as_str() {
                    let (status, bytes) = get_bytes(server, Some(&user.cookie), url).await;
                    assert_eq!(status, 200, "{url}");
                    out.push((url.to_owned(), bytes));
                }
            }
        }
    }
    out
}

/// The names of a zip's entries, and one entry's text.
fn zip_entries(bytes: &[u8]) -> (Vec<String>, impl Fn(&str) -> String + '_) {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let names = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    let read = move |name: &str| {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    (names, read)
}

#[tokio::test]
async fn an_exported_server_imported_into_a_new_folder_shows_the_same_rooms_messages_files_and_people()
 {
    let dir = TempDir::new().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    let server = Binary::start(&old, &[]).await;
    let ann = signup(&server, "ann").await;
    let ben = signup(&server, "ben").await;
    let cai = signup(&server, "cai").await;

    // A private room with a conversation in it: a reply, an edit, a deletion, a mention, a
    // reaction, a picture (with its preview) and another file.
    private_room(&server, &ann, "Plans", &["ben"]).await;
    let mut a = connect(&server, &ann).await;
    let mut b = connect(&server, &ben).await;
    a.join("plans").await;
    b.join("plans").await;
    let room = a.id("plans");
    let first = a.say("plans", "first draft @ben").await["id"]
        .as_u64()
        .unwrap();
    let oops = a.say("plans", "wrong room").await["id"].as_u64().unwrap();
    let reply = answer(
        &mut b,
        json!({"type":"send","room_id":room,"text":"looks good","reply_to":first}),
        "message",
    )
    .await;
    assert_eq!(reply["reply_to"], first, "{reply}");
    let edited = answer(
        &mut a,
        json!({"type":"edit","room_id":room,"id":first,"text":"final draft @ben"}),
        "update",
    )
    .await;
    assert!(edited["edited"].is_u64(), "{edited}");
    answer(
        &mut a,
        json!({"type":"delete","room_id":room,"id":oops}),
        "update",
    )
    .await;
    answer(
        &mut b,
        json!({"type":"react","room_id":room,"id":first,"emoji":"👍"}),
        "update",
    )
    .await;
    let picture = upload_to(
        &server,
        &ann,
        "plans",
        "map.png",
        "image/png",
        png(900, 500),
    )
    .await;
    let notes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let file = upload_to(
        &server,
        &ann,
        "plans",
        "notes.bin",
        "application/octet-stream",
        notes,
    )
    .await;
    let (status, body) = post_message(
        &server,
        &ann,
        "plans",
        json!({"text": "the map and the notes", "files": [picture["id"], file["id"]]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // An open room, a direct room, a friendship and a picture of ann.
    a.join("lobby").await;
    a.say("lobby", "hello everyone").await;
    let dm = direct_room(&server, &ann, &["cai"]).await;
    let (status, _) = api(
        &server,
        "POST",
        &format!("/api/v1/dm/{dm}/messages"),
        Some(&cai.cookie),
        Some(json!({"text": "hi ann, just us"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/friends/ben",
        Some(&ann.cookie),
        None,
    )
    .await;
    assert!(status < 300);
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/friends/ann",
        Some(&ben.cookie),
        None,
    )
    .await;
    assert!(status < 300);
    let resp = http()
        .put(server.url("/api/v1/me/avatar"))
        .header("cookie", &ann.cookie)
        .header("content-type", "image/png")
        .body(png(300, 300))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ann_before = me(&server, &ann.cookie)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let avatar_url = ann_before["user"]["avatar_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, avatar) = get_bytes(&server, Some(&ann.cookie), &avatar_url).await;

    // The owner downloads the room; nobody else can.
    let (status, zip) = get_bytes(&server, Some(&ann.cookie), "/api/v1/rooms/plans/export").await;
    assert_eq!(status, 200);
    let (names, read) = zip_entries(&zip);
    for name in [
        "rooms.jsonl",
        "messages.jsonl",
        "users.jsonl",
        "export.json",
    ] {
        assert!(names.contains(&name.to_owned()), "{name} in {names:?}");
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("files/")).count(),
        3,
        "{names:?}"
    );
    assert_eq!(read("messages.jsonl").lines().count(), 4);
    let users = read("users.jsonl");
    assert!(users.contains("\"ann\"") && users.contains("\"ben\"") && !users.contains("cai"));
    assert!(
        !users.contains("password_hash") && !users.contains("argon2"),
        "{users}"
    );
    let info: Value = serde_json::from_str(&read("export.json")).unwrap();
    assert_eq!(
        (info["scope"].as_str(), info["room"].as_str()),
        (Some("room"), Some("Plans"))
    );
    for (who, expected) in [(Some(&ben), 403), (Some(&cai), 404), (None, 401)] {
        let cookie = who.map(|u| u.cookie.as_str());
        let (status, body) = get_bytes(&server, cookie, "/api/v1/rooms/plans/export").await;
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(&body));
        assert!(!String::from_utf8_lossy(&body).contains("final draft"));
    }
    let (status, _) = get_bytes(&server, Some(&ann.cookie), "/api/v1/rooms/nowhere/export").await;
    assert_eq!(status, 404);
    let (_, settings) = get_bytes(&server, Some(&ann.cookie), "/rooms/plans/settings").await;
    assert!(String::from_utf8_lossy(&settings).contains("/api/v1/rooms/Plans/export"));
    let (_, settings) = get_bytes(&server, Some(&ben.cookie), "/rooms/plans/settings").await;
    assert!(!String::from_utf8_lossy(&settings).contains("/export"));

    // What everyone sees before the move.
    let doors = [
        "/api/v1/rooms/plans".to_owned(),
        "/api/v1/rooms/lobby".to_owned(),
        format!("/api/v1/dm/{dm}"),
    ];
    let mut before = Vec::new();
    for door in &doors {
        before.push(history(&server, &ann, door).await);
    }
    let files_before = file_bytes(&server, &ann, &before[0]).await;
    assert_eq!(files_before.len(), 3);
    let rooms_before = (rooms_of(&server, &ann).await, rooms_of(&server, &ben).await);
    let friends_before = friends_of(&server, &ann).await;

    // The operator exports everything while the server runs, then moves it.
    let export = dir.path().join("everything.zip");
    let old_data = old.to_str().unwrap();
    let out = confab(&[
        "export",
        "--all",
        export.to_str().unwrap(),
        "--data",
        old_data,
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("3 accounts, 3 rooms, 6 messages, 3 stored files"),
        "{}",
        said(&out)
    );
    drop((a, b));
    server.terminate().await;

    let out = confab(&[
        "import",
        export.to_str().unwrap(),
        "--data",
        new.to_str().unwrap(),
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("imported into"), "{}", said(&out));
    let server = Binary::start(&new, &[]).await;
    for user in [&ann, &ben, &cai] {
        let resp = login(&server, &user.name, &user.password).await;
        assert_eq!(
            resp.status(),
            200,
            "{} signs in with the old password",
            user.name
        );
    }
    let ann = User {
        cookie: cookie_pair(&login(&server, "ann", &ann.password).await).unwrap(),
        ..ann
    };
    let ben = User {
        cookie: cookie_pair(&login(&server, "ben", &ben.password).await).unwrap(),
        ..ben
    };
    for (door, old) in doors.iter().zip(&before) {
        assert_eq!(&history(&server, &ann, door).await, old, "{door}");
    }
    assert_eq!(file_bytes(&server, &ann, &before[0]).await, files_before);
    assert_eq!(
        (rooms_of(&server, &ann).await, rooms_of(&server, &ben).await),
        rooms_before
    );
    assert_eq!(friends_of(&server, &ann).await, friends_before);
    let ann_after = me(&server, &ann.cookie)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(ann_after["user"], ann_before["user"]);
    assert_eq!(
        get_bytes(&server, Some(&ann.cookie), &avatar_url).await,
        (200, avatar)
    );
    // The search index is rebuilt from the imported history.
    let found = get_json(&server, "/api/v1/search?q=draft", &ann.cookie).await;
    assert_eq!(found["results"][0]["id"], first, "{found}");
    // And the new server goes on: the next message takes the next id.
    let mut a = connect(&server, &ann).await;
    a.join("plans").await;
    let next = a.say("plans", "moved in").await["id"].as_u64().unwrap();
    assert!(next > before[0].last().unwrap()["id"].as_u64().unwrap());

    // A second import over a folder in use, or of a room's export, is refused.
    let out = confab(&[
        "import",
        export.to_str().unwrap(),
        "--data",
        new.to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(said(&out).contains("is not empty"), "{}", said(&out));
    let room_export = dir.path().join("plans.zip");
    std::fs::write(&room_export, &zip).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let out = confab(&[
        "import",
        room_export.to_str().unwrap(),
        "--data",
        elsewhere.to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(said(&out).contains("export of one room"), "{}", said(&out));
    assert!(!elsewhere.exists());
    server.terminate().await;
}

#[tokio::test]
async fn a_damaged_or_cut_export_is_refused_and_nothing_is_made() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = Binary::start(&data, &[]).await;
    let ann = signup(&server, "ann").await;
    let mut a = connect(&server, &ann).await;
    a.join("lobby").await;
    for i in 0..20 {
        a.say("lobby", &format!("message number {i}")).await;
    }
    let export = dir.path().join("all.zip");
    let out = confab(&[
        "export",
        "--all",
        export.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
    let out = confab(&[
        "export",
        "--room",
        "nowhere",
        dir.path().join("x.zip").to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(
        said(&out).contains("no room called nowhere"),
        "{}",
        said(&out)
    );
    server.terminate().await;
    let bytes = std::fs::read(&export).unwrap();

    let target = dir.path().join("target");
    let attempt = |bytes: Vec<u8>| {
        let path = dir.path().join("attempt.zip");
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let mut changed = bytes.clone();
    // A byte in the middle of the messages' compressed bytes.
    let middle = {
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let entry = archive.by_name("messages.jsonl").unwrap();
        entry.data_start().unwrap() + entry.compressed_size() / 2
    };
    changed[middle as usize] ^= 0x20;
    for (what, damaged) in [
        ("changed", changed),
        ("cut", bytes[..bytes.len() * 2 / 3].to_vec()),
        ("not a zip", b"hello, this is not an export".to_vec()),
    ] {
        let path = attempt(damaged);
        let out = confab(&[
            "import",
            path.to_str().unwrap(),
            "--data",
            target.to_str().unwrap(),
        ])
        .await;
        assert_eq!(out.status.code(), Some(1), "{what}: {}", said(&out));
        let message = said(&out);
        assert!(
            message.contains("is damaged") || message.contains("is not a confab export"),
            "{what}: {message}"
        );
        assert!(!target.exists(), "{what}: nothing is made");
        let staging = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name().to_string_lossy().starts_with(".target"))
            .count();
        assert_eq!(staging, 0, "{what}: no staging folder is left");
    }
    let out = confab(&[
        "import",
        export.to_str().unwrap(),
        "--data",
        target.to_str().unwrap(),
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
}
