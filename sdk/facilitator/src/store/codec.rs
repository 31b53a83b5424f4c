//! What the three backends share: state names, and the checks that turn what a backend holds
//! back into [`Entry`] and [`State`] — data this code did not write is
//! [`StoreError::Corrupt`], never a panic.

use super::{Depth, Entry, PROOF_LEN, State, StoreError};

/// Stored name of [`State::Reserved`].
pub(super) const RESERVED: &str = "reserved";
/// Stored name of [`State::Queued`].
pub(super) const QUEUED: &str = "queued";
/// Stored name of [`State::Settled`].
pub(super) const SETTLED: &str = "settled";
/// Stored name of [`State::Failed`].
pub(super) const FAILED: &str = "failed";

/// A state from its stored name and detail (the transaction of a settled entry, the reason of
/// a failed one).
pub(super) fn state(name: &str, detail: Option<String>) -> Result<State, StoreError> {
    match (name, detail) {
        (RESERVED, _) => Ok(State::Reserved),
        (QUEUED, _) => Ok(State::Queued),
        (SETTLED, Some(transaction)) => Ok(State::Settled { transaction }),
        (FAILED, Some(reason)) => Ok(State::Failed { reason }),
        (SETTLED | FAILED, None) => Err(StoreError::Corrupt(format!("{name} entry without its detail"))),
        (other, _) => Err(StoreError::Corrupt(format!("unknown state {other:?}"))),
    }
}

/// Counts reserved, queued and failed entries in one statement (SQLite and PostgreSQL).
pub(super) const DEPTH: &str = "SELECT
    (SELECT COUNT(*) FROM zk402_nullifiers WHERE state = 'reserved'),
    (SELECT COUNT(*) FROM zk402_nullifiers WHERE state = 'queued'),
    (SELECT COUNT(*) FROM zk402_nullifiers WHERE state = 'failed')";

/// An entry from the columns (fields) a backend stores.
pub(super) fn entry(
    nullifier: &[u8],
    policy: &[u8],
    proof: &[u8],
    now: i64,
    request_hash: &[u8],
    deadline: i64,
) -> Result<Entry, StoreError> {
    Ok(Entry {
        nullifier: bytes(nullifier, "nullifier")?,
        policy: bytes(policy, "policy")?,
        proof: bytes::<PROOF_LEN>(proof, "proof")?,
        now,
        request_hash: bytes(request_hash, "request hash")?,
        deadline: u64::try_from(deadline).map_err(|_| StoreError::Corrupt(format!("negative deadline {deadline}")))?,
    })
}

/// A stored request hash.
pub(super) fn request_hash(value: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes(value, "request hash")
}

fn bytes<const N: usize>(value: &[u8], what: &str) -> Result<[u8; N], StoreError> {
    value.try_into().map_err(|_| StoreError::Corrupt(format!("{what} is {} bytes, not {N}", value.len())))
}

/// A time for a signed 64-bit column. Times past `i64::MAX` (292 billion years away) are
/// clamped to it, which keeps every comparison the store makes right.
pub(super) fn sql_time(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

/// The cut-off below which settled entries are purged at `now`.
pub(super) fn settled_horizon(now: u64) -> u64 {
    now.saturating_sub(super::SETTLED_RETENTION_SECS)
}

/// Depth from the counts of reserved, queued and failed entries.
pub(super) fn depth((reserved, queued, failed): (i64, i64, i64)) -> Result<Depth, StoreError> {
    let count = |n: i64| u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")));
    Ok(Depth { reserved: count(reserved)?, queued: count(queued)?, failed: count(failed)? })
}
