//! Imports of exports made by hand: a well-formed one is imported whole, and each kind of
//! wrong one (a reference to nothing, a name twice, a type a browser would run, an entry the
//! format has no place for, a listing that disagrees) is refused with nothing left behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tempfile::TempDir;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::*;
use crate::files::blobs::Digest;
use crate::store::{HistoryQuery, Store};

/// A password hash in the PHC format (of "correct horse battery").
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$F6Jr6bqcOv0IYQ3kpZzDgZg9WoQ0dLD8PHJIStwN0Hw";

fn hex(bytes: &[u8]) -> String {
    Digest::of(bytes).hex()
}

fn lines(values: &[Value]) -> Vec<u8> {
    values
        .iter()
        .map(|v| format!("{v}\n"))
        .collect::<String>()
        .into_bytes()
}

/// The parts of an export, to change before it is written.
struct Parts {
    users: Vec<Value>,
    rooms: Vec<Value>,
    messages: Vec<Value>,
    files: Vec<(String, Vec<u8>)>,
    avatars: Vec<(String, Vec<u8>)>,
    scope: Scope,
}

const NOTES: &[u8] = b"the minutes of the meeting";
const AVATAR: &str = "0123456789abcdef0123456789abcdef.png";
const CODE: &str = "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d1f";

fn parts() -> Parts {
    let user = |id: u64, name: &str| {
        json!({"id": id, "username": name, "created_at": 1_000,
               "account": {"password_hash": HASH, "dm_from": "everyone",
                           "friends": [{"user": 3 - id, "state": "friends"}]}})
    };
    let mut ann = user(1, "ann");
    ann["account"]["avatar"] = json!(AVATAR);
    ann["account"]["recovery_codes"] = json!([CODE]);
    ann["account"]["blocks"] = json!([{"user": 3, "since": 1_200}]);
    let gone = json!({"id": 3, "username": "deleted~3", "created_at": 1_000, "deleted": true,
                      "account": {"password_hash": "", "dm_from": "everyone", "deleted_at": 1_500}});
    Parts {
        users: vec![ann, user(2, "ben"), gone],
        rooms: vec![
            json!({"id": 4, "kind": "open", "name": "Lobby", "created_at": 1_000,
                   "created_by": 1, "members": [
                       {"user": 1, "role": "owner", "joined_at": 1_000, "read": 4},
                       {"user": 2, "role": "member", "joined_at": 1_100, "read": 0}]}),
            json!({"id": 5, "kind": "direct", "created_at": 1_000, "members": [
                       {"user": 1, "role": "member", "joined_at": 1_000},
                       {"user": 2, "role": "member", "joined_at": 1_000, "hidden": true}]}),
        ],
        messages: vec![
            json!({"room": 4, "id": 1, "ts": 2_000, "author": 1, "text": "hello @ben",
                   "mentions": [2]}),
            json!({"room": 4, "id": 3, "ts": 3_000, "author": 2, "text": "the notes",
                   "reply_to": 1, "reactions": [{"emoji": "👍", "users": [1]}],
                   "files": [{"id": 77, "sha256": hex(NOTES), "name": "notes.txt",
                              "type": "text/plain", "size": NOTES.len()}]}),
            json!({"room": 4, "id": 4, "ts": 3_500, "author": 3, "text": "everyone, @room",
                   "everyone": "room"}),
        ],
        files: vec![(hex(NOTES), NOTES.to_vec())],
        avatars: vec![
            (format!("avatars/256/{AVATAR}"), b"large picture".to_vec()),
            (format!("avatars/64/{AVATAR}"), b"small".to_vec()),
        ],
        scope: Scope::Server,
    }
}

/// Writes `parts` as an export, `export.json` made to match unless `change` says otherwise.
fn write_export(dir: &Path, parts: &Parts, change: impl FnOnce(&mut Value)) -> PathBuf {
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        (USERS.into(), lines(&parts.users)),
        (ROOMS.into(), lines(&parts.rooms)),
        (MESSAGES.into(), lines(&parts.messages)),
    ];
    for (digest, bytes) in &parts.files {
        entries.push((format!("files/{digest}"), bytes.clone()));
    }
    entries.extend(parts.avatars.iter().cloned());
    let mut info = json!({
        "format": "confab-export", "version": 1, "confab": "test", "created_ms": 5_000,
        "counts": {"users": parts.users.len(), "rooms": parts.rooms.len(),
                   "messages": parts.messages.len(), "files": parts.files.len(),
                   "avatars": parts.avatars.len()},
        "entries": entries.iter().map(|(path, bytes)| json!({
            "path": path, "size": bytes.len(), "sha256": hex(bytes)})).collect::<Vec<_>>(),
    });
    let scope = serde_json::to_value(&parts.scope).unwrap();
    for (key, value) in scope.as_object().unwrap() {
        info[key] = value.clone();
    }
    change(&mut info);
    entries.push((INFO.into(), serde_json::to_vec(&info).unwrap()));
    let path = dir.join("export.zip");
    let mut zip = ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn refused(parts: &Parts, change: impl FnOnce(&mut Value)) -> String {
    let dir = TempDir::new().unwrap();
    let path = write_export(dir.path(), parts, change);
    let target = dir.path().join("new");
    let err = import(&path, &target).expect_err("refused");
    assert!(!target.exists(), "nothing is made: {err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "only the export is left: {left:?}");
    err.to_string()
}

#[test]
fn a_well_formed_export_is_imported_whole() {
    let dir = TempDir::new().unwrap();
    let path = write_export(dir.path(), &parts(), |_| {});
    let verified = verify(&path).unwrap();
    assert_eq!(verified.info.scope, Scope::Server);
    let target = dir.path().join("new");
    let imported = import(&path, &target).unwrap();
    assert_eq!(imported.counts.messages, 3);

    let store = Store::open(&target).unwrap();
    let ann = store.find_user("ANN").unwrap().expect("ann");
    assert_eq!((ann.user.id, ann.password_hash.as_str()), (1, HASH));
    let snapshot = store.snapshot().unwrap();
    let room = snapshot.room_by_name("lobby").unwrap().expect("the room");
    assert_eq!(
        (room.id, room.last_id, room.seq, room.members),
        (4, 4, 4, 2)
    );
    assert_eq!(room.last_activity, 3_500);
    let page = snapshot.history(4, HistoryQuery::Latest, 10).unwrap();
    let texts: Vec<_> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["hello @ben", "the notes", "everyone, @room"]);
    let notes = &page.messages[1];
    assert_eq!(
        (notes.reply_to, notes.reactions[0].users.clone()),
        (Some(1), vec![1])
    );
    assert_eq!(notes.files[0].id, 77);
    let upload = snapshot.upload(77).unwrap().expect("its upload");
    assert_eq!((upload.uploader, upload.room_id), (2, 4));
    assert_eq!(
        std::fs::read(crate::files::blobs::Blobs::at(&target).path(&Digest(upload.digest)))
            .unwrap(),
        NOTES
    );
    // Ben never read: ann's message calls him by name, and the deleted account's calls @room.
    let unread = snapshot.unread(2, 4).unwrap();
    assert_eq!((unread.messages, unread.mentions), (2, 2));
    assert_eq!(snapshot.unread(1, 4).unwrap().messages, 0);
    assert_eq!(snapshot.friends_of(1).unwrap().len(), 1);
    assert!(snapshot.blocked(1, 3).unwrap());
    assert!(
        snapshot
            .user(3)
            .unwrap()
            .expect("the deleted account")
            .deleted
    );
    assert_eq!(store.recovery_codes_left(1).unwrap(), 1);
    assert_eq!(
        store.avatar_image(AVATAR, 64).unwrap().as_deref(),
        Some(&b"small"[..])
    );
    let direct = snapshot
        .direct_room("1,2")
        .unwrap()
        .expect("the direct room");
    assert_eq!(direct.id, 5);
    assert!(snapshot.membership(5, 2).unwrap().unwrap().hidden);
}

#[test]
fn an_export_naming_what_is_not_there_is_refused_and_leaves_nothing() {
    let mut cases: Vec<(&str, Parts, &str)> = Vec::new();
    let mut p = parts();
    p.messages[0]["room"] = json!(9);
    cases.push(("a message in no room", p, "room 9"));
    let mut p = parts();
    p.messages[0]["author"] = json!(8);
    cases.push(("a message by nobody", p, "account 8"));
    let mut p = parts();
    p.users[1]["username"] = json!("ANN");
    cases.push(("a name twice", p, "used twice"));
    let mut p = parts();
    p.messages.swap(0, 1);
    p.messages[0]["reply_to"] = Value::Null;
    cases.push(("messages out of order", p, "not in order"));
    let mut p = parts();
    p.messages[1]["files"][0]["type"] = json!("text/html");
    cases.push(("a page as a file", p, "text/html"));
    let mut p = parts();
    p.messages[1]["files"] = json!([]);
    cases.push(("a file no message names", p, "no message names"));
    let mut p = parts();
    p.files.clear();
    cases.push(("a missing file", p, "which is not in it"));
    let mut p = parts();
    p.users[0]["account"]["password_hash"] = json!("hunter2");
    cases.push(("a password in clear", p, "PHC"));
    let mut p = parts();
    p.users[0]["account"]["friends"] = json!([]);
    cases.push(("a friendship from one side", p, "both sides"));
    let mut p = parts();
    p.messages[0]["text"] = json!("x".repeat(4001));
    cases.push(("a message too long", p, "4000"));
    let mut p = parts();
    p.scope = Scope::Room("Lobby".into());
    cases.push(("a room's export", p, "export of one room"));
    let mut p = parts();
    p.users[1]["id"] = json!(1u64 << 60);
    cases.push(("an id past 2^53", p, "between 1 and 2^53"));
    let mut p = parts();
    p.messages[2]["ts"] = json!(32_503_680_000_000u64);
    cases.push((
        "a message from the year 3000",
        p,
        "after the export was written",
    ));
    let mut p = parts();
    p.messages[0]["ts"] = json!(500);
    cases.push(("a message before its room", p, "older than the room"));
    let mut p = parts();
    p.messages[2] = json!({"room": 4, "id": 4, "ts": 3_500, "author": 3, "text": "",
                           "deleted": true, "everyone": "here", "here": [2]});
    cases.push(("a deletion that still calls", p, "keeps no text"));
    let mut p = parts();
    p.messages[2]["reply_to"] = json!(2);
    cases.push(("a reply to no message", p, "which is not in room 4"));
    let mut p = parts();
    p.messages[1]["files"][0]["size"] = json!(5);
    cases.push(("a file of another size", p, "not of the size"));
    let mut p = parts();
    p.avatars.pop();
    cases.push(("an avatar without its small picture", p, "is missing"));
    let mut p = parts();
    p.users[1]["account"]["avatar"] = json!(AVATAR);
    cases.push(("one avatar for two accounts", p, "two accounts"));
    let mut p = parts();
    p.users[0]["account"]["password_hash"] = json!(HASH.replace("m=19456", "m=4194304"));
    cases.push((
        "a hash that would stall sign-in",
        p,
        "this server's parameters",
    ));
    for (what, parts, says) in cases {
        let message = refused(&parts, |_| {});
        assert!(message.contains(says), "{what}: {message}");
    }
}

#[test]
fn an_entry_the_format_has_no_place_for_or_a_listing_that_disagrees_is_refused() {
    let mut p = parts();
    p.files.push(("../../escape".into(), b"x".to_vec()));
    let message = refused(&p, |_| {});
    assert!(message.contains("is not a confab export"), "{message}");

    let message = refused(&parts(), |info| {
        info["entries"].as_array_mut().unwrap().pop();
    });
    assert!(
        message.contains("is in the zip but not in export.json"),
        "{message}"
    );

    let message = refused(&parts(), |info| info["counts"]["messages"] = json!(4));
    assert!(message.contains("counts 4 messages"), "{message}");

    let message = refused(&parts(), |info| {
        info["entries"][0]["sha256"] = json!(hex(b"something else"));
    });
    assert!(message.contains("does not match export.json"), "{message}");

    let message = refused(&parts(), |info| info["version"] = json!(2));
    assert!(message.contains("newer confab"), "{message}");
}

#[test]
fn export_json_says_which_room_or_the_whole_server() {
    let info = |scope| ExportInfo {
        format: FORMAT.into(),
        version: VERSION,
        scope,
        confab: "x".into(),
        created_ms: 0,
        counts: Counts::default(),
        entries: Vec::new(),
    };
    let server = serde_json::to_value(info(Scope::Server)).unwrap();
    assert_eq!(server["scope"], "server");
    assert!(server.get("room").is_none());
    let room = serde_json::to_value(info(Scope::Room("Plans".into()))).unwrap();
    assert_eq!(
        (room["scope"].as_str(), room["room"].as_str()),
        (Some("room"), Some("Plans"))
    );
    let back: ExportInfo = serde_json::from_value(room).unwrap();
    assert_eq!(back.scope, Scope::Room("Plans".into()));
}
