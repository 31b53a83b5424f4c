//! Bounded LRU + TTL cache of finished proofs, keyed by [`cache_key`](super::request::cache_key).
//! It holds proofs and public signals only, never private inputs: a retry of the same request
//! gets the same proof back.

use crate::proof::ProofJson;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

struct Entry {
    value: ProofJson,
    inserted: Instant,
    tick: u64,
}

/// A bounded map from request hash to proof; least recently used entries go first, and
/// entries older than the TTL are never returned.
pub struct ProofCache {
    capacity: usize,
    ttl: Duration,
    entries: HashMap<[u8; 32], Entry>,
    by_use: BTreeMap<u64, [u8; 32]>,
    tick: u64,
}

impl ProofCache {
    /// A cache of at most `capacity` proofs, each kept at most `ttl`. Capacity 0 disables it.
    pub fn new(capacity: usize, ttl: Duration) -> ProofCache {
        ProofCache { capacity, ttl, entries: HashMap::new(), by_use: BTreeMap::new(), tick: 0 }
    }

    /// The proof for `key` if present and fresh (and marks it recently used).
    pub fn get(&mut self, key: &[u8; 32], now: Instant) -> Option<ProofJson> {
        let entry = self.entries.get(key)?;
        if now.duration_since(entry.inserted) > self.ttl {
            self.remove(key);
            return None;
        }
        self.tick += 1;
        let entry = self.entries.get_mut(key).expect("present");
        self.by_use.remove(&entry.tick);
        entry.tick = self.tick;
        self.by_use.insert(self.tick, *key);
        Some(entry.value.clone())
    }

    /// Stores a proof, evicting the least recently used entries beyond capacity.
    pub fn insert(&mut self, key: [u8; 32], value: ProofJson, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        self.remove(&key);
        self.tick += 1;
        self.entries.insert(key, Entry { value, inserted: now, tick: self.tick });
        self.by_use.insert(self.tick, key);
        while self.entries.len() > self.capacity {
            let Some((_, oldest)) = self.by_use.pop_first() else { break };
            self.entries.remove(&oldest);
        }
    }

    /// Number of entries held (some may have expired but not yet been dropped).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn remove(&mut self, key: &[u8; 32]) {
        if let Some(entry) = self.entries.remove(key) {
            self.by_use.remove(&entry.tick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::SnarkjsProof;

    fn proof(tag: &str) -> ProofJson {
        let s = || tag.to_owned();
        ProofJson {
            proof: SnarkjsProof {
                pi_a: [s(), s(), s()],
                pi_b: [[s(), s()], [s(), s()], [s(), s()]],
                pi_c: [s(), s(), s()],
                protocol: s(),
                curve: s(),
            },
            public_signals: vec![s()],
        }
    }

    #[test]
    fn evicts_least_recently_used_and_expires() {
        let t0 = Instant::now();
        let mut cache = ProofCache::new(2, Duration::from_secs(10));
        cache.insert([1; 32], proof("1"), t0);
        cache.insert([2; 32], proof("2"), t0);
        assert_eq!(cache.get(&[1; 32], t0), Some(proof("1")));
        cache.insert([3; 32], proof("3"), t0);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&[2; 32], t0), None, "2 was least recently used");
        assert_eq!(cache.get(&[1; 32], t0), Some(proof("1")));
        assert_eq!(cache.get(&[3; 32], t0 + Duration::from_secs(11)), None, "expired");
        assert_eq!(cache.len(), 1);
        let mut off = ProofCache::new(0, Duration::from_secs(10));
        off.insert([1; 32], proof("1"), t0);
        assert!(off.is_empty());
    }
}
