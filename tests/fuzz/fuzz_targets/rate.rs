//! Rate limits as written on the command line or in a `CONFAB_*` variable (`Rate::from_str`).
//! A rate it accepts has a burst of at least 1 and an interval of at least 1 ms, prints in a
//! form that parses back to the same rate, and drives a token bucket without overflowing.
#![no_main]

use std::str::FromStr;
use std::time::Duration;

use confab::ratelimit::{Rate, TokenBucket};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rate = match Rate::from_str(text) {
        Ok(rate) => rate,
        Err(reason) => {
            assert!(!reason.is_empty());
            return;
        }
    };
    assert!(rate.burst >= 1, "{text:?}");
    assert!(rate.interval >= Duration::from_millis(1), "{text:?}");
    let printed = rate.to_string();
    assert_eq!(
        Rate::from_str(&printed),
        Ok(rate),
        "{text:?} printed as {printed:?}"
    );
    // A full bucket allows exactly `burst` actions at once (capped, to stay fast), then says
    // how long to wait: never longer than one interval.
    let mut bucket = TokenBucket::new(rate, 0);
    for _ in 0..rate.burst.min(1000) {
        assert!(bucket.take(rate, 0).is_ok());
    }
    if rate.burst <= 1000 {
        let wait = bucket.take(rate, 0).expect_err("the burst is spent");
        assert!(
            wait <= rate.interval.max(Duration::from_millis(1)),
            "{text:?}: {wait:?}"
        );
    }
});
