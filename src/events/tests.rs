use std::sync::Mutex;

use super::*;

/// A live consumer that writes down what it took.
#[derive(Default)]
struct Recorder(Mutex<Vec<u64>>);

impl Live for Recorder {
    fn take(&self, event: &Event) {
        if let Event::ProfileChanged { user_id } = event {
            self.0.lock().unwrap().push(*user_id);
        }
    }
}

fn changed(user_id: u64) -> Event {
    Event::ProfileChanged { user_id }
}

fn user_of(event: &Event) -> u64 {
    match event {
        Event::ProfileChanged { user_id } => *user_id,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_live_consumer_takes_each_committed_event_in_order() {
    let recorder = Arc::new(Recorder::default());
    let events = Events::new(Some(Arc::clone(&recorder) as Arc<dyn Live>));
    let value: Result<u8, ()> = events.commit(|| Ok((7, vec![changed(1), changed(2)])));
    assert_eq!(value, Ok(7));
    let _: Result<(), ()> = events.commit(|| Ok(((), vec![changed(3)])));
    assert_eq!(*recorder.0.lock().unwrap(), [1, 2, 3]);
}

#[test]
fn a_failed_commit_publishes_nothing() {
    let recorder = Arc::new(Recorder::default());
    let events = Events::new(Some(Arc::clone(&recorder) as Arc<dyn Live>));
    let mut queued = events.subscribe("test", 4);
    let failed: Result<(), &str> = events.commit(|| Err("disk full"));
    assert_eq!(failed, Err("disk full"));
    assert!(recorder.0.lock().unwrap().is_empty());
    assert!(queued.try_next().is_none());
}

#[test]
fn queued_consumers_each_get_every_event_in_order() {
    let events = Events::new(None);
    let mut first = events.subscribe("first", 8);
    let mut second = events.subscribe("second", 8);
    let _: Result<(), ()> = events.commit(|| Ok(((), vec![changed(1), changed(2)])));
    for queue in [&mut first, &mut second] {
        assert_eq!(queue.try_next().map(|e| user_of(&e)), Some(1));
        assert_eq!(queue.try_next().map(|e| user_of(&e)), Some(2));
        assert!(queue.try_next().is_none());
    }
}

#[test]
fn a_consumer_is_offered_only_what_it_wants_and_a_refusal_is_no_drop() {
    let events = Events::new(None);
    let mut even = events.subscribe_to("even", 1, |event| user_of(event).is_multiple_of(2));
    let mut all = events.subscribe("all", 8);
    let _: Result<(), ()> = events.commit(|| Ok(((), vec![changed(1), changed(2), changed(3)])));
    assert_eq!(even.try_next().map(|e| user_of(&e)), Some(2));
    assert!(even.try_next().is_none());
    let taken: Vec<u64> = std::iter::from_fn(|| all.try_next())
        .map(|e| user_of(&e))
        .collect();
    assert_eq!(taken, [1, 2, 3], "others still get everything");
    let dropped = events.dropped();
    assert!(dropped.iter().all(|d| d.events == 0), "{dropped:?}");
}

#[test]
fn a_full_queue_never_blocks_the_stream_and_is_counted() {
    let recorder = Arc::new(Recorder::default());
    let events = Events::new(Some(Arc::clone(&recorder) as Arc<dyn Live>));
    let mut slow = events.subscribe("slow", 2);
    let mut keeping_up = events.subscribe("keeping-up", 100);
    for id in 1..=10 {
        let _: Result<(), ()> = events.commit(|| Ok(((), vec![changed(id)])));
        assert_eq!(keeping_up.try_next().map(|e| user_of(&e)), Some(id));
    }
    assert_eq!(
        recorder.0.lock().unwrap().len(),
        10,
        "the live consumer got all"
    );
    assert_eq!(slow.try_next().map(|e| user_of(&e)), Some(1));
    assert_eq!(slow.try_next().map(|e| user_of(&e)), Some(2));
    assert!(slow.try_next().is_none(), "what did not fit was dropped");
    assert_eq!(
        events.dropped(),
        [
            Dropped {
                consumer: "slow",
                events: 8
            },
            Dropped {
                consumer: "keeping-up",
                events: 0
            }
        ]
    );
    // Once it has room again it gets what comes next.
    let _: Result<(), ()> = events.commit(|| Ok(((), vec![changed(11)])));
    assert_eq!(slow.try_next().map(|e| user_of(&e)), Some(11));
}

#[test]
fn commits_from_many_threads_are_published_in_the_order_they_committed() {
    let recorder = Arc::new(Recorder::default());
    let events = Arc::new(Events::new(Some(Arc::clone(&recorder) as Arc<dyn Live>)));
    // Each thread "commits" by taking the next number of a shared counter inside the commit:
    // the order of the numbers is the commit order, and the stream must keep it.
    let counter = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let events = Arc::clone(&events);
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                for _ in 0..250 {
                    let _: Result<(), ()> = events.commit(|| {
                        let committed = counter.fetch_add(1, Ordering::SeqCst) + 1;
                        Ok(((), vec![changed(committed)]))
                    });
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(seen, (1..=1000).collect::<Vec<_>>());
}
