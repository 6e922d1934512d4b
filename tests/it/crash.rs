//! Crash safety with the real binary: several clients send while the server is killed with
//! SIGKILL at random moments, again and again. Every message acknowledged to anyone (its echo
//! arrived) must be in the history after the restarts, once, in order, and the database must
//! open every time.
//!
//! `CONFAB_CRASH_ROUNDS` sets the number of kills (20 by default; tests/README.md documents a
//! run of 100 or more).

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::Message;

const SENDERS: usize = 4;
const ROOM: &str = "crash";

fn random_below(bound: u64) -> u64 {
    RandomState::new().build_hasher().finish() % bound
}

/// What one sender knows: messages acknowledged (client id → id) and those still unanswered.
#[derive(Default)]
struct Ledger {
    acked: HashMap<String, u64>,
    /// Sent, no echo yet: sent again (same client id) after the restart.
    pending: Vec<(String, String)>,
    next: u64,
}

async fn start(data: &std::path::Path) -> (Binary, Duration) {
    let started = Instant::now();
    let server = Binary::start(
        data,
        &[
            "--ws-send-rate",
            "100000/1ms",
            "--ws-frame-rate",
            "100000/1ms",
        ],
    )
    .await;
    (server, started.elapsed())
}

/// One sender: re-sends what was pending, then sends steadily until its socket dies.
async fn send_until_killed(
    server: &impl Target,
    user: &User,
    index: usize,
    ledger: Arc<Mutex<Ledger>>,
) {
    let Ok(chat) = try_connect(server, Some(&user.cookie), None).await else {
        return;
    };
    let (mut sink, mut stream) = chat.socket.split();
    let join = json!({"type":"join","room":ROOM}).to_string();
    if sink.send(Message::Text(join.into())).await.is_err() {
        return;
    }
    // The server may be killed at any moment: no step here may panic on a closed socket.
    let room_id = loop {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                if frame["type"] == "joined" {
                    break frame["room_id"].as_u64().unwrap();
                }
            }
            Some(Ok(_)) => continue,
            _ => return,
        }
    };
    let reader_ledger = Arc::clone(&ledger);
    let reader = tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            if frame["type"] == "message"
                && let Some(client_id) = frame["client_id"].as_str()
            {
                let mut ledger = reader_ledger.lock().unwrap();
                if client_id.starts_with(&format!("s{index}-")) {
                    ledger.pending.retain(|(id, _)| id != client_id);
                    ledger
                        .acked
                        .insert(client_id.to_owned(), frame["id"].as_u64().unwrap());
                }
            }
        }
    });
    let resend: Vec<(String, String)> = ledger.lock().unwrap().pending.clone();
    for (client_id, text) in resend {
        let frame = json!({"type":"send","room_id":room_id,"text":text,"client_id":client_id});
        if sink
            .send(Message::Text(frame.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    loop {
        let (client_id, text) = {
            let mut ledger = ledger.lock().unwrap();
            ledger.next += 1;
            let entry = (
                format!("s{index}-{}", ledger.next),
                format!("sender {index} message {}", ledger.next),
            );
            ledger.pending.push(entry.clone());
            entry
        };
        let frame = json!({"type":"send","room_id":room_id,"text":text,"client_id":client_id});
        if sink
            .send(Message::Text(frame.to_string().into()))
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let _ = reader.await;
}

/// The whole history of the room, oldest first.
async fn history(server: &Binary, cookie: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let path = format!("/api/v1/rooms/{ROOM}/messages?after={after}&limit=200");
        let page = get_json(server, &path, cookie).await;
        let messages = page["messages"].as_array().unwrap().clone();
        if let Some(last) = messages.last() {
            after = last["id"].as_u64().unwrap();
        }
        all.extend(messages);
        if page["more"] != true {
            return all;
        }
    }
}

#[tokio::test]
async fn every_acknowledged_message_survives_kill_9_at_random_moments() {
    let _alone = alone().await;
    let rounds: usize = std::env::var("CONFAB_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let (server, _) = start(&data).await;
    let mut users = Vec::new();
    for i in 0..SENDERS {
        users.push(signup(&server, &format!("sender{i}")).await);
    }
    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..SENDERS).map(|_| Arc::default()).collect();
    let mut server = server;
    let mut restarts = Vec::new();
    // Kills after which the newest messages were held by the journal alone.
    let mut journal_replays = 0;
    for _ in 0..rounds {
        let senders: Vec<_> = (0..SENDERS)
            .map(|i| {
                let (user, ledger) = (users[i].clone(), Arc::clone(&ledgers[i]));
                let target = Address(server.addr);
                tokio::spawn(async move { send_until_killed(&target, &user, i, ledger).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50 + random_below(400))).await;
        server.child.kill().await.expect("SIGKILL");
        // A journal that holds a record starts with its nonzero length (store/DATA_MODEL.md).
        let journal = std::fs::read(data.join(confab::store::JOURNAL_FILE)).unwrap_or_default();
        journal_replays += usize::from(journal.get(..4).is_some_and(|len| len != [0; 4]));
        for sender in senders {
            tokio::time::timeout(WAIT, sender)
                .await
                .expect("senders notice the crash")
                .unwrap();
        }
        let (restarted, took) = start(&data).await;
        restarts.push(took);
        server = restarted;
    }

    let stored = history(&server, &users[0].cookie).await;
    let mut seen = HashSet::new();
    let mut stored_ids = HashMap::new();
    for message in &stored {
        let client_id = message["client_id"]
            .as_str()
            .expect("every message has its client id")
            .to_owned();
        assert!(
            seen.insert(client_id.clone()),
            "{client_id} is stored twice"
        );
        stored_ids.insert(client_id, message["id"].as_u64().unwrap());
    }
    let ids: Vec<u64> = stored.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "history is in id order"
    );
    let mut acked_total = 0;
    for (index, ledger) in ledgers.iter().enumerate() {
        let ledger = ledger.lock().unwrap();
        acked_total += ledger.acked.len();
        let mut in_send_order: Vec<(u64, u64)> = Vec::new();
        for (client_id, id) in &ledger.acked {
            assert_eq!(
                stored_ids.get(client_id),
                Some(id),
                "acknowledged {client_id} (id {id}) is missing or changed"
            );
            let seq: u64 = client_id.rsplit('-').next().unwrap().parse().unwrap();
            in_send_order.push((seq, *id));
        }
        in_send_order.sort();
        assert!(
            in_send_order.windows(2).all(|w| w[0].1 < w[1].1),
            "sender {index}'s messages are stored in the order they were sent"
        );
    }
    let slowest = restarts.iter().max().copied().unwrap_or_default();
    let mean = restarts.iter().sum::<Duration>() / restarts.len().max(1) as u32;
    println!(
        "{rounds} kills: {acked_total} messages acknowledged, all {acked_total} recovered; {} stored in all \
         (acknowledged or not), no duplicates; {journal_replays} restarts replayed the journal; \
         restart after SIGKILL mean {mean:?}, slowest {slowest:?}",
        stored.len()
    );
    assert!(
        acked_total > 0,
        "the clients got messages through between kills"
    );
    assert!(
        journal_replays > 0,
        "some kills came while the journal alone held the newest messages"
    );
    server.terminate().await;
}

/// How long a restart takes after SIGKILL when the database holds a large history (about
/// 1 GiB by default; `CONFAB_LARGE_HISTORY_MIB` changes it). Slow to set up, so run by hand:
/// `cargo test --release --test it crash:: -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn restart_after_sigkill_with_a_large_history() {
    let _alone = alone().await;
    let mib: u64 = std::env::var("CONFAB_LARGE_HISTORY_MIB")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(1024);
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let filled = Instant::now();
    {
        use confab::store::{Kind, MessageRecord, RoomRecord, Store};
        use redb::Durability;
        let store = Store::open(&data).unwrap();
        let room = store
            .transact(Durability::Immediate, 0, |tx| {
                tx.create_room(RoomRecord {
                    kind: Kind::Open,
                    name: Some("big".into()),
                    topic: None,
                    created_at: 0,
                    created_by: None,
                    seq: 0,
                    last_id: 0,
                    last_activity: 0,
                    members: 0,
                    hidden: 0,
                    archived_at: None,
                    deleted_at: None,
                })
            })
            .unwrap();
        let text = "x".repeat(1000);
        let mut written = 0;
        while written < mib * 1024 * 1024 {
            store
                .transact(Durability::Immediate, 1, |tx| {
                    for _ in 0..5_000 {
                        tx.append_message(room, MessageRecord::post(1, &text, None))?;
                    }
                    Ok(())
                })
                .unwrap();
            written += 5_000 * text.len() as u64;
        }
    }
    let size = std::fs::metadata(data.join(confab::store::DB_FILE))
        .unwrap()
        .len();
    println!(
        "filled {} MiB in {:?}",
        size / (1024 * 1024),
        filled.elapsed()
    );

    let (server, clean_open) = start(&data).await;
    let user = signup(&server, "witness").await;
    let mut chat = connect(&server, &user).await;
    chat.join("big").await;
    let acked = chat.say("big", "the last word before the crash").await;
    let mut server = server;
    server.child.kill().await.unwrap();

    let (server, after_crash) = start(&data).await;
    let page: Value = get_json(&server, "/api/v1/rooms/big/messages?limit=1", &user.cookie).await;
    assert_eq!(
        page["messages"][0]["id"], acked["id"],
        "the acknowledged message survived"
    );
    println!(
        "open of a cleanly closed {} MiB database: {clean_open:?}; restart after SIGKILL: {after_crash:?}",
        size / (1024 * 1024)
    );
    server.terminate().await;
}
