//! The background work of a consumer that sends (its stages, and every request in flight),
//! which ends at once when the server stops: at shutdown a notification is worth less than a
//! prompt stop.

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Tasks that end together.
#[derive(Clone, Default)]
pub struct Tasks {
    stop: CancellationToken,
    tracker: TaskTracker,
}

impl Tasks {
    pub fn new() -> Tasks {
        Tasks::default()
    }

    /// Runs `work` until it ends or [`Tasks::stop`].
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let stop = self.stop.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = work => {}
            }
        });
    }

    /// Stops every task, dropping whatever is still queued or in flight, and waits for them.
    pub async fn stop(&self) {
        self.stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}
