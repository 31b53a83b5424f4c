//! The store a configuration names: `sqlite:<path>`, `redis://…` or `postgres://…`.

use super::{Depth, Entry, NullifierStore, PostgresStore, RedisStore, Reservation, SqliteStore, State, StoreError};
use std::path::Path;

/// Key prefix of the Redis store opened from a URL.
pub const REDIS_PREFIX: &str = "zk402:";

/// One of the three backends, chosen at run time.
pub enum AnyStore {
    /// Embedded SQLite file (one instance).
    Sqlite(SqliteStore),
    /// Redis (shared by several instances).
    Redis(RedisStore),
    /// PostgreSQL (shared by several instances).
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens the store `url` names: `sqlite:<path>`, `redis://…` (keys under
    /// [`REDIS_PREFIX`]) or `postgres://…` / `postgresql://…`.
    pub async fn open(url: &str) -> Result<AnyStore, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(AnyStore::Sqlite(SqliteStore::open(Path::new(path))?))
        } else if url.starts_with("redis://") || url.starts_with("rediss://") {
            Ok(AnyStore::Redis(RedisStore::connect(url, REDIS_PREFIX).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(AnyStore::Postgres(PostgresStore::connect(url).await?))
        } else {
            Err(StoreError::Unavailable(format!("{url:?}: expected sqlite:<path>, redis://… or postgres://…")))
        }
    }
}

/// Forwards a call to the backend in use.
macro_rules! each {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call.await,
            AnyStore::Redis($store) => $call.await,
            AnyStore::Postgres($store) => $call.await,
        }
    };
}

impl NullifierStore for AnyStore {
    async fn reserve(&self, entry: &Entry, now: u64) -> Result<Reservation, StoreError> {
        each!(self, s => s.reserve(entry, now))
    }

    async fn enqueue(&self, nullifier: &[u8; 32]) -> Result<State, StoreError> {
        each!(self, s => s.enqueue(nullifier))
    }

    async fn claim(&self, limit: usize, now: u64, lease_secs: u64) -> Result<Vec<Entry>, StoreError> {
        each!(self, s => s.claim(limit, now, lease_secs))
    }

    async fn settled(&self, nullifier: &[u8; 32], transaction: &str) -> Result<(), StoreError> {
        each!(self, s => s.settled(nullifier, transaction))
    }

    async fn failed(&self, nullifier: &[u8; 32], reason: &str) -> Result<(), StoreError> {
        each!(self, s => s.failed(nullifier, reason))
    }

    async fn release(&self, nullifier: &[u8; 32]) -> Result<(), StoreError> {
        each!(self, s => s.release(nullifier))
    }

    async fn state(&self, nullifier: &[u8; 32]) -> Result<Option<State>, StoreError> {
        each!(self, s => s.state(nullifier))
    }

    async fn request_hash(&self, nullifier: &[u8; 32]) -> Result<Option<[u8; 32]>, StoreError> {
        each!(self, s => s.request_hash(nullifier))
    }

    async fn depth(&self) -> Result<Depth, StoreError> {
        each!(self, s => s.depth())
    }

    async fn purge(&self, now: u64) -> Result<u64, StoreError> {
        each!(self, s => s.purge(now))
    }
}
