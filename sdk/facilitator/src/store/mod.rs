//! Durable nullifier reservations, which are also the settlement queue.
//!
//! Life of a nullifier (one credit's proof): `reserve` once the proof verified off chain
//! (*reserved*; any other proof with the same nullifier is refused from then on) → `enqueue`
//! when the resource server asks to settle (*queued*) → a settlement worker `claim`s it under a
//! lease (another worker, in this process or another sharing the backend, takes it over only
//! after the lease lapses) → `settled` with the transaction that recorded it on chain, or
//! `failed` with the reason it cannot be (kept and reported, never dropped). `release` forgets
//! a reservation whose proof was refused, so the payer may spend that credit again. `purge`
//! ends reservations never enqueued once their proof can no longer land (the resource server
//! did not serve) and forgets settled entries after a retention period: by then the on-chain
//! nullifier set refuses the nullifier on its own.

pub mod any;
pub mod postgres;
pub mod redis;
pub mod sqlite;

mod codec;

pub use self::any::AnyStore;
pub use self::postgres::PostgresStore;
pub use self::redis::RedisStore;
pub use self::sqlite::SqliteStore;

use std::future::Future;

/// Length of a proof in the verifier program's encoding, bytes.
pub const PROOF_LEN: usize = 256;

/// How long a settled entry is kept after its deadline, seconds (for reports and replays that
/// arrive before the chain's record is visible everywhere).
pub const SETTLED_RETENTION_SECS: u64 = 24 * 3600;

/// A verified proof waiting to be settled: everything `verify_payment` needs besides the
/// policy's own accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The credit's nullifier (public input 3, big-endian): the key.
    pub nullifier: [u8; 32],
    /// The policy account the proof was verified against.
    pub policy: [u8; 32],
    /// The proof, −A ‖ B ‖ C big-endian as the program takes it.
    pub proof: [u8; PROOF_LEN],
    /// Public input `now`, unix seconds.
    pub now: i64,
    /// Public input `request_hash`, big-endian.
    pub request_hash: [u8; 32],
    /// Unix seconds after which the program refuses the proof (its `now` + the policy's clock
    /// window): settlement must land before.
    pub deadline: u64,
}

/// Where a nullifier stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Verified and reserved; settlement not yet requested.
    Reserved,
    /// Settlement requested; waiting for (or held by) a worker.
    Queued,
    /// Recorded on chain by this transaction (base58 signature).
    Settled {
        /// The transaction.
        transaction: String,
    },
    /// Settlement is impossible (kept for the report).
    Failed {
        /// Why (a stable code, e.g. `deadline_passed`).
        reason: String,
    },
}

/// The outcome of [`NullifierStore::reserve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved for this proof.
    Reserved,
    /// The nullifier is already known here, in this state: refuse the proof.
    Taken(State),
}

/// Why a store operation failed. Callers fail closed on all of them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not be reached or failed.
    #[error("nullifier store unavailable: {0}")]
    Unavailable(String),
    /// The backend holds data this code did not write.
    #[error("nullifier store holds malformed data: {0}")]
    Corrupt(String),
    /// A transition from a state that does not allow it (e.g. `enqueue` of an unknown nullifier).
    #[error("nullifier is not in a state that allows this: {0}")]
    WrongState(String),
}

/// How many entries are in each unfinished state (for metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    /// Entries reserved, not yet enqueued.
    pub reserved: u64,
    /// Entries queued (claimed or not), not yet settled or failed.
    pub queued: u64,
    /// Entries whose settlement failed.
    pub failed: u64,
}

/// Durable nullifier reservations and settlement queue. Every method is atomic with respect to
/// concurrent callers, in this process and in any other process sharing the backend. Times
/// are unix seconds.
pub trait NullifierStore: Send + Sync + 'static {
    /// Reserves `entry.nullifier` at `now` unless the store already holds it (in any state).
    fn reserve(&self, entry: &Entry, now: u64) -> impl Future<Output = Result<Reservation, StoreError>> + Send;

    /// Reserved → queued. Enqueueing an entry already queued, settled or failed is a no-op
    /// that returns its state; an unknown nullifier is [`StoreError::WrongState`].
    fn enqueue(&self, nullifier: &[u8; 32]) -> impl Future<Output = Result<State, StoreError>> + Send;

    /// Claims up to `limit` queued entries whose lease has lapsed (ended at or before `now`;
    /// never-claimed entries count as lapsed), oldest enqueued first, leasing
    /// them until `now + lease_secs`.
    fn claim(
        &self,
        limit: usize,
        now: u64,
        lease_secs: u64,
    ) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;

    /// Queued → settled by `transaction`. Settling again by the same transaction is a no-op
    /// (a retried call); any other state is [`StoreError::WrongState`].
    fn settled(&self, nullifier: &[u8; 32], transaction: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Queued → failed for `reason`. Failing again for the same reason is a no-op; any other
    /// state is [`StoreError::WrongState`].
    fn failed(&self, nullifier: &[u8; 32], reason: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a reserved or queued nullifier (its proof was refused): the credit may be spent
    /// again. Settled and failed entries are kept, and an unknown nullifier has nothing to
    /// release ([`StoreError::WrongState`]).
    fn release(&self, nullifier: &[u8; 32]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The nullifier's state, if the store holds it.
    fn state(&self, nullifier: &[u8; 32]) -> impl Future<Output = Result<Option<State>, StoreError>> + Send;

    /// The request hash of the proof the nullifier was reserved for, if the store holds it:
    /// which request its credit paid for.
    fn request_hash(&self, nullifier: &[u8; 32]) -> impl Future<Output = Result<Option<[u8; 32]>, StoreError>> + Send;

    /// Counts of unfinished entries.
    fn depth(&self) -> impl Future<Output = Result<Depth, StoreError>> + Send;

    /// Deletes reserved (never enqueued) entries whose deadline is before `now`, and settled
    /// entries whose deadline is before `now - SETTLED_RETENTION_SECS` (strictly before: a
    /// proof whose deadline is `now` can still land). Returns how many.
    fn purge(&self, now: u64) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
