//! The search index's upkeep on a thread of its own, `confab-index`: folding new messages
//! into packed segments, and merging those, a short
//! transaction at a time (see `store::search::upkeep`). The writer does no indexing for a new
//! message, and no message waits for a fold.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::store::{Progress, Store, Upkeep};

/// The pause between steps, so the writer finds the write lock free.
const BETWEEN_STEPS: Duration = Duration::from_millis(1);
/// How often an idle indexer asks whether a fold is due.
const IDLE_WAIT: Duration = Duration::from_millis(500);
/// The wait after a failed step (a disk error: the store reopens itself meanwhile).
const RETRY_WAIT: Duration = Duration::from_secs(2);

/// The running upkeep thread; [`Indexer::stop`] ends it between two steps and waits for it.
/// Dropped without a stop (a server that never served), it is told to end all the same, so it
/// does not hold the store open.
pub struct Indexer {
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Indexer {
    pub fn start(store: Arc<Store>) -> Indexer {
        let stopping = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stopping);
        let thread = std::thread::Builder::new()
            .name("confab-index".into())
            .spawn(move || run(&store, &flag))
            .expect("cannot start the search index thread");
        Indexer {
            stopping,
            thread: Some(thread),
        }
    }

    /// Stops after the step under way, and waits for it.
    pub fn stop(mut self) {
        if let Some(thread) = self.tell_to_stop()
            && thread.join().is_err()
        {
            tracing::error!("search index thread panicked");
        }
    }

    fn tell_to_stop(&mut self) -> Option<JoinHandle<()>> {
        self.stopping.store(true, Ordering::Release);
        let thread = self.thread.take()?;
        thread.thread().unpark();
        Some(thread)
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.tell_to_stop();
    }
}

fn run(store: &Store, stopping: &AtomicBool) {
    lower_own_priority();
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

/// Gives this thread the lowest scheduling priority (nice 19): on a busy core, delivering
/// messages comes first, and the upkeep catches up once the rush is over (searches stay
/// right meanwhile, reading more of the history directly).
fn lower_own_priority() {
    // SAFETY: gettid has no preconditions; setpriority with PRIO_PROCESS and a thread id
    // changes that thread only (Linux), and a failure leaves the priority as it was.
    let failed = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19) != 0
    };
    if failed {
        tracing::debug!("cannot lower the search index thread's priority");
    }
}
