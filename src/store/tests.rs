//! Store behaviour on a real redb file in a temporary folder.

use std::path::Path;

use redb::TableHandle;

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

pub(super) fn open_room(tx: &mut Tx, name: &str) -> Result<u64, StoreError> {
    let now = tx.now_ms();
    tx.create_room(RoomRecord {
        kind: Kind::Open,
        name: Some(name.to_owned()),
        topic: None,
        created_at: now,
        created_by: None,
        seq: 0,
        last_id: 0,
        last_activity: now,
        members: 0,
        hidden: 0,
        archived_at: None,
        deleted_at: None,
    })
}

/// Creates an open room, durably.
pub(super) fn room(store: &Store, name: &str) -> u64 {
    store
        .transact(Durability::Immediate, 0, |tx| open_room(tx, name))
        .unwrap()
}

/// Appends messages by user 1 at `now`, returning their ids.
fn append(store: &Store, room_id: u64, texts: &[&str], now: u64) -> Vec<u64> {
    store
        .transact(Durability::Immediate, now, |tx| {
            texts
                .iter()
                .map(|text| {
                    Ok(tx
                        .append_message(room_id, MessageRecord::post(1, text, None))?
                        .id)
                })
                .collect()
        })
        .unwrap()
}

fn page(store: &Store, room_id: u64, query: HistoryQuery, limit: usize) -> (Vec<u64>, bool) {
    let page = store
        .snapshot()
        .unwrap()
        .history(room_id, query, limit)
        .unwrap();
    (page.messages.iter().map(|m| m.id).collect(), page.more)
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
fn rooms_are_found_by_name_in_any_case_and_keep_their_first_name() {
    let (_dir, store) = store();
    let lobby = room(&store, "Lobby");
    let snapshot = store.snapshot().unwrap();
    let found = snapshot.room_by_name(" LOBBY ").unwrap().unwrap();
    assert_eq!((found.id, found.name.as_deref()), (lobby, Some("Lobby")));
    assert_eq!(snapshot.room_by_name("other").unwrap(), None);
}

#[test]
fn ids_come_from_the_room_sequence_and_ts_never_decreases() {
    let (_dir, store) = store();
    let a = room(&store, "a");
    let b = room(&store, "b");
    assert_eq!(append(&store, a, &["1", "2"], 1000), vec![1, 2]);
    assert_eq!(append(&store, b, &["1"], 1000), vec![1]);
    // The clock went backwards: timestamps still do not.
    assert_eq!(append(&store, a, &["3"], 500), vec![3]);
    let snapshot = store.snapshot().unwrap();
    let latest = snapshot.history(a, HistoryQuery::Latest, 1).unwrap();
    assert_eq!((latest.messages[0].id, latest.messages[0].ts), (3, 1000));
    let record = snapshot.room(a).unwrap().unwrap();
    assert_eq!((record.seq, record.last_id), (3, 3));
}

#[test]
fn a_client_id_finds_the_message_sent_with_it_once_per_user_and_room() {
    let (_dir, store) = store();
    let r = room(&store, "r");
    let first = store
        .transact(Durability::Immediate, 1, |tx| {
            tx.append_message(r, MessageRecord::post(1, "hi", Some("c1")))
        })
        .unwrap();
    store
        .transact(Durability::Immediate, 2, |tx| {
            assert_eq!(tx.message_by_client_id(r, 1, "c1")?, Some(first.clone()));
            assert_eq!(tx.message_by_client_id(r, 2, "c1")?, None, "another user");
            assert_eq!(tx.message_by_client_id(r, 1, "c2")?, None);
            Ok(())
        })
        .unwrap();
}

#[test]
fn history_pages_oldest_first_and_says_whether_there_is_more() {
    let (_dir, store) = store();
    let r = room(&store, "r");
    append(
        &store,
        r,
        &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        1,
    );
    assert_eq!(
        page(&store, r, HistoryQuery::Latest, 3),
        (vec![8, 9, 10], true)
    );
    assert_eq!(
        page(&store, r, HistoryQuery::Before(8), 5),
        (vec![3, 4, 5, 6, 7], true)
    );
    assert_eq!(
        page(&store, r, HistoryQuery::Before(3), 5),
        (vec![1, 2], false)
    );
    assert_eq!(
        page(&store, r, HistoryQuery::After(6), 3),
        (vec![7, 8, 9], true)
    );
    assert_eq!(
        page(&store, r, HistoryQuery::After(8), 3),
        (vec![9, 10], false)
    );
    assert_eq!(page(&store, r, HistoryQuery::After(10), 3), (vec![], false));
    assert!(!page(&store, r, HistoryQuery::Latest, 10).1);
}

#[test]
fn before_and_after_together_read_the_messages_between_them() {
    let (_dir, store) = store();
    let r = room(&store, "r");
    append(
        &store,
        r,
        &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        1,
    );
    let between =
        |after, before, limit| page(&store, r, HistoryQuery::Between { after, before }, limit);
    assert_eq!(between(2, 8, 3), (vec![3, 4, 5], true));
    assert_eq!(between(5, 8, 3), (vec![6, 7], false));
    assert_eq!(between(4, 8, 3), (vec![5, 6, 7], false));
    assert_eq!(between(2, 8, 200), (vec![3, 4, 5, 6, 7], false));
    assert_eq!(between(2, 3, 5), (vec![], false));
    assert_eq!(between(9, 2, 5), (vec![], false));
    assert_eq!(between(8, u64::MAX, 1), (vec![9], true));
}

#[test]
fn since_gives_every_change_after_a_sequence_number_once_in_sequence_order() {
    let (_dir, store) = store();
    let r = room(&store, "r");
    append(&store, r, &["1", "2", "3", "4", "5"], 1);
    // Messages 2 and 4 change later (as an edit will): they take sequence numbers 6 and 7,
    // then 2 changes again (8), and a new message arrives (9).
    store
        .transact(Durability::Immediate, 2, |tx| {
            assert_eq!(tx.change_message(r, 2, |_| {})?.seq, 6);
            assert_eq!(tx.change_message(r, 4, |_| {})?.seq, 7);
            assert_eq!(tx.change_message(r, 2, |_| {})?.seq, 8);
            Ok(())
        })
        .unwrap();
    assert_eq!(append(&store, r, &["9"], 3), vec![9]);
    let since = |seq, limit| {
        let page = store
            .snapshot()
            .unwrap()
            .history(r, HistoryQuery::Since(seq), limit)
            .unwrap();
        let pairs: Vec<(u64, u64)> = page.messages.iter().map(|m| (m.id, m.seq)).collect();
        (pairs, page.more)
    };
    assert_eq!(
        since(0, 10),
        (vec![(1, 1), (3, 3), (5, 5), (4, 7), (2, 8), (9, 9)], false)
    );
    assert_eq!(since(3, 10), (vec![(5, 5), (4, 7), (2, 8), (9, 9)], false));
    assert_eq!(since(6, 10), (vec![(4, 7), (2, 8), (9, 9)], false));
    assert_eq!(since(8, 10), (vec![(9, 9)], false));
    assert_eq!(since(9, 10), (vec![], false));
    // Paged: each page goes on from the last sequence number of the one before.
    assert_eq!(since(0, 4), (vec![(1, 1), (3, 3), (5, 5), (4, 7)], true));
    assert_eq!(since(7, 4), (vec![(2, 8), (9, 9)], false));
    // The plain pages show each message once, where its id puts it.
    assert_eq!(
        page(&store, r, HistoryQuery::Latest, 10).0,
        vec![1, 2, 3, 4, 5, 9]
    );
}

#[test]
fn open_rooms_are_listed_by_their_newest_message_and_private_ones_never() {
    let (_dir, store) = store();
    let quiet = room(&store, "quiet");
    let busy = room(&store, "busy");
    let hidden = room(&store, "hidden");
    store
        .transact(Durability::Immediate, 5, |tx| {
            tx.update_room(hidden, |r| r.kind = Kind::Private)
        })
        .unwrap();
    append(&store, quiet, &["x"], 10);
    append(&store, busy, &["x"], 20);
    append(&store, hidden, &["x"], 30);
    let names = |limit| -> Vec<String> {
        store
            .snapshot()
            .unwrap()
            .busiest_open_rooms(limit)
            .unwrap()
            .into_iter()
            .map(|r| r.name.unwrap())
            .collect()
    };
    assert_eq!(names(10), ["busy", "quiet"]);
    append(&store, quiet, &["y"], 40);
    assert_eq!(names(1), ["quiet"]);
    store
        .transact(Durability::Immediate, 50, |tx| {
            tx.update_room(hidden, |r| r.kind = Kind::Open)
        })
        .unwrap();
    assert_eq!(names(10), ["quiet", "hidden", "busy"]);
}

#[test]
fn memberships_are_found_from_the_room_and_from_the_user() {
    let (_dir, store) = store();
    let r = room(&store, "r");
    let member = |user_id, joined_at| Membership {
        room_id: r,
        user_id,
        role: Role::Member,
        joined_at,
        hidden: false,
        notify: None,
    };
    store
        .transact(Durability::Immediate, 1, |tx| {
            tx.put_membership(&member(7, 20))?;
            tx.put_membership(&member(3, 10))
        })
        .unwrap();
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.membership(r, 7).unwrap(), Some(member(7, 20)));
    let users: Vec<u64> = snapshot
        .memberships_of(r)
        .unwrap()
        .iter()
        .map(|m| m.user_id)
        .collect();
    assert_eq!(users, [3, 7], "longest-standing first");
    assert_eq!(snapshot.rooms_of(7).unwrap().len(), 1);
    drop(snapshot);
    store
        .transact(Durability::Immediate, 2, |tx| {
            assert_eq!(tx.remove_membership(r, 7)?, Some(member(7, 20)));
            assert_eq!(tx.remove_membership(r, 7)?, None);
            Ok(())
        })
        .unwrap();
    assert!(store.snapshot().unwrap().rooms_of(7).unwrap().is_empty());
}

#[test]
fn usernames_are_unique_regardless_of_case() {
    let (_dir, store) = store();
    let alice = store.create_user("Alice", "hash", 5, false).unwrap();
    assert!(matches!(
        store.create_user("aLICE", "hash", 6, false),
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
        user_agent: None,
        ip: None,
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
fn backup_copies_every_table_and_survives_reopen() {
    let (dir, store) = store();
    store.create_user("alice", "hash", 1, false).unwrap();
    let r = room(&store, "r");
    append(&store, r, &["kept"], 1);
    let dest = dir.path().join("copy.redb");
    std::fs::File::create(&dest).unwrap();
    let census = store.copy_into(&dest).unwrap();
    assert_eq!(census.rows("users"), 1);
    assert_eq!(census.rows("history"), 1);
    assert_eq!(census, crate::store::census_of_copy(&dest).unwrap());

    let tables = |db: &redb::Database| -> Vec<String> {
        use redb::ReadableDatabase;
        let mut names: Vec<String> = db
            .begin_read()
            .unwrap()
            .list_tables()
            .unwrap()
            .map(|t| t.name().to_owned())
            .collect();
        names.sort();
        names
    };
    let copy = redb::Database::open(&dest).unwrap();
    assert_eq!(tables(&copy), tables(&store.db().unwrap()));
    drop(copy);

    let restored_dir = tempfile::TempDir::new().unwrap();
    std::fs::copy(&dest, restored_dir.path().join(DB_FILE)).unwrap();
    let restored = Store::open(restored_dir.path()).unwrap();
    assert!(restored.find_user("alice").unwrap().is_some());
    let page = restored
        .snapshot()
        .unwrap()
        .history(r, HistoryQuery::Latest, 10)
        .unwrap();
    assert_eq!(page.messages[0].text, "kept");
}

/// A copy of the database the first release wrote (`tests/fixtures/v1`), in a fresh folder.
fn fixture_v1() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1/confab.redb");
    std::fs::copy(fixture, dir.path().join(DB_FILE)).unwrap();
    dir
}

#[test]
fn a_database_of_schema_1_migrates_with_every_room_message_and_visit() {
    let dir = fixture_v1();
    let store = Store::open(dir.path()).unwrap();
    let snapshot = store.snapshot().unwrap();
    let lobby = snapshot.room_by_name("lobby").unwrap().unwrap();
    assert_eq!(
        (lobby.kind, lobby.name.as_deref(), lobby.seq, lobby.last_id),
        (Kind::Open, Some("Lobby"), 3, 3)
    );
    let page = snapshot
        .history(lobby.id, HistoryQuery::Latest, 50)
        .unwrap();
    let texts: Vec<(u64, &str, Option<&str>)> = page
        .messages
        .iter()
        .map(|m| (m.user_id, m.text.as_str(), m.client_id.as_deref()))
        .collect();
    assert_eq!(
        texts,
        [
            (1, "hello, this is the first message", Some("fx-alice-1")),
            (2, "hi alice <b>not bold</b>", Some("fx-bob-1")),
            (1, "last word in the lobby", Some("fx-alice-2")),
        ]
    );
    let count = snapshot.room_by_name("42").unwrap().unwrap();
    let all = snapshot
        .history(count.id, HistoryQuery::After(0), 200)
        .unwrap();
    assert_eq!(all.messages.len(), 120);
    assert!(
        all.messages
            .iter()
            .enumerate()
            .all(|(i, m)| m.id == i as u64 + 1
                && m.seq == m.id
                && m.text == format!("count {}", i + 1))
    );
    let cafe = snapshot.room_by_name("CAFÉ ☕").unwrap().unwrap();
    let page = snapshot.history(cafe.id, HistoryQuery::Latest, 1).unwrap();
    assert_eq!(
        page.messages[0].text,
        "un café ☕ s'il vous plaît\nsecond line"
    );

    // Visits became memberships; the people who visited a room are its members.
    let members = |room: &Room| -> Vec<u64> {
        let mut ids: Vec<u64> = snapshot
            .memberships_of(room.id)
            .unwrap()
            .iter()
            .map(|m| m.user_id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(members(&lobby), [1, 2]);
    assert_eq!(members(&count), [1, 4]);
    assert_eq!(members(&cafe), [2]);
    assert_eq!((lobby.members, count.members, cafe.members), (2, 2, 1));
    assert!(
        snapshot
            .memberships_of(lobby.id)
            .unwrap()
            .iter()
            .all(|m| m.role == Role::Member)
    );
    let open: Vec<String> = snapshot
        .busiest_open_rooms(10)
        .unwrap()
        .into_iter()
        .map(|r| r.name.unwrap())
        .collect();
    assert_eq!(open, ["Lobby", "42", "café ☕"]);

    // Accounts and sessions are untouched.
    let users: Vec<(String, bool)> = store
        .list_users()
        .unwrap()
        .into_iter()
        .map(|u| (u.username, u.disabled))
        .collect();
    assert_eq!(
        users,
        [
            ("alice".into(), false),
            ("bob".into(), false),
            ("carol".into(), true),
            ("dave".into(), false)
        ]
    );
    let alice = crate::auth::token_key("YRAnPBwLecRKMs1jycqzJL4Ilq28iZhQ3XeUpk1ih7g").unwrap();
    assert_eq!(store.session(alice).unwrap().unwrap().user_id, 1);

    // The tables of schema 1 are gone, and a second open changes nothing.
    let names: Vec<String> = snapshot_tables(&store);
    assert!(
        !names.iter().any(|n| n == "messages" || n == "visits"),
        "{names:?}"
    );
    drop(snapshot);
    drop(store);
    let again = Store::open(dir.path()).unwrap();
    assert_eq!(snapshot_tables(&again), names);
}

fn snapshot_tables(store: &Store) -> Vec<String> {
    use redb::ReadableDatabase;
    let mut names: Vec<String> = store
        .db()
        .unwrap()
        .begin_read()
        .unwrap()
        .list_tables()
        .unwrap()
        .map(|t| t.name().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_migrated_room_goes_on_with_the_next_id_and_keeps_its_client_ids() {
    let dir = fixture_v1();
    let store = Store::open(dir.path()).unwrap();
    let lobby = store
        .snapshot()
        .unwrap()
        .room_by_name("Lobby")
        .unwrap()
        .unwrap()
        .id;
    store
        .transact(Durability::Immediate, 1_796_122_500_000, |tx| {
            let earlier = tx.message_by_client_id(lobby, 2, "fx-bob-1")?.unwrap();
            assert_eq!(
                (earlier.id, earlier.text.as_str()),
                (2, "hi alice <b>not bold</b>")
            );
            assert_eq!(
                tx.append_message(lobby, MessageRecord::post(4, "after the upgrade", None))?
                    .id,
                4
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn reopen_keeps_the_data_and_the_store_stays_healthy() {
    let (_dir, store) = store();
    store.create_user("alice", "hash", 1, false).unwrap();
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
