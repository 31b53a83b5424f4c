//! Beacon contributions: the key is derived from a public value (for us a drand round's
//! randomness) as snarkjs does — SHA-256 iterated 2^n times, the digest seeding ffjavascript's
//! ChaCha — so anyone, including `snarkjs zkey verify`, can re-derive it.

use crate::chacha::ChaCha;
use sha2::{Digest, Sha256};

/// Smallest iteration exponent snarkjs accepts for a beacon.
pub const MIN_ITERATIONS_EXP: u8 = 10;
/// Largest iteration exponent snarkjs accepts for a beacon.
pub const MAX_ITERATIONS_EXP: u8 = 63;

/// Why beacon parameters are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeaconError {
    /// snarkjs accepts 10..=63.
    #[error("beacon iteration exponent {0} is outside 10..=63")]
    IterationsExp(u8),
    /// The beacon value must be 1..=255 bytes.
    #[error("beacon hash of {0} bytes (must be 1..=255)")]
    HashLength(usize),
}

/// Checks parameters the way `snarkjs zkey beacon` does.
pub fn check_params(hash: &[u8], iterations_exp: u8) -> Result<(), BeaconError> {
    if !(MIN_ITERATIONS_EXP..=MAX_ITERATIONS_EXP).contains(&iterations_exp) {
        return Err(BeaconError::IterationsExp(iterations_exp));
    }
    if hash.is_empty() || hash.len() > 255 {
        return Err(BeaconError::HashLength(hash.len()));
    }
    Ok(())
}

/// SHA-256 applied 2^`iterations_exp` times to `hash`.
pub fn iterate_sha256(hash: &[u8], iterations_exp: u8) -> [u8; 32] {
    let mut cur: [u8; 32] = Sha256::digest(hash).into();
    for _ in 1..(1u128 << iterations_exp) {
        cur = Sha256::digest(cur).into();
    }
    cur
}

/// The ChaCha stream a beacon contribution draws its key from.
pub fn beacon_rng(hash: &[u8], iterations_exp: u8) -> Result<ChaCha, BeaconError> {
    check_params(hash, iterations_exp)?;
    Ok(ChaCha::from_hash(&iterate_sha256(hash, iterations_exp)))
}
