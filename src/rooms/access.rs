//! Who may do what with a room: the one decision every door asks (pages, the JSON API,
//! WebSocket frames, the writer as it commits). It looks only at the room's kind and the
//! person's membership, so a check and the read or write it allows can run on one snapshot or
//! inside one write transaction.
//!
//! A private or direct room that someone is not a member of is, for them, a room that does not
//! exist: every action answers [`Denied::Hidden`], which every door turns into exactly the
//! answer it gives for a room that was never created.

use crate::store::{Kind, Membership, Role};

/// What someone wants to do with a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Know that it exists: its name, topic and kind (room lists, the chat page).
    See,
    /// Read its history and follow it live.
    Read,
    /// Post a message.
    Post,
    /// Become a member by one's own choice (typing an open room's name).
    Join,
    /// Rename it, change its topic or kind, add and remove members, make invite links.
    Manage,
    /// Edit or delete other people's messages: the owners of a private room.
    Moderate,
    /// End one's own membership (hide, for a direct room).
    Leave,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The room is not visible to this person: answer as if it did not exist.
    Hidden,
    /// The room is visible, but this action is not theirs (only owners manage a room; nobody
    /// manages a direct one).
    NotAllowed,
    /// The action needs a membership this person does not have (leaving an open room they
    /// never joined).
    NotMember,
}

/// Decides whether the holder of `membership` (none: not a member) may do `action` in a room
/// of this kind.
pub fn authorize(
    kind: Kind,
    membership: Option<&Membership>,
    action: Action,
) -> Result<(), Denied> {
    let role = membership.map(|m| m.role);
    match (kind, role) {
        // Members of private and direct rooms may read, post, and leave; nobody else learns
        // anything about the room.
        (Kind::Private | Kind::Direct, None) => Err(Denied::Hidden),
        (Kind::Open, None) => match action {
            Action::See | Action::Read | Action::Post | Action::Join => Ok(()),
            Action::Manage | Action::Moderate => Err(Denied::NotAllowed),
            Action::Leave => Err(Denied::NotMember),
        },
        (Kind::Open | Kind::Private, Some(role)) => match action {
            Action::See | Action::Read | Action::Post | Action::Join | Action::Leave => Ok(()),
            Action::Manage if role == Role::Owner => Ok(()),
            // Anyone may name an open room into being; owning one is no mandate over what
            // others write in it.
            Action::Moderate if role == Role::Owner && kind == Kind::Private => Ok(()),
            Action::Manage | Action::Moderate => Err(Denied::NotAllowed),
        },
        // The people of a direct room are fixed when it is made.
        (Kind::Direct, Some(_)) => match action {
            Action::See | Action::Read | Action::Post | Action::Join | Action::Leave => Ok(()),
            Action::Manage | Action::Moderate => Err(Denied::NotAllowed),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Action; 7] = [
        Action::See,
        Action::Read,
        Action::Post,
        Action::Join,
        Action::Manage,
        Action::Moderate,
        Action::Leave,
    ];

    fn member(role: Role) -> Membership {
        Membership {
            room_id: 1,
            user_id: 1,
            role,
            joined_at: 0,
            hidden: false,
        }
    }

    #[test]
    fn outsiders_learn_nothing_of_private_and_direct_rooms() {
        for kind in [Kind::Private, Kind::Direct] {
            for action in ALL {
                assert_eq!(
                    authorize(kind, None, action),
                    Err(Denied::Hidden),
                    "{kind:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn anyone_may_read_post_and_join_an_open_room_but_only_owners_manage_it() {
        for action in [Action::See, Action::Read, Action::Post, Action::Join] {
            assert_eq!(authorize(Kind::Open, None, action), Ok(()));
        }
        assert_eq!(
            authorize(Kind::Open, None, Action::Manage),
            Err(Denied::NotAllowed)
        );
        assert_eq!(
            authorize(Kind::Open, None, Action::Leave),
            Err(Denied::NotMember)
        );
        let owner = member(Role::Owner);
        let plain = member(Role::Member);
        assert_eq!(authorize(Kind::Open, Some(&owner), Action::Manage), Ok(()));
        assert_eq!(
            authorize(Kind::Open, Some(&plain), Action::Manage),
            Err(Denied::NotAllowed)
        );
    }

    #[test]
    fn members_of_a_private_room_use_it_and_its_owners_manage_it() {
        let owner = member(Role::Owner);
        let plain = member(Role::Member);
        for action in ALL {
            assert_eq!(
                authorize(Kind::Private, Some(&owner), action),
                Ok(()),
                "{action:?}"
            );
            let expected = if matches!(action, Action::Manage | Action::Moderate) {
                Err(Denied::NotAllowed)
            } else {
                Ok(())
            };
            assert_eq!(
                authorize(Kind::Private, Some(&plain), action),
                expected,
                "{action:?}"
            );
        }
    }

    #[test]
    fn only_owners_of_private_rooms_moderate_others_messages() {
        let owner = member(Role::Owner);
        assert_eq!(
            authorize(Kind::Private, Some(&owner), Action::Moderate),
            Ok(())
        );
        assert_eq!(
            authorize(Kind::Open, Some(&owner), Action::Moderate),
            Err(Denied::NotAllowed)
        );
        assert_eq!(
            authorize(Kind::Direct, Some(&owner), Action::Moderate),
            Err(Denied::NotAllowed)
        );
    }

    #[test]
    fn nobody_manages_a_direct_room() {
        for role in [Role::Owner, Role::Member] {
            assert_eq!(
                authorize(Kind::Direct, Some(&member(role)), Action::Manage),
                Err(Denied::NotAllowed)
            );
            assert_eq!(
                authorize(Kind::Direct, Some(&member(role)), Action::Post),
                Ok(())
            );
        }
    }
}
