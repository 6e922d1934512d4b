//! Whether one person may reach another: a block, either way, stops every kind of contact, and
//! a person who accepts new conversations only from friends refuses everyone else's. A
//! conversation already made stays usable whatever "who may message me" says later; only a
//! block ends it. The refusal says why, in one wording for every door.

use crate::store::DmFrom;

/// How the one reaching out (`from`) and the one reached (`to`) stand with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ties {
    /// `to` blocked `from`.
    pub blocked_by_them: bool,
    /// `from` blocked `to`.
    pub blocked_them: bool,
    /// They are friends.
    pub friends: bool,
    /// Who `to` accepts new conversations from.
    pub their_dm_from: DmFrom,
}

/// A way of reaching someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// A new direct room with them.
    Conversation,
    /// A message in a direct room of just the two of them.
    Message,
    /// A friend request (or the acceptance of theirs).
    FriendRequest,
}

/// Why someone may not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoContact {
    BlockedByThem,
    BlockedThem,
    FriendsOnly,
}

/// Whether `from` may reach `to` this way, given how they stand.
pub fn may_contact(ties: &Ties, contact: Contact) -> Result<(), NoContact> {
    if ties.blocked_by_them {
        return Err(NoContact::BlockedByThem);
    }
    if ties.blocked_them {
        return Err(NoContact::BlockedThem);
    }
    if contact == Contact::Conversation && ties.their_dm_from == DmFrom::Friends && !ties.friends {
        return Err(NoContact::FriendsOnly);
    }
    Ok(())
}

impl NoContact {
    /// The refusal as the one reaching out reads it; `name` is the other person's.
    pub fn sentence(self, name: &str, contact: Contact) -> String {
        let what = match contact {
            Contact::FriendRequest => "friend requests",
            Contact::Conversation | Contact::Message => "messages",
        };
        match self {
            NoContact::BlockedByThem => format!("{name} does not accept {what} from you."),
            NoContact::BlockedThem if contact == Contact::FriendRequest => {
                format!("You blocked {name}; unblock them first.")
            }
            NoContact::BlockedThem => {
                format!("You blocked {name}; unblock them to send a message.")
            }
            NoContact::FriendsOnly => format!("{name} accepts messages only from friends."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRANGERS: Ties = Ties {
        blocked_by_them: false,
        blocked_them: false,
        friends: false,
        their_dm_from: DmFrom::Everyone,
    };

    const EVERY_WAY: [Contact; 3] = [
        Contact::Conversation,
        Contact::Message,
        Contact::FriendRequest,
    ];

    #[test]
    fn a_block_either_way_stops_every_kind_of_contact() {
        for contact in EVERY_WAY {
            let blocked = Ties {
                blocked_by_them: true,
                ..STRANGERS
            };
            assert_eq!(
                may_contact(&blocked, contact),
                Err(NoContact::BlockedByThem)
            );
            let blocking = Ties {
                blocked_them: true,
                friends: true,
                ..STRANGERS
            };
            assert_eq!(may_contact(&blocking, contact), Err(NoContact::BlockedThem));
            assert_eq!(may_contact(&STRANGERS, contact), Ok(()));
        }
    }

    #[test]
    fn friends_only_refuses_new_conversations_with_strangers_and_nothing_else() {
        let friends_only = Ties {
            their_dm_from: DmFrom::Friends,
            ..STRANGERS
        };
        assert_eq!(
            may_contact(&friends_only, Contact::Conversation),
            Err(NoContact::FriendsOnly)
        );
        assert_eq!(may_contact(&friends_only, Contact::Message), Ok(()));
        assert_eq!(may_contact(&friends_only, Contact::FriendRequest), Ok(()));
        let friend = Ties {
            friends: true,
            ..friends_only
        };
        assert_eq!(may_contact(&friend, Contact::Conversation), Ok(()));
    }

    #[test]
    fn refusals_say_why_in_one_wording() {
        assert_eq!(
            NoContact::BlockedByThem.sentence("bob", Contact::Message),
            "bob does not accept messages from you."
        );
        assert_eq!(
            NoContact::BlockedByThem.sentence("bob", Contact::FriendRequest),
            "bob does not accept friend requests from you."
        );
        assert_eq!(
            NoContact::BlockedThem.sentence("bob", Contact::Conversation),
            "You blocked bob; unblock them to send a message."
        );
        assert_eq!(
            NoContact::FriendsOnly.sentence("bob", Contact::Conversation),
            "bob accepts messages only from friends."
        );
    }
}
