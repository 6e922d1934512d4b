//! Store behaviour on a real redb file in a temporary folder.

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn message(room_id: u64, text: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage {
        room_id,
        user_id: 1,
        user: "alice".into(),
        text: text.into(),
        client_id: client_id.map(str::to_owned),
    }
}

fn stored_ids(outcomes: &[AppendOutcome]) -> Vec<u64> {
    outcomes
        .iter()
        .map(|o| match o {
            AppendOutcome::Stored(m) | AppendOutcome::Duplicate(m) => m.id,
        })
        .collect()
}

#[test]
fn a_second_open_of_the_same_folder_is_refused() {
    let (dir, _store) = store();
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::AlreadyOpen)
    ));
}

#[test]
fn rooms_are_one_regardless_of_case_and_keep_their_first_name() {
    let (_dir, store) = store();
    let lobby = store.find_or_create_room(" Lobby ", 10).unwrap();
    assert_eq!(lobby.name, "Lobby");
    let again = store.find_or_create_room("LOBBY", 20).unwrap();
    assert_eq!(again, lobby);
    assert_eq!(store.find_room("lobby").unwrap(), Some(lobby));
    assert_eq!(store.find_room("other").unwrap(), None);
}

#[test]
fn ids_increase_per_room_across_batches_and_ts_never_decreases() {
    let (_dir, store) = store();
    let a = store.find_or_create_room("a", 0).unwrap().id;
    let b = store.find_or_create_room("b", 0).unwrap().id;
    let first = store
        .append_batch(
            &[
                message(a, "1", None),
                message(b, "1", None),
                message(a, "2", None),
            ],
            1000,
        )
        .unwrap();
    assert_eq!(stored_ids(&first), vec![1, 1, 2]);
    // The clock went backwards: timestamps still do not.
    let second = store.append_batch(&[message(a, "3", None)], 500).unwrap();
    let AppendOutcome::Stored(third) = &second[0] else {
        panic!("stored")
    };
    assert_eq!((third.id, third.ts), (3, 1000));
    assert_eq!(store.find_room("a").unwrap().unwrap().last_id, 3);
}

#[test]
fn a_client_id_is_stored_once_per_user_and_room() {
    let (_dir, store) = store();
    let room = store.find_or_create_room("r", 0).unwrap().id;
    let out = store
        .append_batch(
            &[
                message(room, "hi", Some("c1")),
                message(room, "hi", Some("c1")),
            ],
            1,
        )
        .unwrap();
    assert!(matches!(&out[0], AppendOutcome::Stored(m) if m.id == 1));
    assert!(matches!(&out[1], AppendOutcome::Duplicate(m) if m.id == 1));
    let later = store
        .append_batch(&[message(room, "hi", Some("c1"))], 2)
        .unwrap();
    assert!(matches!(&later[0], AppendOutcome::Duplicate(m) if m.id == 1 && m.text == "hi"));
    // Another user may use the same client id.
    let mut bob = message(room, "hey", Some("c1"));
    bob.user_id = 2;
    assert!(
        matches!(&store.append_batch(&[bob], 3).unwrap()[0], AppendOutcome::Stored(m) if m.id == 2)
    );
}

#[test]
fn ranges_page_oldest_first_and_say_whether_there_is_more() {
    let (_dir, store) = store();
    let room = store.find_or_create_room("r", 0).unwrap().id;
    let batch: Vec<_> = (0..10)
        .map(|i| message(room, &i.to_string(), None))
        .collect();
    store.append_batch(&batch, 1).unwrap();
    let ids = |page: &Page| page.messages.iter().map(|m| m.id).collect::<Vec<_>>();

    let latest = store.read_messages(room, MessageRange::Latest, 3).unwrap();
    assert_eq!(
        (ids(&latest), latest.more, latest.last_id),
        (vec![8, 9, 10], true, 10)
    );
    let before = store
        .read_messages(room, MessageRange::Before(8), 5)
        .unwrap();
    assert_eq!((ids(&before), before.more), (vec![3, 4, 5, 6, 7], true));
    let first = store
        .read_messages(room, MessageRange::Before(3), 5)
        .unwrap();
    assert_eq!((ids(&first), first.more), (vec![1, 2], false));
    let after = store
        .read_messages(room, MessageRange::After(6), 3)
        .unwrap();
    assert_eq!((ids(&after), after.more), (vec![7, 8, 9], true));
    let end = store
        .read_messages(room, MessageRange::After(8), 3)
        .unwrap();
    assert_eq!((ids(&end), end.more), (vec![9, 10], false));
    let none = store
        .read_messages(room, MessageRange::After(10), 3)
        .unwrap();
    assert_eq!((ids(&none), none.more, none.last_id), (vec![], false, 10));
    let all = store.read_messages(room, MessageRange::Latest, 10).unwrap();
    assert_eq!((all.messages.len(), all.more), (10, false));
}

#[test]
fn active_rooms_are_ordered_by_their_newest_message() {
    let (_dir, store) = store();
    let quiet = store.find_or_create_room("quiet", 1).unwrap().id;
    let busy = store.find_or_create_room("busy", 2).unwrap().id;
    store
        .append_batch(&[message(quiet, "x", None)], 10)
        .unwrap();
    store.append_batch(&[message(busy, "x", None)], 20).unwrap();
    let names: Vec<_> = store
        .active_rooms(10)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["busy", "quiet"]);
    store
        .append_batch(&[message(quiet, "y", None)], 30)
        .unwrap();
    let names: Vec<_> = store
        .active_rooms(1)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["quiet"]);
}

#[test]
fn usernames_are_unique_regardless_of_case() {
    let (_dir, store) = store();
    let alice = store.create_user("Alice", "hash", 5).unwrap();
    assert!(matches!(
        store.create_user("aLICE", "hash", 6),
        Err(StoreError::UsernameTaken)
    ));
    let found = store.find_user("ALICE").unwrap().unwrap();
    assert_eq!(found.user, alice);
    assert_eq!(found.password_hash, "hash");
    store.set_disabled(alice.id, true).unwrap();
    assert!(store.user(alice.id).unwrap().unwrap().disabled);
}

#[test]
fn sessions_of_a_user_can_be_ended_together_except_one() {
    let (_dir, store) = store();
    let record = |user_id| SessionRecord {
        user_id,
        created_at: 1,
        last_seen: 1,
    };
    store.create_session([1; 32], &record(1)).unwrap();
    store.create_session([2; 32], &record(1)).unwrap();
    store.create_session([3; 32], &record(2)).unwrap();
    let ended = store.delete_user_sessions(1, Some([2; 32])).unwrap();
    assert_eq!(ended, vec![[1; 32]]);
    assert!(store.session([1; 32]).unwrap().is_none());
    assert!(store.session([2; 32]).unwrap().is_some());
    store.touch_session([2; 32], 99).unwrap();
    assert_eq!(store.session([2; 32]).unwrap().unwrap().last_seen, 99);
    let swept = store.delete_sessions_where(|s| s.user_id == 2).unwrap();
    assert_eq!(swept, vec![[3; 32]]);
    assert!(store.session([3; 32]).unwrap().is_none());
}

#[test]
fn backup_is_a_complete_database_and_survives_reopen() {
    let (dir, store) = store();
    store.create_user("alice", "hash", 1).unwrap();
    let room = store.find_or_create_room("r", 0).unwrap().id;
    store
        .append_batch(&[message(room, "kept", None)], 1)
        .unwrap();
    let dest = dir.path().join("copy.redb");
    assert!(store.backup_to(&dest).unwrap() > 0);

    let restored_dir = tempfile::TempDir::new().unwrap();
    std::fs::copy(&dest, restored_dir.path().join(DB_FILE)).unwrap();
    let restored = Store::open(restored_dir.path()).unwrap();
    assert!(restored.find_user("alice").unwrap().is_some());
    let page = restored
        .read_messages(room, MessageRange::Latest, 10)
        .unwrap();
    assert_eq!(page.messages[0].text, "kept");
}

#[test]
fn reopen_keeps_the_data_and_the_store_stays_healthy() {
    let (_dir, store) = store();
    store.create_user("alice", "hash", 1).unwrap();
    store.reopen().unwrap();
    assert!(store.is_healthy());
    assert!(store.find_user("alice").unwrap().is_some());
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::TempDir::new().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .write(Durability::Immediate, |txn| {
                txn.open_table(tables::META)?
                    .insert("schema_version", SCHEMA_VERSION + 1)?;
                Ok(())
            })
            .unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::NewerSchema { .. })
    ));
}
