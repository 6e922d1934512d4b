//! Outgoing webhooks: per room, where its new messages are POSTed, and how that has gone.
//! Few per room and read when they change, so one table keyed by id, scanned for a room.

use redb::{Durability, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, Tx, tables};

/// A room's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub room_id: u64,
    /// Where to POST: checked as an outbound endpoint when made, and on every delivery.
    pub url: String,
    /// The HMAC-SHA256 key that signs each body. Kept as it is: signing needs it.
    pub secret: Vec<u8>,
    /// Only messages that mention this person (a bot's account); none: every message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions_of: Option<u64>,
    pub created_by: u64,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Deliveries that failed in a row (after their retries); a success starts again at 0.
    #[serde(default)]
    pub failures: u32,
    /// Why it stopped: it failed too often. Nothing is sent until an owner enables it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<String>,
    /// Unix milliseconds of the last delivery's end, and how it ended (`200 OK`, a reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivery: Option<(u64, String)>,
}

fn decode(bytes: &[u8]) -> Result<WebhookRecord, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

impl Store {
    /// Stores a new webhook, unless its room has `max` already (then `None`).
    pub fn add_webhook(
        &self,
        record: &WebhookRecord,
        max: usize,
    ) -> Result<Option<u64>, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut hooks = txn.open_table(tables::WEBHOOKS)?;
            let mut in_room = 0;
            for entry in hooks.iter()? {
                if decode(entry?.1.value())?.room_id == record.room_id {
                    in_room += 1;
                }
            }
            if in_room >= max {
                return Ok(None);
            }
            let id = match hooks.last()? {
                Some((last, _)) => last.value() + 1,
                None => 1,
            };
            hooks.insert(id, serde_json::to_vec(record)?.as_slice())?;
            Ok(Some(id))
        })
    }

    /// Every webhook, by id.
    pub fn webhooks(&self) -> Result<Vec<(u64, WebhookRecord)>, StoreError> {
        self.read(|txn| {
            let hooks = txn.open_table(tables::WEBHOOKS)?;
            hooks
                .iter()?
                .map(|entry| {
                    let (id, bytes) = entry?;
                    Ok((id.value(), decode(bytes.value())?))
                })
                .collect()
        })
    }

    /// The webhooks of one room, by id.
    pub fn room_webhooks(&self, room_id: u64) -> Result<Vec<(u64, WebhookRecord)>, StoreError> {
        let mut all = self.webhooks()?;
        all.retain(|(_, hook)| hook.room_id == room_id);
        Ok(all)
    }

    /// Deletes a room's webhook; false if the room has none by that id.
    pub fn remove_webhook(&self, room_id: u64, id: u64) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut hooks = txn.open_table(tables::WEBHOOKS)?;
            let found = match hooks.get(id)? {
                Some(bytes) => decode(bytes.value())?.room_id == room_id,
                None => false,
            };
            if found {
                hooks.remove(id)?;
            }
            Ok(found)
        })
    }

    /// Changes a webhook in place and returns it as stored; `None` if it is gone, or is not
    /// the room's when `of_room` names one (checked in the same transaction). `durable`:
    /// fsynced before returning (a change someone asked for); otherwise a crash may lose it
    /// (the outcome of a delivery, which the next one records again).
    pub fn update_webhook(
        &self,
        id: u64,
        of_room: Option<u64>,
        durable: bool,
        change: impl FnOnce(&mut WebhookRecord),
    ) -> Result<Option<WebhookRecord>, StoreError> {
        let durability = if durable {
            Durability::Immediate
        } else {
            Durability::None
        };
        self.write(durability, |txn| {
            let mut hooks = txn.open_table(tables::WEBHOOKS)?;
            let record = match hooks.get(id)? {
                Some(bytes) => Some(decode(bytes.value())?),
                None => None,
            };
            let Some(mut record) = record else {
                return Ok(None);
            };
            if of_room.is_some_and(|room_id| room_id != record.room_id) {
                return Ok(None);
            }
            change(&mut record);
            hooks.insert(id, serde_json::to_vec(&record)?.as_slice())?;
            Ok(Some(record))
        })
    }
}

impl Tx<'_> {
    /// Removes every webhook of a room (it is being deleted).
    pub(super) fn remove_webhooks_of(&mut self, room_id: u64) -> Result<(), StoreError> {
        let mut hooks = self.txn.open_table(tables::WEBHOOKS)?;
        let mut ids = Vec::new();
        for entry in hooks.iter()? {
            let (id, bytes) = entry?;
            if decode(bytes.value())?.room_id == room_id {
                ids.push(id.value());
            }
        }
        for id in ids {
            hooks.remove(id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(room_id: u64) -> WebhookRecord {
        WebhookRecord {
            room_id,
            url: "https://bots.example.com/hook".into(),
            secret: vec![7; 32],
            mentions_of: None,
            created_by: 1,
            created_at: 10,
            failures: 0,
            disabled: None,
            last_delivery: None,
        }
    }

    #[test]
    fn webhooks_are_kept_per_room_up_to_a_limit_and_changed_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.add_webhook(&hook(1), 2).unwrap(), Some(1));
        assert_eq!(store.add_webhook(&hook(1), 2).unwrap(), Some(2));
        assert_eq!(store.add_webhook(&hook(1), 2).unwrap(), None);
        assert_eq!(store.add_webhook(&hook(2), 2).unwrap(), Some(3));
        let ids = |room| -> Vec<u64> {
            store
                .room_webhooks(room)
                .unwrap()
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        assert_eq!(ids(1), [1, 2]);

        let changed = store
            .update_webhook(2, Some(1), true, |hook| hook.failures = 3)
            .unwrap()
            .unwrap();
        assert_eq!(changed.failures, 3);
        assert_eq!(store.room_webhooks(1).unwrap()[1].1.failures, 3);
        assert!(
            store
                .update_webhook(9, None, false, |_| {})
                .unwrap()
                .is_none()
        );
        // Nor is it changed through another room.
        assert!(
            store
                .update_webhook(2, Some(2), true, |_| {})
                .unwrap()
                .is_none()
        );

        // A webhook is removed only through its own room.
        assert!(!store.remove_webhook(2, 1).unwrap());
        assert!(store.remove_webhook(1, 1).unwrap());
        assert!(!store.remove_webhook(1, 1).unwrap());
        assert_eq!(ids(1), [2]);
        assert_eq!(ids(2), [3]);
    }
}
