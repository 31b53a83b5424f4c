//! Per-client token buckets: each client may burst `burst` requests and then `rate` per
//! second. The table is bounded without ever refusing a client for its size: a new client
//! takes the place of the bucket that is fullest, i.e. the one whose forgetting forgives the
//! fewest tokens (none when it has refilled, which is the case of every idle client). A
//! forgotten client comes back with a full bucket, so eviction never penalises anyone.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::{Duration, Instant};

struct Bucket {
    tokens: f64,
    updated: Instant,
    /// The bucket's key in `by_refill`.
    slot: (Instant, u64),
}

/// Token buckets keyed by client identity.
pub struct RateLimiter<K> {
    rate: f64,
    burst: f64,
    capacity: usize,
    buckets: HashMap<K, Bucket>,
    /// Every client by the instant its bucket is full again (ties in order of use): the first
    /// entry is the one that loses least when forgotten.
    by_refill: BTreeMap<(Instant, u64), K>,
    uses: u64,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `rate` tokens per second (positive), at most `burst` banked, at most `capacity` clients
    /// tracked (at least one).
    pub fn new(rate: f64, burst: u32, capacity: usize) -> RateLimiter<K> {
        RateLimiter {
            rate,
            burst: f64::from(burst.max(1)),
            capacity: capacity.max(1),
            buckets: HashMap::new(),
            by_refill: BTreeMap::new(),
            uses: 0,
        }
    }

    /// Takes a token for `client`; on refusal, the whole seconds until one is available.
    pub fn check(&mut self, client: &K, now: Instant) -> Result<(), u64> {
        let tokens = match self.buckets.remove(client) {
            Some(bucket) => {
                self.by_refill.remove(&bucket.slot);
                let refilled = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.rate;
                (bucket.tokens + refilled).min(self.burst)
            }
            None => {
                if self.buckets.len() >= self.capacity
                    && let Some((_, fullest)) = self.by_refill.pop_first()
                {
                    self.buckets.remove(&fullest);
                }
                self.burst
            }
        };
        let (tokens, verdict) = if tokens >= 1.0 {
            (tokens - 1.0, Ok(()))
        } else if self.rate > 0.0 {
            (tokens, Err(((1.0 - tokens) / self.rate).ceil().max(1.0) as u64))
        } else {
            (tokens, Err(60))
        };
        let refill = Duration::try_from_secs_f64((self.burst - tokens) / self.rate).ok();
        let full_at = refill.and_then(|d| now.checked_add(d)).unwrap_or(now);
        self.uses += 1;
        let slot = (full_at, self.uses);
        self.by_refill.insert(slot, client.clone());
        self.buckets.insert(client.clone(), Bucket { tokens, updated: now, slot });
        verdict
    }

    /// Clients tracked.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no client is tracked.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_client() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(0.5, 2, 10);
        assert_eq!(rl.check(&"a", t0), Ok(()));
        assert_eq!(rl.check(&"a", t0), Ok(()));
        assert_eq!(rl.check(&"a", t0), Err(2));
        assert_eq!(rl.check(&"b", t0), Ok(()), "other clients are not affected");
        assert_eq!(rl.check(&"a", t0 + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn a_full_table_forgets_the_fullest_bucket_and_never_refuses_a_newcomer() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(0.001, 3, 3);
        for _ in 0..3 {
            assert_eq!(rl.check(&"drained", t0), Ok(()));
        }
        assert_eq!(rl.check(&"used_one", t0), Ok(()));
        assert_eq!(rl.check(&"used_two", t0), Ok(()));
        assert_eq!(rl.check(&"used_two", t0), Ok(()));
        assert_eq!(rl.check(&"new", t0), Ok(()), "a full table takes a new client");
        assert_eq!(rl.len(), 3);
        assert!(rl.check(&"drained", t0).is_err(), "the drained client was not the one forgotten");
        assert_eq!(rl.check(&"used_two", t0), Ok(()), "still remembered: its last token");
        assert!(rl.check(&"used_two", t0).is_err());
        // `used_one` (two tokens left, the fullest) was forgotten; it comes back with a full bucket.
        for _ in 0..3 {
            assert_eq!(rl.check(&"used_one", t0), Ok(()));
        }
    }

    #[test]
    fn a_refilled_bucket_goes_before_a_recently_used_one() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(1.0, 2, 2);
        rl.check(&"idle", t0).unwrap();
        rl.check(&"idle", t0).unwrap();
        let later = t0 + Duration::from_secs(10);
        rl.check(&"busy", later).unwrap();
        rl.check(&"busy", later).unwrap();
        rl.check(&"new", later).unwrap();
        assert!(rl.check(&"busy", later).is_err(), "busy was kept; idle, long refilled, was forgotten");
    }
}
