//! The lines of an export's JSON Lines files, one type per file (`users`, `rooms`,
//! `messages`), and how each is made from what the store holds and read back into it. What a
//! line may hold is checked here by the rules people's own input meets, so an import writes
//! nothing a person could not have: a name, a length, a file type a browser will not run, an
//! id the server could have given, a time that is not in the future.

mod messages;
mod rooms;
mod users;

pub use messages::MessageLine;
pub use rooms::RoomLine;
pub use users::UserLine;

/// Ids are below 2^53, as the server makes them: a browser reads them exactly, and the next
/// id the server takes after the largest can never overflow.
const ID_LIMIT: u64 = 1 << 53;

/// Checks an id an export gives something.
fn check_id(id: u64, what: &str) -> Result<(), String> {
    if id == 0 || id >= ID_LIMIT {
        return Err(format!("{what} id {id} is not between 1 and 2^53"));
    }
    Ok(())
}

/// The latest time a line may name: a day after its export was written (a day for a clock
/// set back meanwhile). A time far in the future would stay a room's newest for good, since a
/// new message never goes back in time, so it is refused.
#[derive(Debug, Clone, Copy)]
pub struct Until(u64);

impl Until {
    const SLACK_MS: u64 = 24 * 60 * 60 * 1000;

    /// The bound for an export written at `written_ms`.
    pub fn export_written_at(written_ms: u64) -> Until {
        Until(written_ms.saturating_add(Self::SLACK_MS))
    }

    fn check(self, time: u64, what: &str) -> Result<(), String> {
        if time > self.0 {
            return Err(format!("{what} ({time}) is after the export was written"));
        }
        Ok(())
    }
}
