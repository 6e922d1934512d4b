use thiserror::Error;

use crate::access::Denied;
use crate::store::StoreError;

/// Why a room operation was refused. The error table (`crate::errors`) gives each its code,
/// which every door answers with.
#[derive(Debug, Error)]
pub enum RoomError {
    /// No such room, or one this person may not see: the two are never told apart.
    #[error("There is no such room.")]
    NotFound,
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("You are not a member of this room.")]
    NotMember,
    #[error("{0}")]
    InvalidName(&'static str),
    /// Taken by any room, including a private one the asker cannot see (the answer does not
    /// say which).
    #[error("That room name is taken.")]
    NameTaken,
    #[error("{0}")]
    InvalidTopic(&'static str),
    #[error("No account is called that.")]
    UserNotFound,
    /// Unknown, expired, used up or revoked: one answer for all.
    #[error("This invite link is not valid: it may have expired, been used up or been revoked.")]
    InviteInvalid,
    /// A direct room someone does not accept, and why.
    #[error("{0}")]
    DmRefused(String),
    #[error("{0}")]
    InvalidDirect(&'static str),
    #[error("There is no such message in this room.")]
    MessageNotFound,
    #[error("That message was deleted.")]
    MessageDeleted,
    #[error("A message can have at most 20 different reactions.")]
    TooManyReactions,
    /// An upload that is not the sender's to attach here: unknown, someone else's, sent
    /// already, or uploaded to another room.
    #[error("That file cannot be attached here; upload it again.")]
    FileNotFound,
    /// A new upload would take its uploader past `--user-quota-bytes`.
    #[error("{}", over_quota(*quota, *used))]
    OverQuota { quota: u64, used: u64 },
    /// The person's previous export is still being written or downloaded.
    #[error("Your last download of a room is still under way; try again once it is done.")]
    ExportUnderWay,
    /// The room is archived: readable, closed to every change.
    #[error("This room is archived: it can be read, and nothing in it can change.")]
    Archived,
    #[error("The server is shutting down; try again after reconnecting.")]
    ShuttingDown,
    /// The transaction holding the change failed to commit; nothing of it was stored.
    #[error("The change could not be saved. Try again.")]
    NotSaved,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Denied> for RoomError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Hidden => RoomError::NotFound,
            Denied::NotAllowed => RoomError::NotAllowed("Only the room's owners can do that."),
            Denied::NotMember => RoomError::NotMember,
            Denied::NotTheirs => {
                RoomError::NotAllowed("You can only edit or delete your own messages.")
            }
            Denied::TooManyToCall => RoomError::NotAllowed(
                "Only the room's owners and the server's admins can call @room in a room of more than 50 members.",
            ),
            Denied::AdminsOnly => {
                RoomError::NotAllowed("On this server only its admins make new rooms.")
            }
            Denied::Archived => RoomError::Archived,
        }
    }
}

/// What someone at their quota is told: how much they may keep and how much is theirs now.
fn over_quota(quota: u64, used: u64) -> String {
    format!(
        "This file would take you past the {} you may keep on this server ({} are yours now). Deleting messages with files you no longer need gives their space back within a day; or ask the operator for more.",
        crate::files::human_size(quota),
        crate::files::human_size(used),
    )
}
