//! The rooms service's operations beyond reading and posting: making rooms, their members,
//! settings and invite links, and direct rooms. Each resolves the room on a snapshot as the
//! asker may see it (a room they may not see is "not found", whatever the operation), then
//! hands a change to the writer, which checks again in its transaction.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::changes::{
    AcceptInvite, AddMember, CreateInvite, CreateRoom, Delete, OpenDirect, Posted, RemoveMember,
    RevokeInvite, StartDirect, UpdateRoom, usable,
};
use super::invite_code::{code_key, invite_id, new_code};
use super::{RoomError, RoomRef, Rooms, Visible, allowed, blocking};
use crate::access::{Action, Actor};
use crate::people::Person;
use crate::store::{Kind, Role, direct_key};

/// A member of a room, as the room's page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person: Person,
    pub role: Role,
    pub joined_at: u64,
}

/// A new invite link; its code is shown to its maker once and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    pub code: String,
    pub id: String,
    pub expires_at: Option<u64>,
    pub max_uses: Option<u32>,
}

/// An invite link as its room's owners see it listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteInfo {
    pub id: String,
    pub created_by: String,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub revoked: bool,
    /// Still good: not revoked, expired or used up.
    pub usable: bool,
}

/// What a good invite link shows before it is accepted: the room and who made the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitePreview {
    pub room: String,
    pub invited_by: String,
}

impl Rooms {
    /// The id of a room as `user_id` may see it (not found if they may not).
    async fn visible_id(&self, actor: Actor, room: RoomRef) -> Result<u64, RoomError> {
        match room {
            RoomRef::Id(id) => Ok(id),
            room => Ok(self.find(actor, room).await?.room.id),
        }
    }

    /// A new open or private room, with its creator as its owner.
    pub async fn create(
        &self,
        actor: Actor,
        kind: Kind,
        name: String,
        topic: Option<String>,
    ) -> Result<Visible, RoomError> {
        self.writer
            .apply(CreateRoom {
                actor,
                kind,
                name,
                topic,
            })
            .await
    }

    /// An owner adds someone by username.
    pub async fn add_member(
        &self,
        by: Actor,
        room: RoomRef,
        username: String,
    ) -> Result<(), RoomError> {
        let room_id = self.visible_id(by, room).await?;
        self.writer
            .apply(AddMember {
                by,
                room_id,
                username,
            })
            .await
    }

    /// An owner (or an admin, from an open room) removes someone, asking from `from`; with
    /// one's own username, one leaves (hides a direct room).
    pub async fn remove_member(
        &self,
        by: Actor,
        room: RoomRef,
        username: String,
        from: Option<IpAddr>,
    ) -> Result<(), RoomError> {
        let room_id = self.visible_id(by, room).await?;
        self.writer
            .apply(RemoveMember {
                by,
                room_id,
                username,
                from,
            })
            .await
    }

    /// An owner renames the room, changes its topic (`Some(None)` clears it) or its kind.
    pub async fn update(
        &self,
        by: Actor,
        room: RoomRef,
        name: Option<String>,
        topic: Option<Option<String>>,
        kind: Option<Kind>,
    ) -> Result<(), RoomError> {
        let room_id = self.visible_id(by, room).await?;
        self.writer
            .apply(UpdateRoom {
                by,
                room_id,
                name,
                topic,
                kind,
            })
            .await
    }

    /// The members of a room someone may see, longest-standing first.
    pub async fn members(&self, actor: Actor, room: RoomRef) -> Result<Vec<Member>, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let visible = allowed(&snapshot, &actor, &room, Action::See)?;
            let mut out = Vec::new();
            for membership in snapshot.memberships_of(visible.room.id)? {
                if let Some(user) = snapshot.user(membership.user_id)? {
                    out.push(Member {
                        person: Person::of(&user),
                        role: membership.role,
                        joined_at: membership.joined_at,
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    /// Deletes every message `user_id` wrote in the rooms they belong to, one by one through
    /// the writer, so each room's readers see each one go as if deleted by hand. Returns how
    /// many were deleted; one already gone or no longer theirs to delete is passed over.
    pub async fn delete_messages_of(&self, actor: Actor) -> Result<usize, RoomError> {
        let store = Arc::clone(&self.store);
        let user_id = actor.user_id;
        let theirs = blocking(move || Ok(store.messages_by(user_id)?)).await?;
        let mut deleted = 0;
        for (room_id, id) in theirs {
            let change = Delete {
                by: actor,
                room_id,
                id,
                from: None,
            };
            match self.writer.apply(change).await {
                Ok(_) => deleted += 1,
                Err(
                    RoomError::MessageDeleted
                    | RoomError::MessageNotFound
                    | RoomError::NotAllowed(_)
                    | RoomError::NotMember
                    | RoomError::NotFound,
                ) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(deleted)
    }

    /// A new invite link to a room, by one of its owners.
    pub async fn create_invite(
        &self,
        by: Actor,
        room: RoomRef,
        expires_in: Option<Duration>,
        max_uses: Option<u32>,
    ) -> Result<NewInvite, RoomError> {
        let room_id = self.visible_id(by, room).await?;
        let (code, key) = new_code();
        let expires_at =
            expires_in.map(|d| self.clock.now_ms().saturating_add(d.as_millis() as u64));
        let made = self
            .writer
            .apply(CreateInvite {
                by,
                room_id,
                key,
                expires_at,
                max_uses,
            })
            .await?;
        Ok(NewInvite {
            code,
            id: made.id,
            expires_at: made.expires_at,
            max_uses: made.max_uses,
        })
    }

    /// The invite links of a room, for its owners.
    pub async fn invites(&self, actor: Actor, room: RoomRef) -> Result<Vec<InviteInfo>, RoomError> {
        let store = Arc::clone(&self.store);
        let now = self.clock.now_ms();
        blocking(move || {
            let snapshot = store.snapshot()?;
            // Outsiders of a private room learn that it does not exist; members, that listing
            // its links is not theirs to do.
            let visible = allowed(&snapshot, &actor, &room, Action::Invite)?;
            let mut out = Vec::new();
            for (key, invite) in snapshot.invites_of(visible.room.id)? {
                let created_by = match snapshot.user(invite.created_by)? {
                    Some(user) => user.username,
                    None => String::new(),
                };
                out.push(InviteInfo {
                    id: invite_id(&key),
                    created_by,
                    created_at: invite.created_at,
                    expires_at: invite.expires_at,
                    max_uses: invite.max_uses,
                    uses: invite.uses,
                    revoked: invite.revoked,
                    usable: usable(&invite, now),
                });
            }
            Ok(out)
        })
        .await
    }

    pub async fn revoke_invite(
        &self,
        by: Actor,
        room: RoomRef,
        id: String,
    ) -> Result<(), RoomError> {
        let room_id = self.visible_id(by, room).await?;
        self.writer
            .apply(RevokeInvite {
                by,
                room_id,
                invite_id: id,
            })
            .await
    }

    /// What a good link shows before it is accepted; a bad one is [`RoomError::InviteInvalid`].
    pub async fn invite_preview(&self, code: &str) -> Result<InvitePreview, RoomError> {
        let key = code_key(code).ok_or(RoomError::InviteInvalid)?;
        let store = Arc::clone(&self.store);
        let now = self.clock.now_ms();
        blocking(move || {
            let snapshot = store.snapshot()?;
            let invite = snapshot
                .invite(key)?
                .filter(|invite| usable(invite, now))
                .ok_or(RoomError::InviteInvalid)?;
            let room = snapshot
                .room(invite.room_id)?
                .ok_or(RoomError::InviteInvalid)?;
            let invited_by = snapshot
                .user(invite.created_by)?
                .map(|user| user.username)
                .unwrap_or_default();
            Ok(InvitePreview {
                room: room.name.unwrap_or_default(),
                invited_by,
            })
        })
        .await
    }

    /// Follows an invite link: the person becomes a member (a member already loses nothing).
    pub async fn accept_invite(&self, actor: Actor, code: &str) -> Result<Visible, RoomError> {
        let key = code_key(code).ok_or(RoomError::InviteInvalid)?;
        self.writer.apply(AcceptInvite { actor, key }).await
    }

    /// The direct room of `by` and these people, made if it does not exist yet.
    pub async fn open_direct(
        &self,
        by: Actor,
        usernames: Vec<String>,
    ) -> Result<Visible, RoomError> {
        self.writer.apply(OpenDirect { by, usernames }).await
    }

    /// The first message to these people: their direct room is made with it (or found), in
    /// one change; the room as the author now sees it, and the message.
    pub async fn start_direct(&self, start: StartDirect) -> Result<(Visible, Posted), RoomError> {
        self.writer.apply(start).await
    }

    /// The direct room of `by` and these people, if it exists (nothing is made).
    pub async fn find_direct(
        &self,
        by: Actor,
        usernames: Vec<String>,
    ) -> Result<Option<Visible>, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let mut ids = vec![by.user_id];
            for name in &usernames {
                match snapshot.user_by_name(name)? {
                    Some(user) => ids.push(user.id),
                    None => return Err(RoomError::UserNotFound),
                }
            }
            let Some(room) = snapshot.direct_room(&direct_key(&ids))? else {
                return Ok(None);
            };
            Ok(Some(allowed(
                &snapshot,
                &by,
                &RoomRef::Id(room.id),
                Action::See,
            )?))
        })
        .await
    }
}
