//! Rate limits: token buckets per key (a client address, a user), refilled continuously at the
//! configured rate per minute, timed by the injected clock. Logins are limited per client
//! address, the API per client address and every authenticated request per user; a request over
//! the limit gets 429 with `Retry-After`. Buckets live in this process (several servers each keep
//! their own: the limits then apply per server).

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Requests per minute.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Login attempts per client address.
    pub login_per_addr: u32,
    /// API requests per client address.
    pub api_per_addr: u32,
    /// Authenticated requests (pages and API) per user.
    pub per_user: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login_per_addr: 30,
            api_per_addr: 1200,
            per_user: 600,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// The buckets of one server process.
pub struct Limiter {
    pub limits: RateLimits,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limits", &self.limits)
            .finish()
    }
}

/// How many buckets are kept before full ones are dropped.
const MAX_BUCKETS: usize = 100_000;

impl Limiter {
    pub fn new(limits: RateLimits) -> Limiter {
        Limiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `key`'s bucket of `per_min`; `Err(seconds)` to wait when empty.
    pub fn take(&self, key: &str, per_min: u32, now: DateTime<Utc>) -> Result<(), u64> {
        if per_min == 0 {
            return Ok(());
        }
        let cap = f64::from(per_min);
        let rate = cap / 60.0;
        let Ok(mut map) = self.buckets.lock() else {
            return Ok(());
        };
        if map.len() >= MAX_BUCKETS {
            map.retain(|_, b| {
                let secs = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
                b.tokens + secs * rate < cap
            });
        }
        let b = map.entry(key.to_string()).or_insert(Bucket {
            tokens: cap,
            at: now,
        });
        let secs = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
        b.tokens = (b.tokens + secs * rate).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn buckets_empty_and_refill_with_the_clock() {
        let l = Limiter::new(RateLimits::default());
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("t");
        for _ in 0..3 {
            assert_eq!(l.take("a", 3, t0), Ok(()));
        }
        assert_eq!(l.take("a", 3, t0), Err(20), "one token every 20 s");
        assert_eq!(l.take("b", 3, t0), Ok(()), "keys are separate");
        assert_eq!(l.take("a", 3, t0 + chrono::Duration::seconds(20)), Ok(()));
        assert!(l.take("a", 3, t0 + chrono::Duration::seconds(20)).is_err());
        assert_eq!(l.take("a", 0, t0), Ok(()), "0 means no limit");
    }
}
