//! When a request that got no good answer is tried again, for every consumer that sends:
//! after 1, 4 and 16 seconds, or later when the other side's `Retry-After` asks (heeded up to a
//! minute), and then no more.

use std::time::Duration;

use poem::http::StatusCode;

/// Waits before each retry.
pub const RETRIES: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(4),
    Duration::from_secs(16),
];
/// The longest `Retry-After` heeded, in seconds.
const RETRY_AFTER_MAX: u64 = 60;

/// How long to wait before trying again after `attempt` (0: the first) failed, or `None` when
/// the retries are spent.
pub fn backoff(attempt: usize, retry_after: Option<u64>) -> Option<Duration> {
    let least = *RETRIES.get(attempt)?;
    let asked = retry_after.map_or(Duration::ZERO, |secs| {
        Duration::from_secs(secs.min(RETRY_AFTER_MAX))
    });
    Some(least.max(asked))
}

/// Whether an answer with this status may go better later: too many requests, a timeout, or
/// the server's own trouble.
pub fn worth_retrying(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_three_times_heeding_retry_after_up_to_a_minute() {
        assert_eq!(backoff(0, None), Some(Duration::from_secs(1)));
        assert_eq!(backoff(1, Some(2)), Some(Duration::from_secs(4)));
        assert_eq!(backoff(2, Some(30)), Some(Duration::from_secs(30)));
        assert_eq!(backoff(0, Some(3600)), Some(Duration::from_secs(60)));
        assert_eq!(backoff(3, None), None);
        assert!(worth_retrying(StatusCode::SERVICE_UNAVAILABLE));
        assert!(worth_retrying(StatusCode::TOO_MANY_REQUESTS));
        assert!(!worth_retrying(StatusCode::BAD_REQUEST));
        assert!(!worth_retrying(StatusCode::GONE));
    }
}
