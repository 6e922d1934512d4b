//! People: finding someone by the start of their username, their profile, friends (request,
//! accept, decline, unfriend), blocking, who may open a direct room with you, and when someone
//! was last seen. Changes that concern others are published on the event stream with the
//! commit that made them (a [`FriendNote`] for each of the two people, a changed profile, a
//! person gone offline), which keeps this module free of sockets.

pub mod avatar;
mod person;
mod profile;

use std::sync::Arc;

use redb::Durability;
use thiserror::Error;

use crate::access::{Contact, Ties, may_contact};
use crate::clock::SharedClock;
use crate::events::{Event, Events};
use crate::store::{Friendship, Snapshot, Store, StoreError, Tx, User};

pub use person::Person;
pub use profile::{DISPLAY_NAME_MAX, NAME_HOLD, ProfileChanges, check_display_name};

/// How many people a search shows.
pub const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Error)]
pub enum PeopleError {
    #[error("No account is called that.")]
    NotFound,
    #[error("That is you.")]
    Yourself,
    /// A request that a block forbids, and why.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    InvalidDisplayName(&'static str),
    #[error("{0}")]
    InvalidUsername(&'static str),
    #[error("That username is taken.")]
    NameTaken,
    #[error("{0}")]
    BadImage(crate::images::ImageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Tells `user_id`'s sockets where they now stand with `other` (none: no longer anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendNote {
    pub user_id: u64,
    pub other_id: u64,
    pub other: String,
    pub state: Option<Friendship>,
}

/// Someone as another person sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub user: User,
    pub friendship: Option<Friendship>,
    /// The viewer blocked them.
    pub blocked: bool,
    pub last_seen: Option<u64>,
}

/// A friend, or someone with a request pending either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friend {
    pub user: User,
    pub state: Friendship,
    pub last_seen: Option<u64>,
}

/// Where someone stands with everyone else: see [`standing_in`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Friends first, then pending requests; by username.
    pub friends: Vec<Friend>,
    /// The usernames they blocked.
    pub blocked: Vec<String>,
}

impl Standing {
    /// The ids of the friends (not pending requests): whom their comings and goings concern.
    pub fn friend_ids(&self) -> Vec<u64> {
        self.friends
            .iter()
            .filter(|f| f.state == Friendship::Friends)
            .map(|f| f.user.id)
            .collect()
    }
}

/// Someone's friends (and requests) and the usernames they blocked, as `snapshot` sees them:
/// what a new socket's `hello` carries.
pub fn standing_in(snapshot: &Snapshot, me: u64) -> Result<Standing, StoreError> {
    let friends = friends_of(snapshot, me)?;
    let mut blocked = Vec::new();
    for id in snapshot.blocked_by(me)? {
        if let Some(user) = snapshot.user(id)? {
            blocked.push(user.username);
        }
    }
    Ok(Standing { friends, blocked })
}

fn friends_of(snapshot: &Snapshot, me: u64) -> Result<Vec<Friend>, StoreError> {
    let mut out = Vec::new();
    for (user, state) in snapshot.friends_of(me)? {
        if user.disabled {
            continue;
        }
        out.push(Friend {
            last_seen: snapshot.last_seen(user.id)?,
            user,
            state,
        });
    }
    out.sort_by_key(|f| {
        (
            f.state != Friendship::Friends,
            f.user.username.to_lowercase(),
        )
    });
    Ok(out)
}

pub struct People {
    store: Arc<Store>,
    events: Arc<Events>,
    clock: SharedClock,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PeopleError> + Send + 'static,
) -> Result<T, PeopleError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or(Err(PeopleError::Store(StoreError::Unavailable)))
}

/// How `from` and `to` stand with each other, as far as reaching out goes, as `tx` sees it
/// (see [`may_contact`](crate::access::may_contact)).
pub fn ties_in(tx: &Tx, from: u64, to: &User) -> Result<Ties, StoreError> {
    Ok(Ties {
        blocked_by_them: tx.blocked(to.id, from)?,
        blocked_them: tx.blocked(from, to.id)?,
        friends: tx.friendship(to.id, from)? == Some(Friendship::Friends),
        their_dm_from: to.dm_from,
    })
}

/// The other person of an operation, who must exist, be active and not be `me`.
fn other(tx: &Tx, me: u64, username: &str) -> Result<User, PeopleError> {
    let user = tx
        .user_by_name(username)?
        .filter(|u| !u.disabled)
        .ok_or(PeopleError::NotFound)?;
    if user.id == me {
        return Err(PeopleError::Yourself);
    }
    Ok(user)
}

/// Where the two people of a friendship change now stand, one event for each.
fn notes(me: &User, other: &User, state: Option<Friendship>) -> Vec<Event> {
    vec![
        Event::Friendship(FriendNote {
            user_id: me.id,
            other_id: other.id,
            other: other.username.clone(),
            state,
        }),
        Event::Friendship(FriendNote {
            user_id: other.id,
            other_id: me.id,
            other: me.username.clone(),
            state: state.map(Friendship::mirrored),
        }),
    ]
}

impl People {
    pub fn new(store: Arc<Store>, events: Arc<Events>, clock: SharedClock) -> Self {
        People {
            store,
            events,
            clock,
        }
    }

    /// Runs `f` in one write transaction and publishes the events it returns. A refusal
    /// commits nothing (`f` refuses before it writes), and a storage error aborts the
    /// transaction, so no half of a change is kept.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Tx) -> Result<(T, Vec<Event>), PeopleError> + Send + 'static,
    ) -> Result<T, PeopleError> {
        let (store, events) = (Arc::clone(&self.store), Arc::clone(&self.events));
        let now = self.clock.now_ms();
        blocking(move || {
            events.commit(|| -> Result<_, StoreError> {
                let answer = store.transact(Durability::Immediate, now, |tx| match f(tx) {
                    Err(PeopleError::Store(err)) => Err(err),
                    answer => Ok(answer),
                })?;
                match answer {
                    Ok((value, published)) => Ok((Ok(value), published)),
                    Err(refused) => Ok((Err(refused), Vec::new())),
                }
            })?
        })
        .await
    }

    /// Runs `f` on the blocking pool as one commit, and publishes the events it returns.
    async fn commit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<(T, Vec<Event>), StoreError> + Send + 'static,
    ) -> Result<T, PeopleError> {
        let (store, events) = (Arc::clone(&self.store), Arc::clone(&self.events));
        blocking(move || Ok(events.commit(|| f(&store))?)).await
    }

    /// Active accounts whose username starts with `prefix` (all, by username, when empty).
    pub async fn search(&self, prefix: &str) -> Result<Vec<User>, PeopleError> {
        let store = Arc::clone(&self.store);
        let prefix = prefix.trim().to_owned();
        blocking(move || {
            let found = store
                .snapshot()?
                .users_with_prefix(&prefix, SEARCH_LIMIT + 1)?;
            Ok(found
                .into_iter()
                .filter(|u| !u.disabled)
                .take(SEARCH_LIMIT)
                .collect())
        })
        .await
    }

    /// Someone's profile as `viewer` sees it.
    pub async fn profile(&self, viewer: u64, username: &str) -> Result<Profile, PeopleError> {
        let store = Arc::clone(&self.store);
        let username = username.to_owned();
        blocking(move || {
            let snapshot = store.snapshot()?;
            let user = snapshot
                .user_by_name(&username)?
                .filter(|u| !u.disabled)
                .ok_or(PeopleError::NotFound)?;
            Ok(Profile {
                friendship: snapshot.friendship(viewer, user.id)?,
                blocked: snapshot.blocked(viewer, user.id)?,
                last_seen: snapshot.last_seen(user.id)?,
                user,
            })
        })
        .await
    }

    /// Friends and pending requests, friends first, each by username.
    pub async fn friends(&self, me: u64) -> Result<Vec<Friend>, PeopleError> {
        let store = Arc::clone(&self.store);
        blocking(move || Ok(friends_of(&store.snapshot()?, me)?)).await
    }

    /// A friend request, or the acceptance of theirs: where `me` now stands with them.
    pub async fn befriend(&self, me: User, username: String) -> Result<Friendship, PeopleError> {
        self.write(move |tx| {
            let them = other(tx, me.id, &username)?;
            let request = Contact::FriendRequest;
            if let Err(no) = may_contact(&ties_in(tx, me.id, &them)?, request) {
                return Err(PeopleError::Refused(no.sentence(&them.username, request)));
            }
            let state = match tx.friendship(me.id, them.id)? {
                Some(Friendship::Friends) => return Ok((Friendship::Friends, Vec::new())),
                Some(Friendship::Asked) => return Ok((Friendship::Asked, Vec::new())),
                Some(Friendship::Incoming) => Friendship::Friends,
                None => Friendship::Asked,
            };
            tx.set_friendship(me.id, them.id, Some(state))?;
            Ok((state, notes(&me, &them, Some(state))))
        })
        .await
    }

    /// Declines their request, withdraws one's own, or ends a friendship.
    pub async fn unfriend(&self, me: User, username: String) -> Result<(), PeopleError> {
        self.write(move |tx| {
            let them = other(tx, me.id, &username)?;
            if tx.friendship(me.id, them.id)?.is_none() {
                return Ok(((), Vec::new()));
            }
            tx.set_friendship(me.id, them.id, None)?;
            Ok(((), notes(&me, &them, None)))
        })
        .await
    }

    /// Blocks someone: no direct rooms or friend requests between the two, and their messages
    /// collapsed for `me`. It ends any friendship.
    pub async fn block(&self, me: User, username: String) -> Result<(), PeopleError> {
        self.write(move |tx| {
            let them = other(tx, me.id, &username)?;
            tx.set_blocked(me.id, them.id, true)?;
            if tx.friendship(me.id, them.id)?.is_none() {
                return Ok(((), Vec::new()));
            }
            tx.set_friendship(me.id, them.id, None)?;
            Ok(((), notes(&me, &them, None)))
        })
        .await
    }

    pub async fn unblock(&self, me: u64, username: String) -> Result<(), PeopleError> {
        self.write(move |tx| {
            let them = other(tx, me, &username)?;
            tx.set_blocked(me, them.id, false)?;
            Ok(((), Vec::new()))
        })
        .await
    }

    /// Remembers that `user`'s last socket just closed, and tells their friends (not pending
    /// requests) that they went; when that time cannot be recorded (a passing disk fault),
    /// they are told all the same.
    pub async fn went_offline(&self, user: &User) -> Result<(), PeopleError> {
        let (user_id, username) = (user.id, user.username.clone());
        let now = self.clock.now_ms();
        self.commit(move |store| {
            let last_seen = match store.record_last_seen(user_id, now) {
                Ok(()) => Some(now),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot record when someone was last seen");
                    None
                }
            };
            let friends = store
                .snapshot()?
                .friends_of(user_id)?
                .into_iter()
                .filter(|(_, state)| *state == Friendship::Friends)
                .map(|(friend, _)| friend.id)
                .collect();
            let gone = Event::WentOffline {
                user_id,
                username,
                last_seen,
                friends,
            };
            Ok(((), vec![gone]))
        })
        .await
    }
}
