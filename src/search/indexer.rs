//! The search index's upkeep on a thread of its own, `confab-index`: folding the rows the
//! room writer adds for each message into packed segments, and merging those, a short
//! transaction at a time (see `store::search::upkeep`). The writer's transactions only ever
//! add a message's row, so no message waits for a fold.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::store::{Progress, Store, Upkeep};

/// The pause between steps, so the writer finds the write lock free.
const BETWEEN_STEPS: Duration = Duration::from_millis(1);
/// How often an idle indexer looks for work: fresh rows pile up at most this long.
const IDLE_WAIT: Duration = Duration::from_millis(500);
/// The wait after a failed step (a disk error: the store reopens itself meanwhile).
const RETRY_WAIT: Duration = Duration::from_secs(2);

/// The running upkeep thread; [`Indexer::stop`] ends it between two steps.
pub struct Indexer {
    stopping: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Indexer {
    pub fn start(store: Arc<Store>) -> Indexer {
        let stopping = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stopping);
        let thread = std::thread::Builder::new()
            .name("confab-index".into())
            .spawn(move || run(&store, &flag))
            .expect("cannot start the search index thread");
        Indexer { stopping, thread }
    }

    /// Stops after the step under way, and waits for it.
    pub fn stop(self) {
        self.stopping.store(true, Ordering::Release);
        self.thread.thread().unpark();
        if self.thread.join().is_err() {
            tracing::error!("search index thread panicked");
        }
    }
}

fn run(store: &Store, stopping: &AtomicBool) {
    let mut upkeep = Upkeep::default();
    let mut failing = false;
    while !stopping.load(Ordering::Acquire) {
        match upkeep.step(store) {
            Ok(Progress::Worked) => {
                failing = false;
                std::thread::sleep(BETWEEN_STEPS);
            }
            Ok(Progress::Idle) => {
                failing = false;
                std::thread::park_timeout(IDLE_WAIT);
            }
            Err(err) => {
                if !failing {
                    tracing::warn!(error = %err, "cannot keep the search index; trying again");
                }
                failing = true;
                std::thread::park_timeout(RETRY_WAIT);
            }
        }
    }
}
