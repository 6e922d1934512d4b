//! Schema versions and the migrations between them (see `DATA_MODEL.md`).
//!
//! A new file gets every table of [`SCHEMA_VERSION`]. An older file runs each step after its
//! version, in order, all in one write transaction: a crash or a failed step leaves the file
//! exactly as it was, and the next start tries again. A file from a newer build is refused
//! before anything is written.

use std::collections::HashMap;

use redb::{Database, ReadableTable, WriteTransaction};

use super::record::MessageRecord;
use super::rooms::{Kind, MembershipRecord, Role, RoomRecord};
use super::{StoreError, tables};

/// The schema this build writes.
pub const SCHEMA_VERSION: u64 = 4;

/// One step: the version it produces and the function that rewrites the previous one.
struct Step {
    to: u64,
    run: fn(&WriteTransaction) -> Result<(), StoreError>,
}

/// Every migration, oldest first. A step is never edited once released: a database file
/// written by that release must still migrate the same way (the tests keep such files).
const STEPS: &[Step] = &[
    Step {
        to: 2,
        run: v1_to_v2,
    },
    Step {
        to: 3,
        run: v2_to_v3,
    },
    Step {
        to: 4,
        run: v3_to_v4,
    },
];

/// Brings a database file to [`SCHEMA_VERSION`].
pub fn migrate(db: &Database) -> Result<(), StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_quick_repair(true);
    let found = {
        let meta = txn.open_table(tables::META)?;
        meta.get("schema_version")?.map(|v| v.value())
    };
    match found {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(StoreError::NewerSchema {
                found: v,
                known: SCHEMA_VERSION,
            });
        }
        Some(v) => {
            for step in STEPS.iter().filter(|step| step.to > v) {
                (step.run)(&txn)?;
                tracing::info!(version = step.to, "database migrated");
            }
        }
        // A new file: the tables below are the whole schema.
        None => {}
    }
    create_tables(&txn)?;
    txn.open_table(tables::META)?
        .insert("schema_version", SCHEMA_VERSION)?;
    txn.commit()?;
    Ok(())
}

/// Opening a table in a write transaction creates it, so readers never meet a missing table.
fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(tables::USERS)?;
    txn.open_table(tables::USERNAMES)?;
    txn.open_table(tables::NAME_HOLDS)?;
    txn.open_table(tables::SESSIONS)?;
    txn.open_table(tables::USER_SESSIONS)?;
    txn.open_table(tables::RECOVERY_CODES)?;
    txn.open_table(tables::RESET_LINKS)?;
    txn.open_table(tables::AVATARS)?;
    txn.open_table(tables::ROOMS)?;
    txn.open_table(tables::ROOM_NAMES)?;
    txn.open_table(tables::DIRECT_ROOMS)?;
    txn.open_table(tables::OPEN_ROOMS_BY_ACTIVITY)?;
    txn.open_table(tables::HISTORY)?;
    txn.open_table(tables::CHANGES)?;
    txn.open_table(tables::CLIENT_IDS)?;
    txn.open_table(tables::MEMBERS)?;
    txn.open_table(tables::USER_ROOMS)?;
    txn.open_table(tables::INVITES)?;
    txn.open_table(tables::ROOM_INVITES)?;
    txn.open_table(tables::FRIENDS)?;
    txn.open_table(tables::BLOCKS)?;
    txn.open_table(tables::LAST_SEEN)?;
    txn.open_table(tables::READ_POSITIONS)?;
    txn.open_table(tables::MENTIONS)?;
    txn.open_table(tables::ROOM_MENTIONS)?;
    txn.open_table(tables::SEARCH_MARKS)?;
    txn.open_table(tables::SEARCH_CHANGED)?;
    txn.open_table(tables::SEARCH_SEGMENTS)?;
    txn.open_table(tables::SEARCH_WORDS)?;
    txn.open_table(tables::SEARCH_AUTHORS)?;
    txn.open_table(tables::UPLOADS)?;
    txn.open_table(tables::BLOB_REFS)?;
    txn.open_table(tables::LOOSE_UPLOADS)?;
    txn.open_table(tables::UPLOAD_USAGE)?;
    txn.open_table(tables::SERVER_KEYS)?;
    txn.open_table(tables::PUSH_SUBSCRIPTIONS)?;
    txn.open_table(tables::USER_PUSH)?;
    txn.open_table(tables::AUDIT)?;
    txn.open_table(tables::SETTINGS)?;
    txn.open_table(tables::SERVER_INVITES)?;
    txn.open_table(tables::ROOM_PURGES)?;
    txn.open_table(tables::API_TOKENS)?;
    txn.open_table(tables::USER_API_TOKENS)?;
    txn.open_table(tables::WEBHOOKS)?;
    Ok(())
}

/// Schema 1 → 2: rooms get a kind (every room of schema 1 is open) and a change sequence;
/// messages move to versioned records that name their author by id only; "recent rooms"
/// visits become memberships.
fn v1_to_v2(txn: &WriteTransaction) -> Result<(), StoreError> {
    // Visits → memberships. A visit kept the time of the latest join; it stands in for the
    // time the membership began.
    let mut member_counts: HashMap<u64, u32> = HashMap::new();
    {
        let visits = txn.open_table(tables::v1::VISITS)?;
        let mut members = txn.open_table(tables::MEMBERS)?;
        let mut user_rooms = txn.open_table(tables::USER_ROOMS)?;
        for entry in visits.iter()? {
            let (key, at) = entry?;
            let (user_id, room_id) = key.value();
            let record = MembershipRecord {
                role: Role::Member,
                joined_at: at.value(),
                hidden: false,
                notify: None,
            };
            members.insert((room_id, user_id), serde_json::to_vec(&record)?.as_slice())?;
            user_rooms.insert((user_id, room_id), ())?;
            *member_counts.entry(room_id).or_default() += 1;
        }
    }
    txn.delete_table(tables::v1::VISITS)?;

    // Rooms: the newest message id was the room's counter; it becomes the change sequence.
    {
        let mut rooms = txn.open_table(tables::ROOMS)?;
        let mut rewritten = Vec::new();
        for entry in rooms.iter()? {
            let (id, bytes) = entry?;
            let old: tables::v1::RoomRecord = serde_json::from_slice(bytes.value())?;
            let room = RoomRecord {
                kind: Kind::Open,
                name: Some(old.name),
                topic: None,
                created_at: old.created_at,
                created_by: None,
                seq: old.last_id,
                last_id: old.last_id,
                last_activity: old.last_activity,
                members: member_counts.get(&id.value()).copied().unwrap_or(0),
                hidden: 0,
                archived_at: None,
                deleted_at: None,
            };
            rewritten.push((id.value(), room));
        }
        for (id, room) in rewritten {
            rooms.insert(id, serde_json::to_vec(&room)?.as_slice())?;
        }
    }

    // Messages: the author's name is no longer copied into each message; names are looked up
    // when shown, so a later rename shows everywhere.
    {
        let old = txn.open_table(tables::v1::MESSAGES)?;
        let mut history = txn.open_table(tables::HISTORY)?;
        for entry in old.iter()? {
            let (key, value) = entry?;
            let (ts, user_id, _username, text, client_id) = value.value();
            let record = MessageRecord {
                ts,
                user_id,
                text: text.to_owned(),
                client_id: client_id.map(str::to_owned),
                ..MessageRecord::default()
            };
            history.insert(key.value(), record.encode().as_slice())?;
        }
    }
    txn.delete_table(tables::v1::MESSAGES)?;
    Ok(())
}

/// Schema 2 → 3: the search index's tables, empty. Every message is past its room's mark, so
/// searches read the history itself until the upkeep has folded it into segments, in the
/// background after the server starts.
fn v2_to_v3(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(tables::SEARCH_MARKS)?;
    txn.open_table(tables::SEARCH_CHANGED)?;
    txn.open_table(tables::SEARCH_SEGMENTS)?;
    txn.open_table(tables::SEARCH_WORDS)?;
    txn.open_table(tables::SEARCH_AUTHORS)?;
    Ok(())
}

/// Schema 3 → 4: the tables of uploaded files, empty (no message of schema 3 has files).
fn v3_to_v4(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(tables::UPLOADS)?;
    txn.open_table(tables::BLOB_REFS)?;
    txn.open_table(tables::LOOSE_UPLOADS)?;
    txn.open_table(tables::UPLOAD_USAGE)?;
    Ok(())
}
