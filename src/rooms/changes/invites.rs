//! Invite links: an owner makes them (with an expiry and a number of uses) and revokes them;
//! anyone with a good link becomes a member. An unknown, expired, used-up or revoked link is
//! refused with one answer that says nothing else.

use super::{Applied, Batch, Outcome, done, refused};
use crate::rooms::RoomError;
use crate::rooms::access::Action;
use crate::rooms::invite_code::invite_id;
use crate::store::{InviteKey, InviteRecord, Role, StoreError};

impl Batch<'_, '_> {
    pub(super) fn create_invite(
        &mut self,
        by: u64,
        room_id: u64,
        key: InviteKey,
        expires_at: Option<u64>,
        max_uses: Option<u32>,
    ) -> Result<Applied, StoreError> {
        if let Err(denied) = self.permitted(room_id, by, Action::Manage)? {
            return refused(denied);
        }
        let invite = InviteRecord {
            room_id,
            created_by: by,
            created_at: self.tx.now_ms(),
            expires_at,
            max_uses,
            uses: 0,
            revoked: false,
        };
        self.tx.put_invite(key, &invite)?;
        let outcome = Outcome::Invite {
            id: invite_id(&key),
            expires_at,
            max_uses,
        };
        done(outcome, Vec::new())
    }

    pub(super) fn revoke_invite(
        &mut self,
        by: u64,
        room_id: u64,
        id: &str,
    ) -> Result<Applied, StoreError> {
        if let Err(denied) = self.permitted(room_id, by, Action::Manage)? {
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
        done(Outcome::Done, Vec::new())
    }

    pub(super) fn accept_invite(
        &mut self,
        user_id: u64,
        key: InviteKey,
    ) -> Result<Applied, StoreError> {
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
            return done(Outcome::Room(visible), Vec::new());
        }
        invite.uses += 1;
        self.tx.put_invite(key, &invite)?;
        let effects = self.admit(invite.room_id, user_id, Role::Member)?;
        let visible = self.visible(invite.room_id, user_id)?;
        done(Outcome::Room(visible), effects)
    }
}

/// Not revoked, not expired, not used up.
pub fn usable(invite: &InviteRecord, now_ms: u64) -> bool {
    !invite.revoked
        && invite.expires_at.is_none_or(|at| now_ms < at)
        && invite.max_uses.is_none_or(|max| invite.uses < max)
}
