//! The hub's sockets, rooms, presence and fan-out, driven directly with outboxes read back.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::*;
use crate::chat::outbox::{Outgoing, Work};

fn member(hub: &Hub, user_id: u64, name: &str) -> Member {
    let outbox = Arc::new(Outbox::new(1 << 20));
    let (conn, _) = hub.connect([user_id as u8; 32], user_id, Arc::clone(&outbox));
    Member {
        conn,
        user_id,
        username: name.into(),
        outbox,
    }
}

fn drained(member: &Member) -> Vec<String> {
    let mut items = std::collections::VecDeque::new();
    match member.outbox.take_into(&mut items) {
        Some(Work::Send) => items
            .into_iter()
            .map(|item| match item {
                Outgoing::Frame(f) | Outgoing::Change { frame: f, .. } => f.as_str().to_owned(),
                Outgoing::Unfollow { room_id } => format!("unfollow {room_id}"),
                Outgoing::Watch { room_id } => format!("watch {room_id}"),
            })
            .collect(),
        Some(Work::Close(reason)) => vec![format!("close {}", reason.code())],
        None => vec![],
    }
}

#[test]
fn presence_counts_a_user_with_several_sockets_once() {
    let hub = Hub::new();
    let alice1 = member(&hub, 1, "alice");
    let alice2 = member(&hub, 1, "alice");
    let bob = member(&hub, 2, "bob");

    assert_eq!(hub.join(9, &bob), ["bob"]);
    assert_eq!(hub.join(9, &alice1), ["alice", "bob"]);
    assert_eq!(drained(&bob).len(), 1, "bob hears alice join");
    hub.join(9, &alice2);
    assert!(
        drained(&bob).is_empty(),
        "a second tab is not a new arrival"
    );
    assert_eq!(hub.online_count(9), 2);

    hub.leave(9, alice1.conn, false);
    assert!(drained(&bob).is_empty(), "alice still has a tab open");
    hub.leave(9, alice2.conn, false);
    let frames = drained(&bob);
    assert_eq!(frames.len(), 1);
    assert!(frames[0].contains(r#""event":"leave""#));
    assert_eq!(hub.online_count(9), 1);
}

#[test]
fn publish_reaches_only_that_rooms_subscribers_and_empty_rooms_are_dropped() {
    let hub = Hub::new();
    let alice = member(&hub, 1, "alice");
    let bob = member(&hub, 2, "bob");
    hub.join(1, &alice);
    hub.join(2, &bob);
    drained(&alice);
    hub.publish(1, 1, Utf8Bytes::from("m"), None);
    assert_eq!(drained(&alice), ["m"]);
    assert!(drained(&bob).is_empty());

    hub.leave(1, alice.conn, false);
    assert!(lock(&hub.rooms).get(&1).is_none());
    hub.publish(1, 2, Utf8Bytes::from("m2"), None);
    assert!(drained(&alice).is_empty());
}

#[test]
fn a_users_own_events_reach_every_socket_of_theirs_whatever_it_follows() {
    let hub = Hub::new();
    let phone = member(&hub, 1, "alice");
    let laptop = member(&hub, 1, "alice");
    let bob = member(&hub, 2, "bob");
    hub.join(5, &laptop);
    hub.to_user(1, &Utf8Bytes::from("yours"));
    assert_eq!(drained(&phone), ["yours"]);
    assert_eq!(drained(&laptop), ["yours"]);
    assert!(drained(&bob).is_empty());
    assert!(hub.is_online(1));
    assert!(
        !hub.disconnect([1; 32], 1, phone.conn),
        "the laptop is still open"
    );
    assert!(hub.disconnect([1; 32], 1, laptop.conn));
    assert!(!hub.is_online(1));
}

#[test]
fn cutting_someone_off_unsubscribes_all_their_sockets_in_that_room_only() {
    let hub = Hub::new();
    let alice1 = member(&hub, 1, "alice");
    let alice2 = member(&hub, 1, "alice");
    let bob = member(&hub, 2, "bob");
    for m in [&alice1, &alice2, &bob] {
        hub.join(3, m);
    }
    hub.join(4, &alice1);
    for m in [&alice1, &alice2, &bob] {
        drained(m);
    }
    hub.cut_off(3, 1);
    assert_eq!(drained(&alice1), ["unfollow 3"]);
    assert_eq!(drained(&alice2), ["unfollow 3"]);
    let bob_heard = drained(&bob);
    assert_eq!(bob_heard.len(), 1);
    assert!(bob_heard[0].contains(r#""event":"leave""#), "{bob_heard:?}");
    hub.publish(3, 9, Utf8Bytes::from("after"), None);
    assert!(drained(&alice1).is_empty(), "nothing more from room 3");
    assert_eq!(drained(&bob), ["after"]);
    hub.publish(4, 1, Utf8Bytes::from("other room"), None);
    assert_eq!(drained(&alice1), ["other room"]);
}

#[test]
fn watchers_hear_only_activity_made_once_and_are_no_presence() {
    let hub = Arc::new(Hub::new());
    let alice = member(&hub, 1, "alice");
    let bob = member(&hub, 2, "bob");
    let carol = member(&hub, 3, "carol");
    hub.join(7, &alice);
    hub.watch(7, &bob);
    hub.watch(7, &carol);
    assert!(drained(&alice).is_empty(), "watching is not being online");
    assert_eq!(hub.online_users(7), [1]);

    let made = std::cell::Cell::new(0);
    let activity = || {
        made.set(made.get() + 1);
        Utf8Bytes::from("activity")
    };
    hub.publish(7, 1, Utf8Bytes::from("m"), Some(&activity));
    assert_eq!(made.get(), 1, "one encoding for every watcher");
    assert_eq!(drained(&alice), ["m"]);
    assert_eq!(drained(&bob), ["activity"]);
    hub.publish(7, 2, Utf8Bytes::from("update"), None);
    assert!(drained(&bob).is_empty(), "changes are for followers");
    hub.typing(7, &"alice".into());
    assert!(drained(&bob).is_empty(), "typing is for followers");
    assert_eq!(drained(&alice).len(), 2, "the update and the typing");

    // Following upgrades a watcher; leaving with keep_watching goes back to watching.
    hub.join(7, &bob);
    assert_eq!(drained(&alice).len(), 1, "alice hears bob join");
    hub.publish(7, 3, Utf8Bytes::from("m3"), Some(&activity));
    assert_eq!(drained(&bob), ["m3"]);
    drained(&alice);
    hub.watch(7, &bob);
    assert_eq!(
        hub.online_users(7).len(),
        2,
        "watch does not downgrade a follower"
    );
    hub.leave(7, bob.conn, true);
    assert_eq!(drained(&alice).len(), 1, "alice hears bob leave");
    hub.publish(7, 4, Utf8Bytes::from("m4"), Some(&activity));
    assert_eq!(drained(&bob), ["activity"]);

    assert_eq!(drained(&carol), ["activity", "activity", "activity"]);
    hub.cut_off(7, 3);
    assert_eq!(drained(&carol), ["unfollow 7"]);
    hub.leave(7, alice.conn, false);
    hub.leave(7, bob.conn, false);
    assert!(
        lock(&hub.rooms).get(&7).is_none(),
        "an empty room is dropped"
    );
}

#[test]
fn closing_a_session_closes_only_its_sockets() {
    let hub = Hub::new();
    let alice = member(&hub, 1, "alice");
    let bob = member(&hub, 2, "bob");
    hub.close_sessions(&[[1; 32]]);
    assert_eq!(drained(&alice), ["close 4001"]);
    assert!(drained(&bob).is_empty());
    hub.disconnect([1; 32], 1, alice.conn);
    assert_eq!(hub.socket_count(), 1);
}
