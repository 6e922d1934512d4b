//! Who a new message calls, and what each of their pushes says: stage 1 of [`super::deliver`],
//! read from one snapshot.

use super::payload::Payload;
use crate::rooms::view::MessageView;
use crate::store::{Kind, Level, Snapshot, StoreError};

/// The people among `candidates` this message calls, each with what their push says.
pub(super) fn called(
    snapshot: &Snapshot,
    message: &MessageView,
    candidates: &[u64],
) -> Result<Vec<(u64, Payload)>, StoreError> {
    let Some(room) = snapshot.room(message.room_id)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for &user_id in candidates {
        let Some(membership) = snapshot.membership(room.id, user_id)? else {
            continue;
        };
        let Some(user) = snapshot.user(user_id)? else {
            continue;
        };
        let calls = match membership.level(room.kind) {
            Level::All => true,
            Level::Mentions => {
                message.everyone.as_deref() == Some("room")
                    || message
                        .mentions
                        .iter()
                        .any(|name| name.eq_ignore_ascii_case(&user.username))
            }
            Level::None => false,
        };
        if !calls || user.disabled || snapshot.blocked(user_id, message.user_id)? {
            continue;
        }
        let url = match room.kind {
            Kind::Direct => {
                let mut others = Vec::new();
                for member in snapshot.memberships_of(room.id)? {
                    if member.user_id != user_id
                        && let Some(other) = snapshot.user(member.user_id)?
                    {
                        others.push(other.username);
                    }
                }
                if others.is_empty() {
                    others.push(user.username.clone());
                }
                others.sort();
                let others: Vec<&str> = others.iter().map(String::as_str).collect();
                crate::web::dm_path(&others)
            }
            _ => crate::web::room_path(room.name.as_deref().unwrap_or_default()),
        };
        out.push((
            user_id,
            Payload::of(message, url, user.private_notifications),
        ));
    }
    Ok(out)
}
