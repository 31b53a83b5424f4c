//! Per-client token buckets: each client may burst `burst` requests and then `rate` per
//! second. The table is bounded: when full, idle clients (whose bucket has refilled) are
//! dropped, and if none is idle a new client is refused rather than the table growing.

use std::collections::HashMap;
use std::time::Instant;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets keyed by client identity.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    max_clients: usize,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// `rate` tokens per second, at most `burst` banked, at most `max_clients` tracked.
    pub fn new(rate: f64, burst: u32, max_clients: usize) -> RateLimiter {
        RateLimiter { rate, burst: f64::from(burst.max(1)), max_clients, buckets: HashMap::new() }
    }

    /// Takes a token for `client`; on refusal, the whole seconds until one is available.
    pub fn check(&mut self, client: &str, now: Instant) -> Result<(), u64> {
        if !self.buckets.contains_key(client) && self.buckets.len() >= self.max_clients {
            let (rate, burst) = (self.rate, self.burst);
            self.buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst);
            if self.buckets.len() >= self.max_clients {
                return Err(1);
            }
        }
        let bucket = self.buckets.entry(client.to_owned()).or_insert(Bucket { tokens: self.burst, updated: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * self.rate).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else if self.rate > 0.0 {
            Err(((1.0 - bucket.tokens) / self.rate).ceil().max(1.0) as u64)
        } else {
            Err(60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills_per_client() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(0.5, 2, 10);
        assert_eq!(rl.check("a", t0), Ok(()));
        assert_eq!(rl.check("a", t0), Ok(()));
        assert_eq!(rl.check("a", t0), Err(2));
        assert_eq!(rl.check("b", t0), Ok(()), "other clients are not affected");
        assert_eq!(rl.check("a", t0 + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn client_table_is_bounded() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(1.0, 1, 2);
        assert_eq!(rl.check("a", t0), Ok(()));
        assert_eq!(rl.check("b", t0), Ok(()));
        assert_eq!(rl.check("c", t0), Err(1), "table full of active clients");
        assert_eq!(rl.check("c", t0 + Duration::from_secs(5)), Ok(()), "idle clients were dropped");
        assert!(rl.buckets.len() <= 2);
    }
}
