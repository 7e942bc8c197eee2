//! A small fixed-window limiter for sign-in and code attempts, keyed by IP and by account.
//!
//! In memory and per node: enough to stop password guessing against one server; a cluster
//! behind a load balancer gets the same protection per node.

use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (OffsetDateTime, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`; false when the key is over its limit in this window.
    pub fn allow(&self, key: &str, now: OffsetDateTime) -> bool {
        let Ok(mut hits) = self.hits.lock() else {
            return false;
        };
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now - *start < window);
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }

    /// Forgets a key (after a successful sign-in).
    pub fn reset(&self, key: &str) {
        if let Ok(mut hits) = self.hits.lock() {
            hits.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_passes() {
        let limiter = RateLimiter::new(3, Duration::minutes(1));
        let t0 = OffsetDateTime::UNIX_EPOCH;
        assert!((0..3).all(|_| limiter.allow("ip:1", t0)));
        assert!(!limiter.allow("ip:1", t0));
        assert!(limiter.allow("ip:2", t0), "keys are independent");
        assert!(limiter.allow("ip:1", t0 + Duration::minutes(1)));
        limiter.reset("ip:1");
        assert!(limiter.allow("ip:1", t0));
    }
}
