//! Short-lived copies of a few reads that many people repeat and that may be seconds old: the
//! warnings board's counts per category and the case list's 承办人 menu. At a million cases a
//! city's board count reads tens of thousands of index entries; the same few scopes are asked
//! for many times a second. Each process keeps its own copies for `counts_cache_seconds`
//! (configuration; 0, the default of a bare `Store`, reads every time).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Copies kept at most; past it the expired ones are dropped, then all if none had expired.
const MAX_ENTRIES: usize = 1024;

/// Copies of one kind of read, by the read's full description (its SQL and bound values).
pub(crate) struct ReadCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V> Default for ReadCache<V> {
    fn default() -> Self {
        ReadCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> ReadCache<V> {
    /// The copy of `key` if it was read less than `ttl` before `now`.
    pub(crate) fn get(&self, key: &str, ttl: Duration, now: Instant) -> Option<V> {
        if ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < ttl)
            .map(|(_, v)| v.clone())
    }

    /// Keeps `value` as read at `at`.
    pub(crate) fn put(&self, key: String, value: V, ttl: Duration, at: Instant) {
        if ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (t, _)| at.saturating_duration_since(*t) < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (at, value));
    }
}

/// How long copies are kept, shared by every clone of a `Store` (milliseconds).
#[derive(Default)]
pub(crate) struct Ttl(AtomicU64);

impl Ttl {
    pub(crate) fn get(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::Relaxed))
    }

    pub(crate) fn set(&self, ttl: Duration) {
        self.0.store(
            u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_served_until_it_is_ttl_old_and_never_with_no_ttl() {
        let c: ReadCache<i64> = ReadCache::default();
        let t0 = Instant::now();
        let ttl = Duration::from_secs(15);
        c.put("a".into(), 1, ttl, t0);
        assert_eq!(c.get("a", ttl, t0 + Duration::from_secs(14)), Some(1));
        assert_eq!(c.get("a", ttl, t0 + Duration::from_secs(15)), None);
        assert_eq!(c.get("b", ttl, t0), None);
        assert_eq!(c.get("a", Duration::ZERO, t0), None);
        c.put("z".into(), 2, Duration::ZERO, t0);
        assert_eq!(c.get("z", ttl, t0), None, "nothing kept without a ttl");
        // Full: the expired copies go first, the fresh ones stay.
        for i in 0..MAX_ENTRIES - 1 {
            c.put(format!("k{i}"), 3, ttl, t0 + Duration::from_secs(20));
        }
        c.put("new".into(), 4, ttl, t0 + Duration::from_secs(21));
        assert_eq!(c.get("a", ttl, t0 + Duration::from_secs(21)), None);
        assert_eq!(c.get("k0", ttl, t0 + Duration::from_secs(21)), Some(3));
        assert_eq!(c.get("new", ttl, t0 + Duration::from_secs(21)), Some(4));
    }
}
