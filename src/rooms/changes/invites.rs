//! Invite links: an owner makes them (with an expiry and a number of uses) and revokes them;
//! anyone with a good link becomes a member. An unknown, expired, used-up or revoked link is
//! refused with one answer that says nothing else.

use super::{Applied, Batch, Change, done, refused};
use crate::access::{Action, Actor};
use crate::rooms::invite_code::invite_id;
use crate::rooms::{RoomError, Visible};
use crate::store::{InviteKey, InviteRecord, Role, StoreError};

/// An owner makes an invite link; `key` is the hash of its code.
#[derive(Debug, Clone)]
pub struct CreateInvite {
    pub by: Actor,
    pub room_id: u64,
    pub key: InviteKey,
    pub expires_at: Option<u64>,
    pub max_uses: Option<u32>,
}

/// A new invite link as its maker hears of it: its public id and limits (the code itself only
/// its maker knows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteMade {
    pub id: String,
    pub expires_at: Option<u64>,
    pub max_uses: Option<u32>,
}

/// An owner revokes an invite link by its public id.
#[derive(Debug, Clone)]
pub struct RevokeInvite {
    pub by: Actor,
    pub room_id: u64,
    pub invite_id: String,
}

/// Someone follows an invite link, and hears back the room they are now a member of.
#[derive(Debug, Clone)]
pub struct AcceptInvite {
    pub actor: Actor,
    pub key: InviteKey,
}

impl Change for CreateInvite {
    type Reply = InviteMade;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<InviteMade>, StoreError> {
        batch.create_invite(self)
    }
}

impl Change for RevokeInvite {
    type Reply = ();

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<()>, StoreError> {
        batch.revoke_invite(&self.by, self.room_id, &self.invite_id)
    }
}

impl Change for AcceptInvite {
    type Reply = Visible;

    fn apply(&self, batch: &mut Batch<'_, '_>) -> Result<Applied<Visible>, StoreError> {
        batch.accept_invite(self.actor.user_id, self.key)
    }
}

impl Batch<'_, '_> {
    fn create_invite(&mut self, made: &CreateInvite) -> Result<Applied<InviteMade>, StoreError> {
        let CreateInvite {
            by,
            room_id,
            key,
            expires_at,
            max_uses,
        } = *made;
        if let Err(denied) = self.permitted(room_id, &by, Action::Invite)? {
            return refused(denied);
        }
        let invite = InviteRecord {
            room_id,
            created_by: by.user_id,
            created_at: self.tx.now_ms(),
            expires_at,
            max_uses,
            uses: 0,
            revoked: false,
        };
        self.tx.put_invite(key, &invite)?;
        let made = InviteMade {
            id: invite_id(&key),
            expires_at,
            max_uses,
        };
        done(made, Vec::new())
    }

    fn revoke_invite(
        &mut self,
        by: &Actor,
        room_id: u64,
        id: &str,
    ) -> Result<Applied<()>, StoreError> {
        if let Err(denied) = self.permitted(room_id, by, Action::Invite)? {
            return refused(denied);
        }
        let found = self
            .tx
            .invites_of(room_id)?
            .into_iter()
            .find(|(key, _)| invite_id(key) == id);
        let Some((key, mut invite)) = found else {
            return refused(RoomError::InviteInvalid);
        };
        invite.revoked = true;
        self.tx.put_invite(key, &invite)?;
        done((), Vec::new())
    }

    fn accept_invite(
        &mut self,
        user_id: u64,
        key: InviteKey,
    ) -> Result<Applied<Visible>, StoreError> {
        let now = self.tx.now_ms();
        let Some(mut invite) = self.tx.invite(key)?.filter(|invite| usable(invite, now)) else {
            return refused(RoomError::InviteInvalid);
        };
        if self.room(invite.room_id)?.is_none() {
            return refused(RoomError::InviteInvalid);
        }
        // A member following the link again loses nothing and uses nothing up.
        if self.membership(invite.room_id, user_id)?.is_some() {
            let visible = self.visible(invite.room_id, user_id)?;
            return done(visible, Vec::new());
        }
        invite.uses += 1;
        self.tx.put_invite(key, &invite)?;
        let events = self.admit(invite.room_id, user_id, Role::Member)?;
        let visible = self.visible(invite.room_id, user_id)?;
        done(visible, events)
    }
}

/// Not revoked, not expired, not used up.
pub fn usable(invite: &InviteRecord, now_ms: u64) -> bool {
    !invite.revoked
        && invite.expires_at.is_none_or(|at| now_ms < at)
        && invite.max_uses.is_none_or(|max| invite.uses < max)
}
