//! Running the server: who may administer it, and who did. Only an admin's browser session
//! may, and the role is read from the account at each request, so a demotion takes effect at
//! once. Every administrative action takes an [`Administrator`], which only
//! [`Administrator::admin`] (after [`may_administer`]) or the operator's own commands make, and
//! which says who goes into the audit log.

use std::net::IpAddr;

use super::{Actor, Denied, ServerRole, Via};
use crate::store::{AuditEntry, RoomCreation, User};

/// The answer to someone who is not an admin, at a door only admins use: nothing is there. A
/// refusal must not even say that an admin area exists, let alone who runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAdmin;

/// Whether `actor` may run the server: see and change its people, rooms and settings, and
/// read the audit log.
pub fn may_administer(actor: &Actor) -> Result<(), NotAdmin> {
    match (actor.role, actor.via) {
        (ServerRole::Admin, Via::Session) => Ok(()),
        (ServerRole::Admin, Via::Token(_)) | (ServerRole::Member, _) => Err(NotAdmin),
    }
}

/// Whether `actor` may make a new named room, as the server's setting says who may: everyone,
/// or only its admins. Opening a conversation is not making a room.
pub fn may_create_room(actor: &Actor, who: RoomCreation) -> Result<(), Denied> {
    match who {
        RoomCreation::Everyone => Ok(()),
        RoomCreation::Admins => may_administer(actor).map_err(|_| Denied::AdminsOnly),
    }
}

/// Who does an administrative action, for the action to check and the audit log to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Administrator {
    who: Who,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    /// The person at the server's own machine: `confab user …`, with or without a server.
    Operator,
    /// An admin, signed in, from this address.
    Admin {
        user_id: u64,
        username: String,
        from: Option<IpAddr>,
    },
}

impl Administrator {
    /// The operator, at a shell on the server's machine (who reached its files or its control
    /// socket, which only the server's own user may open).
    pub fn operator() -> Administrator {
        Administrator { who: Who::Operator }
    }

    /// `user`, signed in from `from`, if they are an admin.
    pub fn admin(user: &User, from: Option<IpAddr>) -> Result<Administrator, NotAdmin> {
        may_administer(&Actor::signed_in(user))?;
        Ok(Administrator {
            who: Who::Admin {
                user_id: user.id,
                username: user.username.clone(),
                from,
            },
        })
    }

    /// The admin's account; none for the operator.
    pub fn user_id(&self) -> Option<u64> {
        match &self.who {
            Who::Operator => None,
            Who::Admin { user_id, .. } => Some(*user_id),
        }
    }

    /// The audit log's entry for `action` on `target`, done at `at`.
    pub fn entry(&self, at: u64, action: &str, target: &str, detail: Option<String>) -> AuditEntry {
        match &self.who {
            Who::Operator => AuditEntry {
                at,
                by_id: None,
                by: "operator".to_owned(),
                from: "command line".to_owned(),
                action: action.to_owned(),
                target: target.to_owned(),
                detail,
            },
            Who::Admin {
                user_id,
                username,
                from,
            } => AuditEntry::by_person(at, (*user_id, username), *from, action, target, detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool) -> User {
        User {
            id: 7,
            username: "ada".into(),
            display_name: None,
            created_at: 0,
            disabled: false,
            dm_from: crate::store::DmFrom::Everyone,
            avatar: None,
            deleted: false,
            private_notifications: false,
            admin,
        }
    }

    #[test]
    fn only_an_admin_administers_and_the_log_says_who_and_from_where() {
        assert_eq!(
            Administrator::admin(&user(false), None),
            Err(NotAdmin),
            "a member"
        );
        let ip: IpAddr = "192.0.2.4".parse().unwrap();
        let admin = Administrator::admin(&user(true), Some(ip)).unwrap();
        let entry = admin.entry(5, "user.disable", "bob", None);
        assert_eq!(
            (entry.by_id, entry.by.as_str(), entry.from.as_str()),
            (Some(7), "ada", "192.0.2.4")
        );
        let entry = Administrator::operator().entry(5, "user.add", "bob", None);
        assert_eq!(
            (entry.by_id, entry.by.as_str(), entry.from.as_str()),
            (None, "operator", "command line")
        );
    }
}
