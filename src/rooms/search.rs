//! Searching the messages someone may read now: every open room, and the private and direct
//! rooms they are a member of. Which rooms those are is decided by `authorize`, on the same
//! snapshot the index is read from, so leaving a private room takes it out of the next search.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use super::view::{Lookup, MessageView, Names, RoomSummary, direct_people};
use super::{RoomError, RoomRef, Rooms, Visible, blocking, permitted};
use crate::access::{Action, Actor};
use crate::search::{Position, Query};
use crate::store::{Snapshot, StoreError, Wanted};

/// Results a page holds.
pub const SEARCH_PAGE: usize = 50;

/// A page of results, newest first, each with its room.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub messages: Vec<MessageView>,
    /// The rooms of those results, as the asker's sidebar would show them.
    pub rooms: HashMap<u64, RoomSummary>,
    /// Older results follow: ask again with `before` set to the last one's position.
    pub more: bool,
}

impl Rooms {
    /// Messages matching `query` that `actor` may read, newest first, older than `before`.
    pub async fn search(
        &self,
        actor: Actor,
        query: Query,
        before: Option<Position>,
    ) -> Result<Results, RoomError> {
        let store = Arc::clone(&self.store);
        blocking(move || {
            let snapshot = store.snapshot()?;
            let rooms = readable(&snapshot, &actor, query.room.as_deref())?;
            let author = match query.from.as_deref() {
                Some(name) => match snapshot.user_by_name(name)? {
                    Some(user) => Some(user.id),
                    // Nobody by that name wrote anything.
                    None => return Ok(Results::default()),
                },
                None => None,
            };
            let room_ids: Vec<u64> = rooms.keys().copied().collect();
            let found = snapshot.search(&Wanted {
                words: &query.words,
                prefix: query.prefix.as_deref(),
                author,
                rooms: &room_ids,
                before,
                limit: SEARCH_PAGE,
            })?;
            let mut names = Names::new(&snapshot);
            let mut messages = Vec::with_capacity(found.messages.len());
            let mut summaries = HashMap::new();
            for message in found.messages {
                let Some(visible) = rooms.get(&message.room_id) else {
                    continue;
                };
                if let Entry::Vacant(slot) = summaries.entry(visible.room.id) {
                    let people = direct_people(&snapshot, &visible.room)?;
                    slot.insert(RoomSummary::new(
                        &actor,
                        &visible.room,
                        visible.membership.as_ref(),
                        people,
                    ));
                }
                let lookup: &mut dyn Lookup = &mut names;
                messages.push(MessageView::build(&visible.room, message, lookup)?);
            }
            Ok(Results {
                messages,
                rooms: summaries,
                more: found.more,
            })
        })
        .await
    }
}

/// The rooms a search may look in: the one `in:` names if the actor may read it, or every
/// open room and every room of theirs that they may read.
fn readable(
    snapshot: &Snapshot,
    actor: &Actor,
    only: Option<&str>,
) -> Result<HashMap<u64, Visible>, StoreError> {
    let candidates: Vec<RoomRef> = match only {
        Some(name) => vec![RoomRef::Name(name.to_owned())],
        None => {
            let mut ids = snapshot.open_room_ids()?;
            ids.extend(snapshot.room_ids_of(actor.user_id)?);
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter().map(RoomRef::Id).collect()
        }
    };
    let mut rooms = HashMap::with_capacity(candidates.len());
    for candidate in &candidates {
        if let Ok(visible) = permitted(snapshot, actor, candidate, Action::Read)? {
            rooms.insert(visible.room.id, visible);
        }
    }
    Ok(rooms)
}
