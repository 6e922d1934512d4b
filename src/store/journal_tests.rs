//! The message journal through the store: batches that only append messages are made durable
//! by it, survive a crash through it, and are folded into the database by a checkpoint.

use std::path::Path;

use super::tests::room as open_room;
use super::*;

/// Appends messages by user 1, each with the client id `c-<text>`, as the writer does.
fn post(store: &Store, room_id: u64, texts: &[&str], now: u64) -> Vec<u64> {
    store
        .transact_batch(now, |tx| {
            texts
                .iter()
                .map(|text| {
                    let client_id = format!("c-{text}");
                    Ok(tx
                        .append_message(room_id, MessageRecord::post(1, text, Some(&client_id)))?
                        .id)
                })
                .collect()
        })
        .unwrap()
}

/// Messages the journal file holds as it is on disk now.
fn journal_len(dir: &Path) -> usize {
    Journal::open(&dir.join(JOURNAL_FILE), None)
        .unwrap()
        .1
        .len()
}

/// What a crash would leave: the files as they are on disk now, while the store is open. The
/// database file holds the last durable commit; what redb committed without an fsync is only
/// in its memory.
fn crash_image(dir: &Path) -> tempfile::TempDir {
    let image = tempfile::TempDir::new().unwrap();
    for file in [DB_FILE, JOURNAL_FILE] {
        std::fs::copy(dir.join(file), image.path().join(file)).unwrap();
    }
    image
}

/// Opens the crash image of `dir` once `store` is gone, as the next start would.
fn restart_after_crash(dir: &Path, store: Store) -> (tempfile::TempDir, Store) {
    let image = crash_image(dir);
    drop(store);
    let restarted = Store::open(image.path()).unwrap();
    (image, restarted)
}

fn texts(store: &Store, room_id: u64) -> Vec<(u64, String)> {
    store
        .snapshot()
        .unwrap()
        .history(room_id, HistoryQuery::Latest, 100)
        .unwrap()
        .messages
        .into_iter()
        .map(|m| (m.id, m.text))
        .collect()
}

#[test]
fn appended_messages_survive_a_crash_through_the_journal() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "lobby");
    let commits = store.durable_commits();
    assert_eq!(post(&store, room, &["one", "two"], 10), [1, 2]);
    assert_eq!(post(&store, room, &["three"], 20), [3]);
    assert!(
        journal_len(dir.path()) > 0,
        "the batches went to the journal"
    );
    assert_eq!(
        store.durable_commits(),
        commits + 2,
        "each batch counts as made durable"
    );

    let image = crash_image(dir.path());
    let without_journal = crash_image(dir.path());
    std::fs::remove_file(without_journal.path().join(JOURNAL_FILE)).unwrap();
    drop(store);
    let bare = Store::open(without_journal.path()).unwrap();
    assert!(
        texts(&bare, room).is_empty(),
        "the database alone does not hold them yet"
    );
    let store = Store::open(image.path()).unwrap();
    assert_eq!(
        texts(&store, room),
        [(1, "one".into()), (2, "two".into()), (3, "three".into())]
    );
    assert_eq!(journal_len(image.path()), 0, "replayed, then emptied");
    let tx_view = store
        .transact(Durability::None, 30, |tx| {
            Ok((
                tx.room(room)?.map(|r| (r.seq, r.last_activity)),
                tx.message_by_client_id(room, 1, "c-two")?.map(|m| m.id),
            ))
        })
        .unwrap();
    assert_eq!(
        tx_view,
        (Some((3, 20)), Some(2)),
        "sequence, activity and client ids too"
    );
    assert_eq!(
        post(&store, room, &["four"], 40),
        [4],
        "ids go on from the replayed ones"
    );
}

#[test]
fn a_replay_skips_what_a_later_durable_commit_already_holds() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "lobby");
    post(&store, room, &["one", "two"], 10);
    // A durable commit by anyone holds the journaled batch too, but leaves the journal.
    open_room(&store, "other");
    assert!(journal_len(dir.path()) > 0);

    let (_image, store) = restart_after_crash(dir.path(), store);
    assert_eq!(texts(&store, room), [(1, "one".into()), (2, "two".into())]);
}

#[test]
fn a_batch_that_changes_more_than_history_is_a_durable_commit_and_empties_the_journal() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "lobby");
    post(&store, room, &["one"], 10);
    assert!(journal_len(dir.path()) > 0);
    store
        .transact_batch(20, |tx| {
            tx.append_message(room, MessageRecord::post(1, "two", None))?;
            tx.update_room(room, |r| r.topic = Some("news".into()))
        })
        .unwrap();
    assert_eq!(journal_len(dir.path()), 0);

    let (_image, store) = restart_after_crash(dir.path(), store);
    assert_eq!(texts(&store, room), [(1, "one".into()), (2, "two".into())]);
}

#[test]
fn a_checkpoint_folds_the_journal_into_the_database() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "lobby");
    post(&store, room, &["one"], 10);
    store.checkpoint().unwrap();
    assert_eq!(journal_len(dir.path()), 0);

    let (_image, store) = restart_after_crash(dir.path(), store);
    assert_eq!(texts(&store, room), [(1, "one".into())]);
}

#[test]
fn a_reopen_brings_back_what_only_the_journal_held() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "lobby");
    post(&store, room, &["one", "two"], 10);
    store.reopen().unwrap();
    assert_eq!(texts(&store, room), [(1, "one".into()), (2, "two".into())]);
}

#[test]
fn a_failing_journal_refuses_the_batch_and_shows_none_of_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let faults = FaultSwitch::new();
    let store = Store::open_with_faults(dir.path(), faults.clone()).unwrap();
    let room = open_room(&store, "lobby");
    post(&store, room, &["one"], 10);
    faults.set(Fault::SyncError);
    let refused = store.transact_batch(20, |tx| {
        tx.append_message(room, MessageRecord::post(1, "lost", None))
    });
    assert!(refused.is_err());
    assert!(!store.healthy.load(Ordering::Acquire), "reported unhealthy");
    faults.set(Fault::None);
    assert_eq!(texts(&store, room), [(1, "one".into())]);
    assert_eq!(
        post(&store, room, &["two"], 30),
        [2],
        "the refused one took no id"
    );
}

#[test]
fn a_disk_error_inside_a_transaction_has_the_store_reopened() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "lobby");
    post(&store, room, &["one"], 10);
    // A refusal that says nothing about the disk leaves the store as it is.
    let refused = store.transact_batch(15, |_| Err::<(), _>(StoreError::NotFound));
    assert!(refused.is_err());
    assert!(store.healthy.load(Ordering::Acquire));
    // A read that met the disk's fault part way through a batch: redb refuses every later
    // call with `PreviousIo` until the file is opened again.
    let refused = store.transact_batch(20, |tx| {
        tx.append_message(room, MessageRecord::post(1, "lost", None))?;
        Err::<(), _>(StoreError::Db(redb::Error::PreviousIo))
    });
    assert!(refused.is_err());
    assert!(!store.healthy.load(Ordering::Acquire), "reported unhealthy");
    // The health check opens the file again, and nothing of the refused batch is in it.
    assert!(store.is_healthy());
    assert_eq!(texts(&store, room), [(1, "one".into())]);
    assert_eq!(post(&store, room, &["two"], 30), [2]);
}
