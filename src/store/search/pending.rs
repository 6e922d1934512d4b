//! Which rooms have messages that no segment holds yet, as the store's commits report them,
//! so the upkeep looks only there instead of in every room. Kept in memory: after the store
//! opens (or reopens), any room may have some, and the first fold looks in all of them.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::segment::FOLD_AT;

/// How long a few new messages may wait for a fold when fewer than [`FOLD_AT`] come.
pub const FOLD_AFTER: Duration = Duration::from_secs(30);

pub(in crate::store) struct Pending {
    state: Mutex<State>,
}

struct State {
    /// Every room may have some (the store has just opened).
    every_room: bool,
    rooms: BTreeSet<u64>,
    /// Messages appended since the last fold took the rooms.
    messages: u64,
    /// When the first of them came.
    since: Option<Instant>,
}

/// The rooms a fold looks in.
pub(in crate::store) enum Rooms {
    Every,
    These(Vec<u64>),
}

impl Pending {
    /// As the store opens: any room may have messages no segment holds.
    pub fn every_room() -> Pending {
        Pending {
            state: Mutex::new(State {
                every_room: true,
                rooms: BTreeSet::new(),
                messages: 0,
                since: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing panics while holding it; a poisoned lock still holds usable sets.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A commit appended a message to each of `rooms` (a room once per message).
    pub fn note(&self, rooms: &[u64]) {
        if rooms.is_empty() {
            return;
        }
        let mut state = self.lock();
        state.rooms.extend(rooms.iter().copied());
        state.messages += rooms.len() as u64;
        state.since.get_or_insert_with(Instant::now);
    }

    /// Whether a fold is due: enough messages, or some that have waited long enough, or a
    /// store that has just opened.
    pub fn due(&self, now: Instant) -> bool {
        let state = self.lock();
        state.every_room
            || state.messages >= FOLD_AT
            || state
                .since
                .is_some_and(|since| now.duration_since(since) >= FOLD_AFTER)
    }

    /// Takes the rooms for a fold; what it leaves undone goes back with [`Pending::put_back`].
    pub fn take(&self) -> Rooms {
        let mut state = self.lock();
        state.messages = 0;
        state.since = None;
        let rooms = std::mem::take(&mut state.rooms);
        if std::mem::take(&mut state.every_room) {
            Rooms::Every
        } else {
            Rooms::These(rooms.into_iter().collect())
        }
    }

    /// Rooms a fold could not finish, because it took as many messages as one may: due again
    /// at once.
    pub fn put_back(&self, rooms: &[u64]) {
        if rooms.is_empty() {
            return;
        }
        let mut state = self.lock();
        state.rooms.extend(rooms.iter().copied());
        state.messages = state.messages.max(FOLD_AT);
        state.since.get_or_insert_with(Instant::now);
    }

    /// A fold failed, or the store reopened: look in every room next time.
    pub fn forget(&self) {
        self.lock().every_room = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fold_is_due_for_many_messages_or_old_ones_and_after_opening() {
        let pending = Pending::every_room();
        let now = Instant::now();
        assert!(pending.due(now), "just opened");
        assert!(matches!(pending.take(), Rooms::Every));
        assert!(!pending.due(now));

        pending.note(&[4, 4, 9]);
        assert!(!pending.due(Instant::now()), "three new messages wait");
        assert!(pending.due(Instant::now() + FOLD_AFTER), "but not for long");
        let Rooms::These(rooms) = pending.take() else {
            panic!("only the rooms noted")
        };
        assert_eq!(rooms, [4, 9]);

        pending.note(&vec![1; FOLD_AT as usize]);
        assert!(pending.due(Instant::now()), "enough for a segment");
        pending.take();
        pending.put_back(&[7]);
        assert!(
            pending.due(Instant::now()),
            "an unfinished room comes back at once"
        );
        pending.take();
        pending.forget();
        assert!(matches!(pending.take(), Rooms::Every));
    }
}
