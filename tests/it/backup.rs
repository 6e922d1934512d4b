//! `confab backup`, `confab backup --verify` and `confab restore` with the real binary: an
//! archive written while people send and upload holds everything they were told was kept,
//! and a damaged or cut archive is refused before anything is written.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use crate::common::*;
use crate::files::{post_message, upload_to};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Runs `confab ARGS` to completion.
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

/// A message the server acknowledged, with the bytes of its file.
#[derive(Debug, Clone)]
struct Kept {
    text: String,
    file_url: String,
    bytes: Vec<u8>,
}

/// Bytes of a size and content that differ for every sender and turn.
fn contents(sender: usize, turn: usize) -> Vec<u8> {
    let len = 500 + (sender * 7919 + turn * 104_729) % 150_000;
    (0..len)
        .map(|i| ((i * 31 + sender * 17 + turn * 13) % 251) as u8)
        .collect()
}

/// One person uploading a file and sending it with a message, `turns` times, recording each
/// message the server acknowledged.
async fn sender(
    server: Arc<Binary>,
    user: User,
    index: usize,
    turns: usize,
    kept: Arc<Mutex<Vec<Kept>>>,
) {
    for turn in 0..turns {
        let bytes = contents(index, turn);
        let name = format!("{}-{turn}.bin", user.name);
        let file = upload_to(
            &*server,
            &user,
            "general",
            &name,
            "application/octet-stream",
            bytes.clone(),
        )
        .await;
        let text = format!("{} turn {turn}", user.name);
        let (status, body) = post_message(
            &*server,
            &user,
            "general",
            json!({"text": text, "files": [file["id"]]}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        kept.lock().unwrap().push(Kept {
            text,
            file_url: file["url"].as_str().unwrap().to_owned(),
            bytes,
        });
    }
}

/// Every message of a room, oldest first.
async fn whole_history(server: &impl Target, user: &User, room: &str) -> Vec<Value> {
    let mut messages = Vec::new();
    let mut after = 0;
    loop {
        let page = get_json(
            server,
            &format!("/api/v1/rooms/{room}/messages?after={after}&limit=100"),
            &user.cookie,
        )
        .await;
        let batch = page["messages"].as_array().cloned().unwrap_or_default();
        if batch.is_empty() {
            return messages;
        }
        after = batch.last().unwrap()["id"].as_u64().unwrap();
        messages.extend(batch);
    }
}

async fn download(server: &impl Target, user: &User, url: &str) -> (u16, Vec<u8>) {
    let resp = http()
        .get(server.url(url))
        .header("cookie", &user.cookie)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_backup_taken_while_four_people_send_and_upload_restores_everything_they_were_told_was_kept()
 {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    // Each person sends faster than the default rate allows for long.
    let server = Arc::new(Binary::start(&data, &["--ws-send-rate", "1000/100ms"]).await);
    let mut people = Vec::new();
    for name in ["ann", "ben", "cai", "dee"] {
        let user = signup(&*server, name).await;
        let mut chat = connect(&*server, &user).await;
        chat.join("general").await;
        people.push(user);
    }
    let kept = Arc::new(Mutex::new(Vec::new()));
    let senders: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(index, user)| {
            tokio::spawn(sender(
                Arc::clone(&server),
                user.clone(),
                index,
                30,
                Arc::clone(&kept),
            ))
        })
        .collect();

    // Once some are kept, back up while the rest are still being sent.
    let deadline = std::time::Instant::now() + WAIT * 3;
    while kept.lock().unwrap().len() < 20 {
        assert!(std::time::Instant::now() < deadline, "senders stalled");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before_backup: Vec<Kept> = kept.lock().unwrap().clone();
    let archive = dir.path().join("chat.backup");
    let archive_arg = archive.to_str().unwrap();
    let out = confab(&["backup", archive_arg, "--data", data.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("backup written to"), "{}", said(&out));
    let during = kept.lock().unwrap().len();
    for sender in senders {
        sender.await.unwrap();
    }
    assert!(
        during < 120,
        "the backup should run while people still send ({during} of 120 sent)"
    );

    let out = confab(&["backup", "--verify", archive_arg]).await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("is sound"), "{}", said(&out));

    let restored = dir.path().join("restored");
    let out = confab(&["restore", archive_arg, "--data", restored.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", said(&out));
    let server = Binary::start(&restored, &[]).await;
    // Sessions are in the backup: the same cookies work on the restored server.
    let history = whole_history(&server, &people[0], "general").await;
    let by_text: BTreeMap<&str, &Value> = history
        .iter()
        .map(|m| (m["text"].as_str().unwrap(), m))
        .collect();
    for message in &before_backup {
        let found = by_text
            .get(message.text.as_str())
            .unwrap_or_else(|| panic!("{} is missing after the restore", message.text));
        assert_eq!(found["files"][0]["url"], message.file_url);
    }
    // Every message the archive holds (acknowledged before or during the backup) has its
    // file, byte for byte.
    let all_kept = kept.lock().unwrap().clone();
    let bytes_by_url: BTreeMap<&str, &Vec<u8>> = all_kept
        .iter()
        .map(|k| (k.file_url.as_str(), &k.bytes))
        .collect();
    assert!(history.len() >= before_backup.len());
    for message in &history {
        let url = message["files"][0]["url"].as_str().unwrap();
        let (status, bytes) = download(&server, &people[1], url).await;
        assert_eq!(status, 200, "{url}");
        assert!(
            &bytes == bytes_by_url[url],
            "{url} differs after the restore"
        );
    }
    assert_eq!(server.terminate().await, Some(0));
}

/// Writes a small archive of a stopped server's folder; returns its path.
async fn small_archive(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let server = Binary::start(&data, &[]).await;
    let alice = signup(&server, "alice").await;
    connect(&server, &alice).await.join("general").await;
    upload_to(
        &server,
        &alice,
        "general",
        "a.txt",
        "text/plain",
        b"kept".to_vec(),
    )
    .await;
    assert_eq!(server.terminate().await, Some(0));
    let archive = dir.join("small.backup");
    let out = confab(&[
        "backup",
        archive.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
    archive
}

#[tokio::test]
async fn a_changed_byte_or_a_cut_archive_is_refused_by_verify_and_restore_with_a_reason() {
    let dir = TempDir::new().unwrap();
    let archive = small_archive(dir.path()).await;
    let original = std::fs::read(&archive).unwrap();
    let bad = dir.path().join("bad.backup");
    let target = dir.path().join("target");
    let cases = [
        ("one changed byte", {
            let mut bytes = original.clone();
            let middle = bytes.len() / 3;
            bytes[middle] ^= 0x01;
            bytes
        }),
        ("its last byte changed", {
            let mut bytes = original.clone();
            *bytes.last_mut().unwrap() ^= 0x01;
            bytes
        }),
        ("cut short", original[..original.len() * 2 / 3].to_vec()),
        (
            "cut by one block",
            original[..original.len() - 512].to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        std::fs::write(&bad, bytes).unwrap();
        let out = confab(&["backup", "--verify", bad.to_str().unwrap()]).await;
        assert!(!out.status.success(), "{what}: {}", said(&out));
        assert!(said(&out).contains("is damaged"), "{what}: {}", said(&out));
        let out = confab(&[
            "restore",
            bad.to_str().unwrap(),
            "--data",
            target.to_str().unwrap(),
        ])
        .await;
        assert!(!out.status.success(), "{what}: {}", said(&out));
        assert!(said(&out).contains("is damaged"), "{what}: {}", said(&out));
        assert!(!target.exists(), "{what}: restore wrote something");
    }
    // Nothing but the archives and the source folder was left beside them.
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["bad.backup", "data", "small.backup"]);

    // A folder that holds something is never written into.
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), b"mine").unwrap();
    let out = confab(&[
        "restore",
        archive.to_str().unwrap(),
        "--data",
        target.to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(said(&out).contains("is not empty"), "{}", said(&out));
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);

    // Something that is no archive at all.
    std::fs::write(&bad, b"just some notes\n").unwrap();
    let out = confab(&["backup", "--verify", bad.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(said(&out).contains("is damaged"), "{}", said(&out));
}
