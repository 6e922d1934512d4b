//! Read positions and what lies after them: how many messages someone has not read in a room,
//! and how many of those call them. One implementation for a snapshot and a write
//! transaction alike, over any readable tables.
//!
//! Counting reads the unread messages' records, so it stops at [`UNREAD_CAP`]: a sidebar shows
//! "99+" past that, and a room left unread for a year costs no more than one left for a day.

use redb::ReadableTable;

use super::StoreError;
use super::record::peek;

/// Counting stops here; a count of this many means "this many or more".
pub const UNREAD_CAP: u32 = 100;

/// Someone's position in a room and what lies after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    /// The id of the last message they have read (0: none).
    pub read: u64,
    /// Messages by others after it, tombstones not counted; at most [`UNREAD_CAP`].
    pub messages: u32,
    /// Of those, the ones that mention them (by name, `@here` while online, or `@room`).
    pub mentions: u32,
}

/// The tables counting reads.
pub(super) struct Tables<'a, H, M, R> {
    pub history: &'a H,
    pub mentions: &'a M,
    pub room_mentions: &'a R,
}

impl<H, M, R> Tables<'_, H, M, R>
where
    H: ReadableTable<(u64, u64), &'static [u8]>,
    M: ReadableTable<(u64, u64, u64), ()>,
    R: ReadableTable<(u64, u64), u64>,
{
    /// What `user_id` has not read in `room_id` after message `read`.
    pub fn count(&self, user_id: u64, room_id: u64, read: u64) -> Result<Unread, StoreError> {
        let start = read.saturating_add(1);
        let mut messages = 0;
        for entry in self.history.range((room_id, start)..=(room_id, u64::MAX))? {
            let (_, bytes) = entry?;
            let (author, deleted) = peek(bytes.value())?;
            if author != user_id && !deleted {
                messages += 1;
                if messages == UNREAD_CAP {
                    break;
                }
            }
        }
        let mut mentions = 0;
        // The indexes hold only live mentions by others (see `Tx::index_mentions`).
        let named = self
            .mentions
            .range((user_id, room_id, start)..=(user_id, room_id, u64::MAX))?;
        for entry in named.take(UNREAD_CAP as usize) {
            entry?;
            mentions += 1;
        }
        for entry in self
            .room_mentions
            .range((room_id, start)..=(room_id, u64::MAX))?
        {
            let (_, author) = entry?;
            if mentions >= UNREAD_CAP {
                break;
            }
            if author.value() != user_id {
                mentions += 1;
            }
        }
        Ok(Unread {
            read,
            messages,
            mentions: mentions.min(messages),
        })
    }
}
