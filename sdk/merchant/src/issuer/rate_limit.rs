//! Per-client token buckets for the requests that make the issuer read the chain: a client may
//! burst `burst` such requests, then `per_second`. Clients are peer addresses grouped as one
//! subscriber usually holds them (an IPv4 address, an IPv6 /64); no forwarded-address header is
//! trusted, so behind a reverse proxy all clients share the proxy's bucket.
//!
//! The table is bounded without ever refusing a client for its size: when it is full, every
//! client whose bucket has refilled is forgotten (forgetting a full bucket forgives nothing),
//! and if none has, the fullest one is. A forgotten client comes back with a full bucket.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// Whom a bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// An IPv4 peer (also when it connected as IPv4-mapped IPv6).
    V4(Ipv4Addr),
    /// The /64 prefix of an IPv6 peer.
    V6Prefix(u64),
    /// The peer address is unknown (the router was served without connection info): all such
    /// requests share one bucket.
    Unknown,
}

impl Client {
    /// The address group of a peer, if known.
    pub fn from_peer(peer: Option<IpAddr>) -> Client {
        match peer.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(ip)) => Client::V4(ip),
            Some(IpAddr::V6(ip)) => Client::V6Prefix((ip.to_bits() >> 64) as u64),
            None => Client::Unknown,
        }
    }
}

/// The limit's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained chain-reading requests per second per client (positive).
    pub per_second: f64,
    /// Requests a client may make at once after being idle (at least 1).
    pub burst: u32,
    /// Clients remembered at once (at least 1).
    pub max_clients: usize,
}

impl Default for RateLimit {
    /// One per second, bursts of 10, 10,000 clients: a payer waiting for its payment to be
    /// finalized asks every few seconds.
    fn default() -> RateLimit {
        RateLimit { per_second: 1.0, burst: 10, max_clients: 10_000 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets by client.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<Client, Bucket>,
}

impl RateLimiter {
    /// An empty table.
    pub fn new(limit: RateLimit) -> RateLimiter {
        let limit = RateLimit {
            per_second: if limit.per_second > 0.0 { limit.per_second } else { f64::MIN_POSITIVE },
            burst: limit.burst.max(1),
            max_clients: limit.max_clients.max(1),
        };
        RateLimiter { limit, buckets: HashMap::new() }
    }

    /// Takes a token from `client`'s bucket; on refusal, how long until one is available.
    pub fn check(&mut self, client: Client, now: Instant) -> Result<(), Duration> {
        if !self.buckets.contains_key(&client) && self.buckets.len() >= self.limit.max_clients {
            self.make_room(now);
        }
        let limit = self.limit;
        let bucket = self.buckets.entry(client).or_insert(Bucket { tokens: f64::from(limit.burst), updated: now });
        bucket.tokens = level(&limit, bucket, now);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::try_from_secs_f64((1.0 - bucket.tokens) / limit.per_second).unwrap_or(Duration::MAX))
        }
    }

    /// Clients remembered.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no client is remembered.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    fn make_room(&mut self, now: Instant) {
        let burst = f64::from(self.limit.burst);
        let levels: Vec<(Client, f64)> = self.buckets.iter().map(|(c, b)| (*c, level(&self.limit, b, now))).collect();
        let mut fullest: Option<(Client, f64)> = None;
        for (client, level) in levels {
            if level >= burst {
                self.buckets.remove(&client);
            } else if fullest.is_none_or(|(_, top)| level > top) {
                fullest = Some((client, level));
            }
        }
        if self.buckets.len() >= self.limit.max_clients
            && let Some((client, _)) = fullest
        {
            self.buckets.remove(&client);
        }
    }
}

/// The tokens in `bucket` at `now`.
fn level(limit: &RateLimit, bucket: &Bucket, now: Instant) -> f64 {
    let refilled = now.saturating_duration_since(bucket.updated).as_secs_f64() * limit.per_second;
    (bucket.tokens + refilled).min(f64::from(limit.burst))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(last: u8) -> Client {
        Client::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    #[test]
    fn a_client_bursts_then_waits_for_the_refill_and_others_are_unaffected() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(RateLimit { per_second: 0.5, burst: 2, max_clients: 10 });
        assert_eq!(limiter.check(v4(1), t0), Ok(()));
        assert_eq!(limiter.check(v4(1), t0), Ok(()));
        assert_eq!(limiter.check(v4(1), t0), Err(Duration::from_secs(2)));
        assert_eq!(limiter.check(v4(2), t0), Ok(()), "another client has its own bucket");
        assert_eq!(limiter.check(v4(1), t0 + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn ipv6_clients_are_grouped_by_their_64_and_mapped_ipv4_is_ipv4() {
        let peer = |s: &str| Client::from_peer(Some(s.parse().unwrap()));
        assert_eq!(peer("2001:db8:1:2::1"), peer("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_ne!(peer("2001:db8:1:2::1"), peer("2001:db8:1:3::1"));
        assert_eq!(peer("192.0.2.7"), peer("::ffff:192.0.2.7"));
        assert_ne!(peer("192.0.2.7"), peer("192.0.2.8"));
        assert_eq!(Client::from_peer(None), Client::Unknown);
        // Rotating through one /64 buys nothing.
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(RateLimit { per_second: 0.001, burst: 3, max_clients: 10 });
        for i in 1..=3 {
            assert_eq!(limiter.check(peer(&format!("2001:db8:1:2::{i}")), t0), Ok(()));
        }
        assert!(limiter.check(peer("2001:db8:1:2::4"), t0).is_err());
    }

    #[test]
    fn a_full_table_forgets_idle_clients_first_and_never_refuses_a_newcomer() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(RateLimit { per_second: 1.0, burst: 3, max_clients: 3 });
        limiter.check(v4(1), t0).unwrap(); // idle from now on
        let later = t0 + Duration::from_secs(10);
        for _ in 0..3 {
            limiter.check(v4(2), later).unwrap(); // drained
        }
        limiter.check(v4(3), later).unwrap(); // two tokens left
        assert_eq!(limiter.check(v4(4), later), Ok(()), "a full table takes a newcomer");
        assert_eq!(limiter.len(), 3, "the idle client was forgotten");
        limiter.check(v4(4), later).unwrap(); // one token left
        assert!(limiter.check(v4(2), later).is_err(), "the drained client is still remembered");
        // No idle client now: the fullest (v4(3), two tokens) makes room, the drained one stays.
        assert_eq!(limiter.check(v4(5), later), Ok(()));
        assert_eq!(limiter.len(), 3);
        assert!(limiter.check(v4(2), later).is_err());
        for _ in 0..3 {
            assert_eq!(limiter.check(v4(3), later), Ok(()), "a forgotten client comes back with a full bucket");
        }
    }
}
