//! The index through the store: what a search finds is what the history holds, across folds
//! into segments, merges of segments, edits and deletions, before, during and after each.

use redb::Durability;

use super::super::tests::room as open_room;
use super::super::{MessageRecord, Store};
use super::segment::{FOLD_AT, MERGE_FANIN};
use super::upkeep::ROWS_PER_STEP;
use super::{Found, Progress, Upkeep, Wanted};
use crate::search::Query;

/// Every match, newest first: (room, id).
fn search(store: &Store, typed: &str, rooms: &[u64]) -> Vec<(u64, u64)> {
    let query = Query::parse(typed).unwrap();
    let Found { messages, more } = store
        .snapshot()
        .unwrap()
        .search(&Wanted {
            words: &query.words,
            prefix: query.prefix.as_deref(),
            author: None,
            rooms,
            before: None,
            limit: 1_000_000,
        })
        .unwrap();
    assert!(!more);
    messages.iter().map(|m| (m.room_id, m.id)).collect()
}

fn segments(store: &Store) -> Vec<(u64, (u8, u64))> {
    store
        .read(|txn| {
            let table = txn.open_table(super::super::tables::SEARCH_SEGMENTS)?;
            let mut all = Vec::new();
            for entry in redb::ReadableTable::iter(&table)? {
                let (id, info) = entry?;
                all.push((id.value(), info.value()));
            }
            Ok(all)
        })
        .unwrap()
}

#[test]
fn search_finds_what_the_history_holds_across_folds_merges_edits_and_deletions() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (one, two) = (open_room(&store, "one"), open_room(&store, "two"));
    // Enough messages for eight folds, a merge, and some past the marks after.
    let total = FOLD_AT as usize * MERGE_FANIN + 700;
    let mut sevens = Vec::new();
    let mut upkeep = Upkeep::default();
    for chunk in 0..total.div_ceil(500) {
        store
            .transact(Durability::None, 1_000 + chunk as u64, |tx| {
                for i in chunk * 500..((chunk + 1) * 500).min(total) {
                    let room = if i % 2 == 0 { one } else { two };
                    let kind = if i % 7 == 0 { "seven" } else { "plain" };
                    let text = format!("report {kind} number{i}");
                    let id = tx
                        .append_message(room, MessageRecord::post(1, &text, None))?
                        .id;
                    if i % 7 == 0 {
                        sevens.push((room, id));
                    }
                }
                Ok(())
            })
            .unwrap();
        upkeep.run_until_idle(&store).unwrap();
    }
    let tiers: Vec<u8> = segments(&store)
        .iter()
        .map(|(_, (tier, _))| *tier)
        .collect();
    assert!(tiers.contains(&2), "eight folds were merged: {tiers:?}");

    let newest_first = |mut list: Vec<(u64, u64)>, store: &Store| {
        let snapshot = store.snapshot().unwrap();
        list.sort_by_key(|&(room, id)| {
            let ts = snapshot.message(room, id).unwrap().unwrap().ts;
            std::cmp::Reverse((ts, room, id))
        });
        list
    };
    let expected = newest_first(sevens.clone(), &store);
    assert_eq!(search(&store, "seven report", &[one, two]), expected);
    assert_eq!(search(&store, "seven rep", &[one, two]), expected);
    assert_eq!(search(&store, "number14 report", &[one, two]).len(), 1);
    assert!(search(&store, "seven", &[]).is_empty(), "no room, nothing");
    let in_one: Vec<_> = expected
        .iter()
        .copied()
        .filter(|(r, _)| *r == one)
        .collect();
    assert_eq!(search(&store, "seven", &[one]), in_one);

    // An edit of a message long in a segment, and a deletion of another.
    let (edited, deleted) = (sevens[0], sevens[1]);
    store
        .transact(Durability::None, 90_000, |tx| {
            tx.change_message(edited.0, edited.1, |m| m.text = "now renamed".into())?;
            tx.change_message(deleted.0, deleted.1, |m| {
                m.deleted = true;
                m.text.clear();
            })?;
            Ok(())
        })
        .unwrap();
    let after: Vec<_> = expected
        .iter()
        .copied()
        .filter(|m| *m != edited && *m != deleted)
        .collect();
    assert_eq!(search(&store, "seven", &[one, two]), after);
    assert_eq!(search(&store, "renamed", &[one, two]), [edited]);
    assert_eq!(search(&store, "ren", &[one, two]), [edited]);
}

/// Stores `count` messages in `room`, every third one saying "needle", each with a word of
/// its own (so a segment has many rows).
fn post(store: &Store, room: u64, count: usize, at: u64) -> Vec<(u64, u64)> {
    let mut needles = Vec::new();
    store
        .transact(Durability::None, at, |tx| {
            for i in 0..count {
                let kind = if i % 3 == 0 {
                    "a needle here"
                } else {
                    "only hay"
                };
                let text = format!("{kind} w{at}x{i}");
                let id = tx
                    .append_message(room, MessageRecord::post(1, &text, None))?
                    .id;
                if i % 3 == 0 {
                    needles.push((room, id));
                }
            }
            Ok(())
        })
        .unwrap();
    needles
}

#[test]
fn every_step_of_a_fold_and_a_merge_leaves_search_answering_the_same() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "steps");
    let mut upkeep = Upkeep::default();
    let mut needles = Vec::new();
    // Seven segments first, so the eighth fold makes a merge due.
    for round in 0..MERGE_FANIN - 1 {
        needles.extend(post(&store, room, FOLD_AT as usize, 10 + round as u64));
        upkeep.run_until_idle(&store).unwrap();
    }
    needles.extend(post(&store, room, FOLD_AT as usize, 100));
    needles.reverse();
    let mut steps = 0;
    loop {
        assert_eq!(
            search(&store, "needle", &[room]),
            needles,
            "after {steps} steps"
        );
        assert_eq!(
            search(&store, "needl", &[room]),
            needles,
            "after {steps} steps"
        );
        if upkeep.step(&store).unwrap() == Progress::Idle {
            break;
        }
        steps += 1;
    }
    assert!(
        steps > 2 * (FOLD_AT as usize / ROWS_PER_STEP),
        "a fold and a merge took {steps} steps"
    );
    let tiers: Vec<u8> = segments(&store).iter().map(|(_, (t, _))| *t).collect();
    assert_eq!(tiers, [2], "eight segments merged into one");
}

#[test]
fn rows_a_lost_upkeep_left_behind_are_removed_and_searches_never_see_them() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "orphans");
    let mut needles = post(&store, room, FOLD_AT as usize, 10);
    needles.reverse();
    // A fold stopped after writing some rows, as a crash would stop it.
    let mut lost = Upkeep::default();
    lost.step(&store).unwrap();
    lost.step(&store).unwrap();
    drop(lost);
    // As a restart, or a reopen, would.
    store.search_pending.forget();
    let rows = |store: &Store| {
        store
            .read(|txn| {
                use redb::ReadableTableMetadata;
                Ok(txn.open_table(super::super::tables::SEARCH_WORDS)?.len()?)
            })
            .unwrap()
    };
    assert!(rows(&store) > 0, "the lost fold wrote rows");
    assert!(segments(&store).is_empty(), "and published nothing");
    assert_eq!(search(&store, "needle", &[room]), needles);

    let mut upkeep = Upkeep::default();
    upkeep.step(&store).unwrap();
    assert_eq!(rows(&store), 0, "the orphan rows went first");
    upkeep.run_until_idle(&store).unwrap();
    assert_eq!(segments(&store).len(), 1);
    assert_eq!(search(&store, "needle", &[room]), needles);
}

#[test]
fn an_edit_made_while_a_fold_is_planned_is_found_by_its_new_words() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let room = open_room(&store, "edits");
    let needles = post(&store, room, FOLD_AT as usize, 10);
    let mut upkeep = Upkeep::default();
    // The fold is planned from a snapshot that holds the old words.
    assert_eq!(upkeep.step(&store).unwrap(), Progress::Worked);
    let (edited, deleted) = (needles[0], needles[1]);
    store
        .transact(Durability::None, 50, |tx| {
            tx.change_message(room, edited.1, |m| m.text = "now a haystack".into())?;
            tx.change_message(room, deleted.1, |m| {
                m.deleted = true;
                m.text.clear();
            })?;
            Ok(())
        })
        .unwrap();
    upkeep.run_until_idle(&store).unwrap();
    assert_eq!(segments(&store).len(), 1, "the fold was published");
    assert_eq!(search(&store, "haystack", &[room]), [edited]);
    assert_eq!(search(&store, "hays", &[room]), [edited]);
    let found = search(&store, "needle", &[room]);
    assert_eq!(found.len(), needles.len() - 2);
    assert!(!found.contains(&edited) && !found.contains(&deleted));
}
