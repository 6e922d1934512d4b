//! What an actor may do with a room. A private or direct room that someone is not a member of
//! is, for them, a room that does not exist: every action answers [`Denied::Hidden`], which
//! every door turns into exactly the answer it gives for a room that was never created.

use poem_openapi::Object;
use serde::Serialize;

use super::Actor;
use crate::store::{Everyone, Kind, Membership, Role, Room};

/// Members past which only owners may call `@room`.
pub const EVERYONE_LIMIT: u32 = 50;

/// What someone wants to do with a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Know that it exists: its name, topic and kind (room lists, the chat page).
    See,
    /// Read its history and follow it live.
    Read,
    /// Post a message, and react to one.
    Post,
    /// Become a member by one's own choice (typing an open room's name).
    Join,
    /// End one's own membership (hide, for a direct room).
    Leave,
    /// Rename it, change its topic or kind, add and remove members.
    Manage,
    /// Remove someone else from it: its owners, and the server's admins from an open room.
    Remove,
    /// Make, list and revoke its invite links.
    Invite,
    /// Download its whole history and files: its owners.
    Export,
    /// Send its new messages to other services (outgoing webhooks): its owners, and the
    /// server's admins wherever they moderate.
    Webhooks,
    /// Delete other people's messages: the owners of an open or private room, and the
    /// server's admins in any room they can see.
    Moderate,
    /// Edit a message by `author`: one's own, or anyone's as the owner of a private room.
    EditMessage { author: u64 },
    /// Delete a message by `author`: one's own, or anyone's as a moderator.
    DeleteMessage { author: u64 },
    /// Call everyone: `@here` (who is online) whoever may post, `@room` (every member) too,
    /// but in a room of more than [`EVERYONE_LIMIT`] members only its owners and the
    /// server's admins.
    Call(Everyone),
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
    /// Someone else's message, which they do not moderate.
    NotTheirs,
    /// `@room` in a room of more than [`EVERYONE_LIMIT`] members, by someone who does not own it.
    TooManyToCall,
    /// A new room, on a server where only admins make rooms.
    AdminsOnly,
    /// The room is archived: it can be read, and nothing in it changes.
    Archived,
}

/// Decides whether `actor`, the holder of `membership` (none: not a member), may do `action`
/// in `room`. An archived room is decided as any other first, so that a room someone may not
/// see stays hidden; then only reading, joining, leaving, downloading and moderators' clean-up
/// are left open in it.
pub fn authorize(
    actor: &Actor,
    room: &Room,
    membership: Option<&Membership>,
    action: Action,
) -> Result<(), Denied> {
    by_rule(actor, room, membership, action)?;
    if room.archived_at.is_some() && changes_the_room(actor, action) {
        return Err(Denied::Archived);
    }
    Ok(())
}

/// Whether an action changes what an archived room holds: its messages, its settings, who is
/// in it (beyond one's own joining and leaving), its invite links. A moderator may still delete
/// what should not stay.
fn changes_the_room(actor: &Actor, action: Action) -> bool {
    match action {
        Action::See
        | Action::Read
        | Action::Join
        | Action::Leave
        | Action::Export
        | Action::Moderate => false,
        Action::DeleteMessage { author } => author == actor.user_id,
        Action::Post
        | Action::Manage
        | Action::Remove
        | Action::Invite
        | Action::Webhooks
        | Action::EditMessage { .. }
        | Action::Call(_) => true,
    }
}

/// The rules of [`authorize`] for a room that is not archived.
fn by_rule(
    actor: &Actor,
    room: &Room,
    membership: Option<&Membership>,
    action: Action,
) -> Result<(), Denied> {
    let role = membership.map(|m| m.role);
    let kind = room.kind;
    let not_theirs = |denied| match denied {
        Denied::NotAllowed => Denied::NotTheirs,
        other => other,
    };
    match action {
        Action::EditMessage { author } | Action::DeleteMessage { author }
            if author == actor.user_id =>
        {
            authorize(actor, room, membership, Action::Post)
        }
        Action::EditMessage { .. } => {
            authorize(actor, room, membership, Action::Read)?;
            if kind == Kind::Private && role == Some(Role::Owner) {
                Ok(())
            } else {
                Err(Denied::NotTheirs)
            }
        }
        Action::DeleteMessage { .. } => {
            authorize(actor, room, membership, Action::Moderate).map_err(not_theirs)
        }
        Action::Call(Everyone::Here) => authorize(actor, room, membership, Action::Post),
        Action::Call(Everyone::Room) => {
            authorize(actor, room, membership, Action::Post)?;
            let owner = role == Some(Role::Owner) || administers(actor);
            if room.members > EVERYONE_LIMIT && !owner {
                return Err(Denied::TooManyToCall);
            }
            Ok(())
        }
        _ => by_membership(kind, role, action).or_else(|denied| {
            // An admin moderates wherever they can see, and keeps order in open rooms; a
            // room hidden from them stays hidden.
            let admin_may = match action {
                Action::Moderate => kind == Kind::Open || role.is_some(),
                // A direct room sends nowhere.
                Action::Webhooks => kind == Kind::Open || (kind == Kind::Private && role.is_some()),
                Action::Remove => kind == Kind::Open,
                _ => false,
            };
            if admin_may && administers(actor) {
                Ok(())
            } else {
                Err(denied)
            }
        }),
    }
}

/// Whether the actor speaks as one of the server's admins: an admin in their browser session
/// (an admin's bot token carries no admin powers).
fn administers(actor: &Actor) -> bool {
    super::may_administer(actor).is_ok()
}

/// The rules of the plain actions, from the room's kind and the person's role in it.
fn by_membership(kind: Kind, role: Option<Role>, action: Action) -> Result<(), Denied> {
    match (kind, role) {
        // Members of private and direct rooms may read, post, and leave; nobody else learns
        // anything about the room.
        (Kind::Private | Kind::Direct, None) => Err(Denied::Hidden),
        (Kind::Open, None) => match action {
            Action::See | Action::Read | Action::Post | Action::Join => Ok(()),
            Action::Leave => Err(Denied::NotMember),
            _ => Err(Denied::NotAllowed),
        },
        (Kind::Open | Kind::Private, Some(role)) => match action {
            Action::See | Action::Read | Action::Post | Action::Join | Action::Leave => Ok(()),
            Action::Manage
            | Action::Remove
            | Action::Invite
            | Action::Export
            | Action::Moderate
            | Action::Webhooks
                if role == Role::Owner =>
            {
                Ok(())
            }
            _ => Err(Denied::NotAllowed),
        },
        // The people of a direct room are fixed when it is made.
        (Kind::Direct, Some(_)) => match action {
            Action::See | Action::Read | Action::Post | Action::Join | Action::Leave => Ok(()),
            _ => Err(Denied::NotAllowed),
        },
    }
}

/// What an actor may do with a room, for the pages and scripts to draw their controls from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Object)]
pub struct May {
    /// Post messages and react to them.
    pub post: bool,
    /// Rename it, change its topic or kind, add and remove members.
    pub manage: bool,
    /// Remove other members (an admin may in an open room without managing it).
    pub remove: bool,
    /// Make, list and revoke invite links.
    pub invite: bool,
    /// Download the room: its messages and files in a zip.
    pub export: bool,
    /// Delete other people's messages.
    pub moderate: bool,
    /// Set up its outgoing webhooks.
    pub webhooks: bool,
    /// Call `@room` (every member).
    pub call_room: bool,
    /// Leave it (hide it, for a direct room).
    pub leave: bool,
}

impl May {
    /// What `actor`, holding `membership`, may do in `room`.
    pub fn of(actor: &Actor, room: &Room, membership: Option<&Membership>) -> May {
        let may = |action| authorize(actor, room, membership, action).is_ok();
        May {
            post: may(Action::Post),
            manage: may(Action::Manage),
            remove: may(Action::Remove),
            invite: may(Action::Invite),
            export: may(Action::Export),
            moderate: may(Action::Moderate),
            webhooks: may(Action::Webhooks),
            call_room: may(Action::Call(Everyone::Room)),
            leave: may(Action::Leave),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{ServerRole, Via};

    const ALL: [Action; 16] = [
        Action::See,
        Action::Read,
        Action::Post,
        Action::Join,
        Action::Leave,
        Action::Manage,
        Action::Remove,
        Action::Invite,
        Action::Export,
        Action::Moderate,
        Action::Webhooks,
        Action::EditMessage { author: 1 },
        Action::EditMessage { author: 2 },
        Action::DeleteMessage { author: 1 },
        Action::DeleteMessage { author: 2 },
        Action::Call(Everyone::Room),
    ];

    const ME: Actor = Actor {
        user_id: 1,
        via: Via::Session,
        role: ServerRole::Member,
    };

    const ADMIN: Actor = Actor {
        role: ServerRole::Admin,
        ..ME
    };

    fn room(kind: Kind, members: u32) -> Room {
        Room {
            id: 1,
            kind,
            name: None,
            topic: None,
            created_at: 0,
            created_by: None,
            seq: 0,
            last_id: 0,
            last_activity: 0,
            members,
            archived_at: None,
        }
    }

    fn member(role: Role) -> Membership {
        Membership {
            room_id: 1,
            user_id: 1,
            role,
            joined_at: 0,
            hidden: false,
            notify: None,
        }
    }

    fn check(kind: Kind, role: Option<Role>, action: Action) -> Result<(), Denied> {
        authorize(&ME, &room(kind, 3), role.map(member).as_ref(), action)
    }

    #[test]
    fn outsiders_learn_nothing_of_private_and_direct_rooms() {
        for kind in [Kind::Private, Kind::Direct] {
            for action in ALL {
                assert_eq!(
                    check(kind, None, action),
                    Err(Denied::Hidden),
                    "{kind:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn anyone_may_read_post_and_join_an_open_room_but_only_owners_manage_it() {
        for action in [Action::See, Action::Read, Action::Post, Action::Join] {
            assert_eq!(check(Kind::Open, None, action), Ok(()));
        }
        for action in [
            Action::Manage,
            Action::Remove,
            Action::Invite,
            Action::Export,
            Action::Moderate,
            Action::Webhooks,
        ] {
            assert_eq!(check(Kind::Open, None, action), Err(Denied::NotAllowed));
            assert_eq!(check(Kind::Open, Some(Role::Owner), action), Ok(()));
            assert_eq!(
                check(Kind::Open, Some(Role::Member), action),
                Err(Denied::NotAllowed)
            );
        }
        assert_eq!(
            check(Kind::Open, None, Action::Leave),
            Err(Denied::NotMember)
        );
    }

    #[test]
    fn members_of_a_private_room_use_it_and_its_owners_manage_and_moderate_it() {
        for action in ALL {
            assert_eq!(
                check(Kind::Private, Some(Role::Owner), action),
                Ok(()),
                "{action:?}"
            );
        }
        for action in [
            Action::Manage,
            Action::Remove,
            Action::Invite,
            Action::Export,
            Action::Moderate,
            Action::Webhooks,
        ] {
            assert_eq!(
                check(Kind::Private, Some(Role::Member), action),
                Err(Denied::NotAllowed),
                "{action:?}"
            );
        }
        for action in [Action::See, Action::Read, Action::Post, Action::Leave] {
            assert_eq!(check(Kind::Private, Some(Role::Member), action), Ok(()));
        }
    }

    #[test]
    fn authors_change_their_own_messages_and_owners_delete_anyones() {
        let edit_mine = Action::EditMessage { author: ME.user_id };
        let delete_mine = Action::DeleteMessage { author: ME.user_id };
        let edit_theirs = Action::EditMessage { author: 2 };
        let delete_theirs = Action::DeleteMessage { author: 2 };
        for kind in [Kind::Open, Kind::Private, Kind::Direct] {
            for (mine, theirs) in [(edit_mine, edit_theirs), (delete_mine, delete_theirs)] {
                assert_eq!(check(kind, Some(Role::Member), mine), Ok(()), "{kind:?}");
                assert_eq!(
                    check(kind, Some(Role::Member), theirs),
                    Err(Denied::NotTheirs),
                    "{kind:?} {theirs:?}"
                );
            }
        }
        assert_eq!(
            check(Kind::Open, None, edit_mine),
            Ok(()),
            "an open room's poster"
        );
        // Owners delete anything in their rooms; only a private room's owners edit others'.
        assert_eq!(check(Kind::Private, Some(Role::Owner), edit_theirs), Ok(()));
        assert_eq!(
            check(Kind::Private, Some(Role::Owner), delete_theirs),
            Ok(())
        );
        assert_eq!(check(Kind::Open, Some(Role::Owner), delete_theirs), Ok(()));
        assert_eq!(
            check(Kind::Open, Some(Role::Owner), edit_theirs),
            Err(Denied::NotTheirs)
        );
        for change in [edit_theirs, delete_theirs] {
            assert_eq!(
                check(Kind::Direct, Some(Role::Owner), change),
                Err(Denied::NotTheirs)
            );
        }
    }

    #[test]
    fn admins_delete_wherever_they_see_and_remove_from_open_rooms_but_hidden_stays_hidden() {
        let admin = |kind, role: Option<Role>, action| {
            authorize(&ADMIN, &room(kind, 3), role.map(member).as_ref(), action)
        };
        let delete_theirs = Action::DeleteMessage { author: 2 };
        assert_eq!(admin(Kind::Open, None, delete_theirs), Ok(()));
        assert_eq!(admin(Kind::Open, None, Action::Remove), Ok(()));
        for kind in [Kind::Private, Kind::Direct] {
            assert_eq!(
                admin(kind, Some(Role::Member), delete_theirs),
                Ok(()),
                "{kind:?}"
            );
            assert_eq!(
                admin(kind, Some(Role::Member), Action::Remove),
                Err(Denied::NotAllowed),
                "{kind:?}"
            );
            for action in ALL {
                assert_eq!(
                    admin(kind, None, action),
                    Err(Denied::Hidden),
                    "{kind:?} {action:?}"
                );
            }
        }
        // Deleting is not editing, and an admin does not manage someone else's room.
        for action in [
            Action::EditMessage { author: 2 },
            Action::Manage,
            Action::Invite,
            Action::Export,
        ] {
            assert!(admin(Kind::Open, None, action).is_err(), "{action:?}");
        }
        let big = room(Kind::Open, EVERYONE_LIMIT + 1);
        let call_room = Action::Call(Everyone::Room);
        assert_eq!(authorize(&ADMIN, &big, None, call_room), Ok(()));
        assert_eq!(
            May::of(&ADMIN, &room(Kind::Open, 3), None),
            May {
                post: true,
                remove: true,
                moderate: true,
                webhooks: true,
                call_room: true,
                ..May::default()
            }
        );
        assert_eq!(
            admin(Kind::Private, Some(Role::Member), Action::Webhooks),
            Ok(())
        );
        assert_eq!(
            admin(Kind::Direct, Some(Role::Member), Action::Webhooks),
            Err(Denied::NotAllowed)
        );
    }

    #[test]
    fn an_archived_room_is_read_joined_and_left_and_cleaned_by_moderators_and_nothing_else() {
        let archived = |kind| Room {
            archived_at: Some(5),
            ..room(kind, 3)
        };
        let open_in_an_archive = [
            Action::See,
            Action::Read,
            Action::Join,
            Action::Leave,
            Action::Export,
            Action::Moderate,
            Action::DeleteMessage { author: 2 },
        ];
        for kind in [Kind::Open, Kind::Private] {
            let owner = member(Role::Owner);
            for action in ALL {
                let answer = authorize(&ME, &archived(kind), Some(&owner), action);
                let before = authorize(&ME, &room(kind, 3), Some(&owner), action);
                let expected = match before {
                    Ok(()) if open_in_an_archive.contains(&action) => Ok(()),
                    Ok(()) => Err(Denied::Archived),
                    // Refused anyway (someone else's words in an open room): the same answer.
                    refused => refused,
                };
                assert_eq!(answer, expected, "{kind:?} {action:?}");
            }
            // An admin's deletion of others' words still goes through.
            let cleaned = authorize(&ADMIN, &archived(Kind::Open), None, Action::Moderate);
            assert_eq!(cleaned, Ok(()));
        }
        // Someone who may not see a private room learns nothing, archived or not.
        for action in ALL {
            let answer = authorize(&ME, &archived(Kind::Private), None, action);
            assert_eq!(answer, Err(Denied::Hidden), "{action:?}");
        }
        // A member who may not manage it hears that first.
        let plain = member(Role::Member);
        let answer = authorize(&ME, &archived(Kind::Open), Some(&plain), Action::Manage);
        assert_eq!(answer, Err(Denied::NotAllowed));
    }

    #[test]
    fn only_owners_call_at_room_in_a_room_of_more_than_fifty() {
        let call_room = Action::Call(Everyone::Room);
        let call_here = Action::Call(Everyone::Here);
        let small = room(Kind::Open, EVERYONE_LIMIT);
        let big = room(Kind::Open, EVERYONE_LIMIT + 1);
        let plain = member(Role::Member);
        let owner = member(Role::Owner);
        assert_eq!(authorize(&ME, &small, Some(&plain), call_room), Ok(()));
        assert_eq!(
            authorize(&ME, &big, Some(&plain), call_room),
            Err(Denied::TooManyToCall)
        );
        assert_eq!(
            authorize(&ME, &big, None, call_room),
            Err(Denied::TooManyToCall)
        );
        assert_eq!(authorize(&ME, &big, Some(&owner), call_room), Ok(()));
        assert_eq!(authorize(&ME, &big, Some(&plain), call_here), Ok(()));
        let hidden = room(Kind::Private, EVERYONE_LIMIT + 1);
        assert_eq!(
            authorize(&ME, &hidden, None, call_here),
            Err(Denied::Hidden)
        );
    }

    #[test]
    fn nobody_manages_a_direct_room() {
        for role in [Role::Owner, Role::Member] {
            for action in [
                Action::Manage,
                Action::Remove,
                Action::Invite,
                Action::Export,
                Action::Moderate,
            ] {
                assert_eq!(
                    check(Kind::Direct, Some(role), action),
                    Err(Denied::NotAllowed)
                );
            }
            assert_eq!(check(Kind::Direct, Some(role), Action::Post), Ok(()));
        }
    }

    #[test]
    fn may_says_what_authorize_allows() {
        let owner = member(Role::Owner);
        let private = room(Kind::Private, 3);
        assert_eq!(
            May::of(&ME, &private, Some(&owner)),
            May {
                post: true,
                manage: true,
                remove: true,
                invite: true,
                export: true,
                moderate: true,
                webhooks: true,
                call_room: true,
                leave: true
            }
        );
        let open = room(Kind::Open, EVERYONE_LIMIT + 1);
        assert_eq!(
            May::of(&ME, &open, None),
            May {
                post: true,
                ..May::default()
            }
        );
        assert_eq!(May::of(&ME, &private, None), May::default());
    }
}
