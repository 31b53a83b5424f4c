//! Single-use x402 challenges: issuance (a fresh random nonce bound to policy, expiry and
//! resource by the request hash) and the durable store that makes each challenge pay once.
//!
//! Life of a challenge: `issue` (state *issued*) → `reserve` when a payment for it arrives
//! (*reserved*; a second concurrent attempt sees `InUse`) → `commit` once the on-chain record
//! is confirmed (*used*, forever refused) or `release` when the attempt failed (*issued*
//! again, so the payer may retry). A reservation left by a crashed merchant ends with the
//! challenge's expiry. Expired challenges are purged some time after they expire.

pub mod redis;
pub mod sqlite;
pub mod store;

pub use self::redis::RedisStore;
pub use self::sqlite::SqliteStore;
pub use store::{ChallengeStore, Reservation, StoreError};

use std::time::{SystemTime, UNIX_EPOCH};
pub use zk402_circuit::Challenge;
use zk402_circuit::field::fr_to_be_bytes;

/// How long an expired challenge stays in a store before it is purged, seconds. Until then a
/// late attempt is told `Expired` rather than `Unknown`.
pub const EXPIRED_RETENTION_SECS: u64 = 300;

/// Why a challenge could not be created.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// The operating system's random number generator failed.
    #[error("OS random number generator failed: {0}")]
    Randomness(getrandom::Error),
    /// `now + ttl` does not fit the store's range.
    #[error("challenge expiry out of range")]
    ExpiryOutOfRange,
}

/// A new challenge for `resource` under `policy`: 32 bytes from the OS RNG, expiring `ttl_secs`
/// after `now` (unix seconds).
pub fn new_challenge(policy: [u8; 32], resource: String, now: u64, ttl_secs: u64) -> Result<Challenge, ChallengeError> {
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).map_err(ChallengeError::Randomness)?;
    let expires_at =
        now.checked_add(ttl_secs).filter(|t| i64::try_from(*t).is_ok()).ok_or(ChallengeError::ExpiryOutOfRange)?;
    Ok(Challenge { policy, nonce, expires_at, resource })
}

/// The challenge's request hash as the program's event carries it: 32 bytes, big-endian.
pub fn request_hash_bytes(challenge: &Challenge) -> [u8; 32] {
    fr_to_be_bytes(&challenge.request_hash())
}

/// The system clock in unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_challenges_differ_and_bind_their_fields() {
        let a = new_challenge([1; 32], "https://api.example.com/v1/x".into(), 1_000, 60).unwrap();
        let b = new_challenge([1; 32], "https://api.example.com/v1/x".into(), 1_000, 60).unwrap();
        assert_ne!(a.nonce, b.nonce, "nonces come from the OS RNG");
        assert_eq!(a.expires_at, 1_060);
        assert_ne!(request_hash_bytes(&a), request_hash_bytes(&b));
        assert_eq!(request_hash_bytes(&a)[0] & 0xe0, 0, "a 253-bit field element");
        assert!(matches!(new_challenge([1; 32], String::new(), u64::MAX, 1), Err(ChallengeError::ExpiryOutOfRange)));
        assert!(matches!(
            new_challenge([1; 32], String::new(), i64::MAX as u64, 1),
            Err(ChallengeError::ExpiryOutOfRange)
        ));
    }
}
