//! Token buckets: a burst of `burst` actions, then one more every `interval`.
//!
//! Pure and clock-driven, so tests can check every boundary without sleeping.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// A limit as given on the command line: `BURST/INTERVAL`, e.g. `5/60s` or `20/200ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub interval: Duration,
}

impl Rate {
    pub const fn new(burst: u32, interval: Duration) -> Self {
        Rate { burst, interval }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.interval.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}/{}s", self.burst, ms / 1000)
        } else {
            write!(f, "{}/{}ms", self.burst, ms)
        }
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || format!("'{s}' is not a rate; write BURST/INTERVAL, e.g. 5/60s or 20/200ms");
        let (burst, interval) = s.trim().split_once('/').ok_or_else(usage)?;
        let burst: u32 = burst.trim().parse().map_err(|_| usage())?;
        let interval = interval.trim();
        let (number, unit_ms) = if let Some(n) = interval.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = interval.strip_suffix('s') {
            (n, 1000.0)
        } else if let Some(n) = interval.strip_suffix('m') {
            (n, 60_000.0)
        } else {
            return Err(usage());
        };
        let number: f64 = number.trim().parse().map_err(|_| usage())?;
        let ms = number * unit_ms;
        if burst == 0 || !ms.is_finite() || ms < 1.0 {
            return Err(format!(
                "'{s}': the burst must be at least 1 and the interval at least 1ms"
            ));
        }
        Ok(Rate::new(burst, Duration::from_millis(ms as u64)))
    }
}

/// One bucket. Tokens are kept in thousandths so refill works in whole milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    millitokens: u64,
    updated_ms: u64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: Rate, now_ms: u64) -> Self {
        TokenBucket {
            millitokens: u64::from(rate.burst) * 1000,
            updated_ms: now_ms,
        }
    }

    fn refill(&mut self, rate: Rate, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.updated_ms);
        let interval = (rate.interval.as_millis() as u64).max(1);
        let gained = elapsed.saturating_mul(1000) / interval;
        let cap = u64::from(rate.burst) * 1000;
        self.millitokens = self.millitokens.saturating_add(gained).min(cap);
        self.updated_ms = now_ms.max(self.updated_ms);
    }

    /// Takes one token, or says how long until one is available.
    pub fn take(&mut self, rate: Rate, now_ms: u64) -> Result<(), Duration> {
        self.refill(rate, now_ms);
        if self.millitokens >= 1000 {
            self.millitokens -= 1000;
            Ok(())
        } else {
            let missing = 1000 - self.millitokens;
            let interval = (rate.interval.as_millis() as u64).max(1);
            // Saturating: a rate may be written with an absurdly long interval.
            Err(Duration::from_millis(
                missing.saturating_mul(interval).div_ceil(1000),
            ))
        }
    }

    /// Gives a token back (e.g. after a successful sign-in).
    pub fn refund(&mut self, rate: Rate) {
        let cap = u64::from(rate.burst) * 1000;
        self.millitokens = (self.millitokens + 1000).min(cap);
    }

    fn is_full(&mut self, rate: Rate, now_ms: u64) -> bool {
        self.refill(rate, now_ms);
        self.millitokens >= u64::from(rate.burst) * 1000
    }
}

/// Buckets per key (account name, IP address). Full buckets are forgotten now and then so
/// the map cannot grow without bound.
pub struct KeyedLimiter<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, TokenBucket>>,
}

/// How many keys to hold before sweeping out full buckets.
const SWEEP_AT: usize = 4096;

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    pub fn new(rate: Rate) -> Self {
        KeyedLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes one token from `key`'s bucket, or says how long to wait.
    pub fn take(&self, key: &K, now_ms: u64) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT && !buckets.contains_key(key) {
            let rate = self.rate;
            buckets.retain(|_, bucket| !bucket.is_full(rate, now_ms));
        }
        buckets
            .entry(key.clone())
            .or_insert_with(|| TokenBucket::new(self.rate, now_ms))
            .take(self.rate, now_ms)
    }

    /// Gives `key` its token back.
    pub fn refund(&self, key: &K) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.refund(self.rate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_PER_MINUTE: Rate = Rate::new(5, Duration::from_secs(60));

    #[test]
    fn burst_then_one_per_interval() {
        let mut bucket = TokenBucket::new(FIVE_PER_MINUTE, 0);
        for _ in 0..5 {
            assert!(bucket.take(FIVE_PER_MINUTE, 0).is_ok());
        }
        assert_eq!(
            bucket.take(FIVE_PER_MINUTE, 0),
            Err(Duration::from_secs(60))
        );
        assert_eq!(
            bucket.take(FIVE_PER_MINUTE, 30_000),
            Err(Duration::from_secs(30))
        );
        assert!(bucket.take(FIVE_PER_MINUTE, 60_000).is_ok());
        assert!(bucket.take(FIVE_PER_MINUTE, 60_000).is_err());
    }

    #[test]
    fn the_longest_interval_a_rate_can_state_does_not_overflow_the_wait() {
        let rate: Rate = "1/1e300s".parse().unwrap();
        let mut bucket = TokenBucket::new(rate, 0);
        assert!(bucket.take(rate, 0).is_ok());
        let wait = bucket.take(rate, 0).unwrap_err();
        assert!(wait > Duration::from_secs(1_000_000_000) && wait <= rate.interval);
    }

    #[test]
    fn refill_never_exceeds_burst() {
        let mut bucket = TokenBucket::new(FIVE_PER_MINUTE, 0);
        assert!(bucket.take(FIVE_PER_MINUTE, 0).is_ok());
        let much_later = 10 * 3_600_000;
        for _ in 0..5 {
            assert!(bucket.take(FIVE_PER_MINUTE, much_later).is_ok());
        }
        assert!(bucket.take(FIVE_PER_MINUTE, much_later).is_err());
    }

    #[test]
    fn clock_going_backwards_does_not_mint_tokens() {
        let rate = Rate::new(1, Duration::from_secs(1));
        let mut bucket = TokenBucket::new(rate, 10_000);
        assert!(bucket.take(rate, 10_000).is_ok());
        assert!(bucket.take(rate, 5_000).is_err());
        assert!(bucket.take(rate, 10_500).is_err());
        assert!(bucket.take(rate, 11_000).is_ok());
    }

    #[test]
    fn refund_restores_a_token() {
        let rate = Rate::new(1, Duration::from_secs(60));
        let mut bucket = TokenBucket::new(rate, 0);
        assert!(bucket.take(rate, 0).is_ok());
        bucket.refund(rate);
        assert!(bucket.take(rate, 0).is_ok());
    }

    #[test]
    fn keys_are_independent() {
        let limiter = KeyedLimiter::new(Rate::new(1, Duration::from_secs(60)));
        assert!(limiter.take(&"alice", 0).is_ok());
        assert!(limiter.take(&"alice", 0).is_err());
        assert!(limiter.take(&"bob", 0).is_ok());
    }

    #[test]
    fn sweep_keeps_the_map_bounded_and_forgets_only_full_buckets() {
        let limiter = KeyedLimiter::new(Rate::new(1, Duration::from_secs(1)));
        for key in 0..SWEEP_AT as u32 {
            assert!(limiter.take(&key, 0).is_ok());
        }
        // All buckets are refilled a minute later, so a new key sweeps them out.
        assert!(limiter.take(&u32::MAX, 60_000).is_ok());
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }

    #[test]
    fn parses_rates() {
        assert_eq!("5/60s".parse(), Ok(Rate::new(5, Duration::from_secs(60))));
        assert_eq!(
            "20/200ms".parse(),
            Ok(Rate::new(20, Duration::from_millis(200)))
        );
        assert_eq!("10/1m".parse(), Ok(Rate::new(10, Duration::from_secs(60))));
        assert_eq!(
            "10/0.5s".parse(),
            Ok(Rate::new(10, Duration::from_millis(500)))
        );
        assert!("0/1s".parse::<Rate>().is_err());
        assert!("5".parse::<Rate>().is_err());
        assert!("5/10".parse::<Rate>().is_err());
        assert!("x/10s".parse::<Rate>().is_err());
        assert_eq!(Rate::new(5, Duration::from_secs(60)).to_string(), "5/60s");
        assert_eq!(
            Rate::new(20, Duration::from_millis(200)).to_string(),
            "20/200ms"
        );
    }
}
