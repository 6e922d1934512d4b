//! The audit log: every administrative and moderation action, who did it, what, to whom, when
//! and from where. Entries are appended in the same transaction as the action they record, so
//! an action is never done without its entry, nor an entry written for an action that failed.
//! Nothing edits or removes an entry: the store has no function that could.

use std::net::IpAddr;

use redb::WriteTransaction;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, Tx, next_id, tables};

/// One action in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix ms.
    pub at: u64,
    /// The admin's user id; absent for the operator at the server's own machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<u64>,
    /// The admin's username at the time, or `operator`.
    pub by: String,
    /// Where it came from: the admin's address, or `command line`.
    pub from: String,
    /// What was done, as a stable name: `user.disable`, `message.delete`.
    pub action: String,
    /// What it was done to: a username, a room's name.
    pub target: String,
    /// Anything more the action needs said (`and their messages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditEntry {
    /// An action by the person `user_id`, called `username` now, from `from` (when known).
    pub fn by_person(
        at: u64,
        (user_id, username): (u64, &str),
        from: Option<IpAddr>,
        action: &str,
        target: &str,
        detail: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            at,
            by_id: Some(user_id),
            by: username.to_owned(),
            from: from.map_or_else(|| "address unknown".to_owned(), |ip| ip.to_string()),
            action: action.to_owned(),
            target: target.to_owned(),
            detail,
        }
    }
}

/// An entry with its place in the log: ids grow with every entry, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audited {
    pub id: u64,
    pub entry: AuditEntry,
}

/// Appends `entry` to the log inside a transaction that does the action it records.
pub(super) fn append(txn: &WriteTransaction, entry: &AuditEntry) -> Result<u64, StoreError> {
    let mut log = txn.open_table(tables::AUDIT)?;
    let id = next_id(&log)?;
    log.insert(id, serde_json::to_vec(entry)?.as_slice())?;
    Ok(id)
}

impl Tx<'_> {
    /// Appends `entry` to the audit log with the room changes of this transaction (a
    /// moderator's deletion, a member removed): committed with them or not at all.
    pub fn audit(&mut self, entry: &AuditEntry) -> Result<u64, StoreError> {
        self.wrote_more();
        append(self.txn, entry)
    }
}

impl Store {
    /// Up to `limit` entries before the one with id `before` (all of them: `None`), newest
    /// first: a page of the log as `/admin` shows it.
    pub fn audit_newest(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Audited>, StoreError> {
        self.read(|txn| {
            let log = txn.open_table(tables::AUDIT)?;
            let mut entries = Vec::new();
            for row in log.range(..before.unwrap_or(u64::MAX))?.rev().take(limit) {
                let (id, bytes) = row?;
                entries.push(Audited {
                    id: id.value(),
                    entry: serde_json::from_slice(bytes.value())?,
                });
            }
            Ok(entries)
        })
    }

    /// Up to `limit` entries after the one with id `after`, oldest first: the log read whole,
    /// a page at a time, for its export.
    pub fn audit_oldest(&self, after: u64, limit: usize) -> Result<Vec<Audited>, StoreError> {
        self.read(|txn| {
            let log = txn.open_table(tables::AUDIT)?;
            let mut entries = Vec::new();
            for row in log.range(after.saturating_add(1)..)?.take(limit) {
                let (id, bytes) = row?;
                entries.push(Audited {
                    id: id.value(),
                    entry: serde_json::from_slice(bytes.value())?,
                });
            }
            Ok(entries)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: u64, action: &str) -> AuditEntry {
        AuditEntry {
            at,
            by_id: None,
            by: "operator".into(),
            from: "command line".into(),
            action: action.into(),
            target: "bob".into(),
            detail: None,
        }
    }

    #[test]
    fn the_log_reads_newest_first_in_pages_and_oldest_first_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.audit_newest(None, 10).unwrap().is_empty());
        for at in 1..=5 {
            store
                .write(redb::Durability::Immediate, |txn| {
                    append(txn, &entry(at, &format!("action.{at}")))
                })
                .unwrap();
        }
        let ats = |page: Vec<Audited>| page.into_iter().map(|a| a.entry.at).collect::<Vec<_>>();
        assert_eq!(ats(store.audit_newest(None, 2).unwrap()), [5, 4]);
        assert_eq!(ats(store.audit_newest(Some(4), 2).unwrap()), [3, 2]);
        assert_eq!(ats(store.audit_newest(Some(2), 10).unwrap()), [1]);
        assert_eq!(ats(store.audit_oldest(0, 3).unwrap()), [1, 2, 3]);
        assert_eq!(ats(store.audit_oldest(3, 3).unwrap()), [4, 5]);
        // A failed action leaves no entry.
        let failed: Result<(), StoreError> = store.write(redb::Durability::Immediate, |txn| {
            append(txn, &entry(6, "action.failed"))?;
            Err(StoreError::NotFound)
        });
        assert!(failed.is_err());
        assert_eq!(store.audit_oldest(0, 100).unwrap().len(), 5);
    }
}
