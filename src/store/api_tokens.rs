//! API tokens, keyed by the SHA-256 of their secret: what a script or a bot signs in with. The
//! secret is shown to its owner once and never stored; whoever reads the file cannot use one.

use redb::{Durability, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{SessionKey, Store, StoreError, tables};

/// A stored API token. What it may do is decided by `access` from its scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenRecord {
    pub user_id: u64,
    /// What its owner called it (`deploy bot`).
    pub name: String,
    /// What it may do: `read`, `post`.
    pub scopes: Vec<String>,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds; none: until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Unix milliseconds of its last use, refreshed at most once a minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<u64>,
}

impl Store {
    /// Stores a new token, unless its owner has `max` already (then false).
    pub fn create_api_token(
        &self,
        key: SessionKey,
        record: &ApiTokenRecord,
        max: usize,
    ) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut index = txn.open_table(tables::USER_API_TOKENS)?;
            let user = record.user_id;
            if index
                .range((user, [0u8; 32])..=(user, [0xffu8; 32]))?
                .count()
                >= max
            {
                return Ok(false);
            }
            index.insert((user, key), ())?;
            txn.open_table(tables::API_TOKENS)?
                .insert(key, serde_json::to_vec(record)?.as_slice())?;
            Ok(true)
        })
    }

    pub fn api_token(&self, key: SessionKey) -> Result<Option<ApiTokenRecord>, StoreError> {
        self.read(|txn| {
            let tokens = txn.open_table(tables::API_TOKENS)?;
            match tokens.get(key)? {
                Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
                None => Ok(None),
            }
        })
    }

    /// Every token of a user, in no particular order.
    pub fn user_api_tokens(
        &self,
        user_id: u64,
    ) -> Result<Vec<(SessionKey, ApiTokenRecord)>, StoreError> {
        self.read(|txn| {
            let index = txn.open_table(tables::USER_API_TOKENS)?;
            let tokens = txn.open_table(tables::API_TOKENS)?;
            let mut out = Vec::new();
            for entry in index.range((user_id, [0u8; 32])..=(user_id, [0xffu8; 32]))? {
                let key = entry?.0.value().1;
                if let Some(bytes) = tokens.get(key)? {
                    out.push((key, serde_json::from_slice(bytes.value())?));
                }
            }
            Ok(out)
        })
    }

    /// Deletes one of a user's tokens; false if they have none by that key.
    pub fn delete_api_token(&self, user_id: u64, key: SessionKey) -> Result<bool, StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut index = txn.open_table(tables::USER_API_TOKENS)?;
            if index.remove((user_id, key))?.is_none() {
                return Ok(false);
            }
            txn.open_table(tables::API_TOKENS)?.remove(key)?;
            Ok(true)
        })
    }

    /// Records a use. Not fsynced on its own: losing it in a crash only shows an older time.
    pub fn touch_api_token(&self, key: SessionKey, now_ms: u64) -> Result<(), StoreError> {
        self.write(Durability::None, |txn| {
            let mut tokens = txn.open_table(tables::API_TOKENS)?;
            let record: Option<ApiTokenRecord> = match tokens.get(key)? {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            };
            if let Some(mut record) = record {
                record.last_used = Some(now_ms);
                tokens.insert(key, serde_json::to_vec(&record)?.as_slice())?;
            }
            Ok(())
        })
    }
}
