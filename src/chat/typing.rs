//! Typing indicators, coalesced per room: "alice is typing…" is never stored, and a room of a
//! thousand with twenty typists must not turn each keystroke report into a thousand frames.
//! Every socket following a room gets at most one `typing` frame per room per
//! [`TYPING_EVERY`]; reports that arrive within the window wait for its end and go out
//! together, each name once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The shortest gap between two `typing` frames of one room.
pub const TYPING_EVERY: Duration = Duration::from_secs(1);

/// A room's typists waiting for the next frame.
#[derive(Default)]
struct RoomTyping {
    last_sent: Option<Instant>,
    pending: Vec<Arc<str>>,
    /// A flush is scheduled for the end of the window.
    scheduled: bool,
}

/// What a report asks of its caller.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Send these names now.
    Send(Vec<Arc<str>>),
    /// Flush the room after this long.
    Schedule(Duration),
    /// A flush is already on its way.
    Wait,
}

#[derive(Default)]
pub struct Typists {
    rooms: Mutex<HashMap<u64, RoomTyping>>,
}

impl Typists {
    /// Someone reports typing in a room.
    pub fn report(&self, room_id: u64, user: &Arc<str>, now: Instant) -> Next {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let room = rooms.entry(room_id).or_default();
        if !room.pending.iter().any(|u| u == user) {
            room.pending.push(Arc::clone(user));
        }
        if room.scheduled {
            return Next::Wait;
        }
        match room.last_sent.map(|at| at + TYPING_EVERY) {
            Some(due) if due > now => {
                room.scheduled = true;
                Next::Schedule(due - now)
            }
            _ => {
                room.last_sent = Some(now);
                Next::Send(std::mem::take(&mut room.pending))
            }
        }
    }

    /// The end of a window: the names waiting, if any.
    pub fn flush(&self, room_id: u64, now: Instant) -> Vec<Arc<str>> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let Some(room) = rooms.get_mut(&room_id) else {
            return Vec::new();
        };
        room.scheduled = false;
        if room.pending.is_empty() {
            return Vec::new();
        }
        room.last_sent = Some(now);
        std::mem::take(&mut room.pending)
    }

    /// A room nobody follows any more.
    pub fn forget(&self, room_id: u64) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if rooms.get(&room_id).is_some_and(|r| !r.scheduled) {
            rooms.remove(&room_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_within_a_window_go_out_together_at_its_end_each_name_once() {
        let typists = Typists::default();
        let (alice, bob): (Arc<str>, Arc<str>) = ("alice".into(), "bob".into());
        let start = Instant::now();
        assert_eq!(
            typists.report(1, &alice, start),
            Next::Send(vec![alice.clone()])
        );
        let soon = start + Duration::from_millis(300);
        assert_eq!(
            typists.report(1, &bob, soon),
            Next::Schedule(Duration::from_millis(700))
        );
        assert_eq!(typists.report(1, &alice, soon), Next::Wait);
        assert_eq!(typists.report(1, &bob, soon), Next::Wait);
        assert_eq!(
            typists.flush(1, start + TYPING_EVERY),
            vec![bob.clone(), alice.clone()]
        );
        // Another room is its own.
        assert_eq!(typists.report(2, &bob, soon), Next::Send(vec![bob.clone()]));
        // After a quiet window, a report goes out at once.
        let later = start + TYPING_EVERY * 3;
        assert_eq!(typists.report(1, &bob, later), Next::Send(vec![bob]));
    }
}
