//! The challenge store interface every backend implements.

use super::Challenge;
use std::future::Future;

/// The outcome of [`ChallengeStore::reserve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The challenge is now reserved for this attempt; here is what was issued.
    Reserved(Challenge),
    /// The challenge already paid for a request.
    AlreadyUsed,
    /// No such challenge (never issued here, or purged after expiry).
    Unknown,
    /// The challenge expired.
    Expired,
    /// Another attempt holds the reservation right now.
    InUse,
}

/// Why a store operation failed. The gate answers 503 to all of them: fail closed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not be reached or failed.
    #[error("challenge store unavailable: {0}")]
    Unavailable(String),
    /// The backend holds data this code did not write.
    #[error("challenge store holds malformed data: {0}")]
    Corrupt(String),
    /// `commit` or `release` of a challenge that is not reserved.
    #[error("challenge is not reserved")]
    NotReserved,
}

/// Durable single-use challenges. Every method is atomic with respect to concurrent callers,
/// in this process and in any other process sharing the backend.
pub trait ChallengeStore: Send + Sync + 'static {
    /// Stores a newly issued challenge (and purges long-expired ones).
    fn issue(&self, challenge: &Challenge) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Reserves the challenge `nonce` for one payment attempt at unix time `now`.
    fn reserve(&self, nonce: &[u8; 32], now: u64) -> impl Future<Output = Result<Reservation, StoreError>> + Send;

    /// Marks a reserved challenge used by the transaction `tx_signature`.
    fn commit(&self, nonce: &[u8; 32], tx_signature: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Returns a reserved challenge to the issued state after a failed attempt.
    fn release(&self, nonce: &[u8; 32]) -> impl Future<Output = Result<(), StoreError>> + Send;
}
