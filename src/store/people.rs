//! Friends, blocks and "last seen", as stored. What a request may do (a blocked person cannot
//! ask, asking someone who asked you accepts) is decided in `people`; here are the records.

use redb::{Durability, ReadableTable};

use super::snapshot::Snapshot;
use super::tx::Tx;
use super::users::{User, load_user, users_with_prefix};
use super::{Store, StoreError, tables};

/// Where two people stand, seen from one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Friendship {
    /// I asked them; they have not answered.
    Asked,
    /// They asked me.
    Incoming,
    Friends,
}

impl Friendship {
    pub(super) fn byte(self) -> u8 {
        match self {
            Friendship::Asked => 1,
            Friendship::Incoming => 2,
            Friendship::Friends => 3,
        }
    }

    pub(super) fn from_byte(byte: u8) -> Result<Friendship, StoreError> {
        match byte {
            1 => Ok(Friendship::Asked),
            2 => Ok(Friendship::Incoming),
            3 => Ok(Friendship::Friends),
            other => Err(StoreError::Corrupt(format!("friendship state {other}"))),
        }
    }

    /// The same state seen from the other side.
    pub fn mirrored(self) -> Friendship {
        match self {
            Friendship::Asked => Friendship::Incoming,
            Friendship::Incoming => Friendship::Asked,
            Friendship::Friends => Friendship::Friends,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Friendship::Asked => "asked",
            Friendship::Incoming => "incoming",
            Friendship::Friends => "friends",
        }
    }
}

fn friendship(
    friends: &impl ReadableTable<(u64, u64), u8>,
    me: u64,
    other: u64,
) -> Result<Option<Friendship>, StoreError> {
    friends
        .get((me, other))?
        .map(|v| Friendship::from_byte(v.value()))
        .transpose()
}

pub(super) fn friends_of(
    friends: &impl ReadableTable<(u64, u64), u8>,
    me: u64,
) -> Result<Vec<(u64, Friendship)>, StoreError> {
    let mut out = Vec::new();
    for entry in friends.range((me, 0)..=(me, u64::MAX))? {
        let (key, state) = entry?;
        out.push((key.value().1, Friendship::from_byte(state.value())?));
    }
    Ok(out)
}

impl Tx<'_> {
    /// Where `me` stands with `other`.
    pub fn friendship(&self, me: u64, other: u64) -> Result<Option<Friendship>, StoreError> {
        friendship(&self.txn.open_table(tables::FRIENDS)?, me, other)
    }

    /// Sets where `me` stands with `other` (and the mirror of it for `other`); none ends it.
    pub fn set_friendship(
        &self,
        me: u64,
        other: u64,
        state: Option<Friendship>,
    ) -> Result<(), StoreError> {
        self.wrote_more();
        let mut friends = self.txn.open_table(tables::FRIENDS)?;
        match state {
            Some(state) => {
                friends.insert((me, other), state.byte())?;
                friends.insert((other, me), state.mirrored().byte())?;
            }
            None => {
                friends.remove((me, other))?;
                friends.remove((other, me))?;
            }
        }
        Ok(())
    }

    /// Whether `blocker` has blocked `blocked`.
    pub fn blocked(&self, blocker: u64, blocked: u64) -> Result<bool, StoreError> {
        let blocks = self.txn.open_table(tables::BLOCKS)?;
        Ok(blocks.get((blocker, blocked))?.is_some())
    }

    pub fn set_blocked(&self, blocker: u64, blocked: u64, on: bool) -> Result<(), StoreError> {
        self.wrote_more();
        let mut blocks = self.txn.open_table(tables::BLOCKS)?;
        if on {
            blocks.insert((blocker, blocked), self.now_ms())?;
        } else {
            blocks.remove((blocker, blocked))?;
        }
        Ok(())
    }
}

impl Snapshot {
    pub fn friendship(&self, me: u64, other: u64) -> Result<Option<Friendship>, StoreError> {
        friendship(&self.txn.open_table(tables::FRIENDS)?, me, other)
    }

    /// Everyone `me` is friends with or has a request with, and where they stand.
    pub fn friends_of(&self, me: u64) -> Result<Vec<(User, Friendship)>, StoreError> {
        let users = self.txn.open_table(tables::USERS)?;
        let mut out = Vec::new();
        for (id, state) in friends_of(&self.txn.open_table(tables::FRIENDS)?, me)? {
            if let Some(found) = load_user(&users, id)? {
                out.push((found.user, state));
            }
        }
        Ok(out)
    }

    pub fn blocked(&self, blocker: u64, blocked: u64) -> Result<bool, StoreError> {
        let blocks = self.txn.open_table(tables::BLOCKS)?;
        Ok(blocks.get((blocker, blocked))?.is_some())
    }

    /// The ids of the people `blocker` has blocked.
    pub fn blocked_by(&self, blocker: u64) -> Result<Vec<u64>, StoreError> {
        let blocks = self.txn.open_table(tables::BLOCKS)?;
        let mut out = Vec::new();
        for entry in blocks.range((blocker, 0)..=(blocker, u64::MAX))? {
            out.push(entry?.0.value().1);
        }
        Ok(out)
    }

    /// When the person's last socket closed, if it ever did.
    pub fn last_seen(&self, user_id: u64) -> Result<Option<u64>, StoreError> {
        let seen = self.txn.open_table(tables::LAST_SEEN)?;
        Ok(seen.get(user_id)?.map(|v| v.value()))
    }

    /// Up to `limit` accounts whose username starts with `prefix`, by username.
    pub fn users_with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<User>, StoreError> {
        let names = self.txn.open_table(tables::USERNAMES)?;
        let users = self.txn.open_table(tables::USERS)?;
        users_with_prefix(&names, &users, prefix, limit)
    }
}

impl Store {
    /// Records when a person's last socket closed. Not fsynced on its own: losing it in a
    /// crash only makes someone look a little longer gone.
    pub fn record_last_seen(&self, user_id: u64, now_ms: u64) -> Result<(), StoreError> {
        self.write(Durability::None, |txn| {
            txn.open_table(tables::LAST_SEEN)?.insert(user_id, now_ms)?;
            Ok(())
        })
    }
}
