//! The embedded default store: one SQLite file (WAL journal), one row per challenge. Every
//! state change is a single conditional `UPDATE`, atomic across threads and processes.

use super::store::{ChallengeStore, Reservation, StoreError};
use super::{Challenge, EXPIRED_RETENTION_SECS};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ISSUED: i64 = 0;
const RESERVED: i64 = 1;
const USED: i64 = 2;

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS x402_challenges (
    nonce BLOB PRIMARY KEY NOT NULL,
    policy BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    resource TEXT NOT NULL,
    state INTEGER NOT NULL,
    tx_signature TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS x402_challenges_expiry ON x402_challenges (expires_at);
";

/// Challenges in a SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` in WAL mode.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path).map_err(unavailable)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(unavailable)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(unavailable)?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().map_err(|_| StoreError::Unavailable("connection lock poisoned".into()))?;
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }
}

fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn to_sql_time(t: u64) -> Result<i64, StoreError> {
    i64::try_from(t).map_err(|_| StoreError::Corrupt(format!("time {t} out of range")))
}

impl ChallengeStore for SqliteStore {
    async fn issue(&self, challenge: &Challenge) -> Result<(), StoreError> {
        let c = challenge.clone();
        self.with_conn(move |conn| {
            let expires_at = to_sql_time(c.expires_at)?;
            let horizon = to_sql_time(super::unix_now().saturating_sub(EXPIRED_RETENTION_SECS))?;
            conn.execute("DELETE FROM x402_challenges WHERE expires_at <= ?1", params![horizon])
                .map_err(unavailable)?;
            conn.execute(
                "INSERT INTO x402_challenges (nonce, policy, expires_at, resource, state) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![&c.nonce[..], &c.policy[..], expires_at, c.resource, ISSUED],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn reserve(&self, nonce: &[u8; 32], now: u64) -> Result<Reservation, StoreError> {
        let nonce = *nonce;
        self.with_conn(move |conn| {
            let now = to_sql_time(now)?;
            let reserved = conn
                .query_row(
                    "UPDATE x402_challenges SET state = ?3
                     WHERE nonce = ?1 AND state = ?4 AND expires_at > ?2
                     RETURNING policy, expires_at, resource",
                    params![&nonce[..], now, RESERVED, ISSUED],
                    |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?)),
                )
                .optional()
                .map_err(unavailable)?;
            if let Some((policy, expires_at, resource)) = reserved {
                let policy: [u8; 32] =
                    policy.try_into().map_err(|_| StoreError::Corrupt("policy is not 32 bytes".into()))?;
                let expires_at =
                    u64::try_from(expires_at).map_err(|_| StoreError::Corrupt("negative expiry".into()))?;
                return Ok(Reservation::Reserved(Challenge { policy, nonce, expires_at, resource }));
            }
            let row = conn
                .query_row(
                    "SELECT state, expires_at FROM x402_challenges WHERE nonce = ?1",
                    params![&nonce[..]],
                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(match row {
                None => Reservation::Unknown,
                Some((USED, _)) => Reservation::AlreadyUsed,
                Some((_, expires_at)) if expires_at <= now => Reservation::Expired,
                Some(_) => Reservation::InUse,
            })
        })
        .await
    }

    async fn commit(&self, nonce: &[u8; 32], tx_signature: &str) -> Result<(), StoreError> {
        let (nonce, tx_signature) = (*nonce, tx_signature.to_owned());
        self.with_conn(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE x402_challenges SET state = ?2, tx_signature = ?3 WHERE nonce = ?1 AND state = ?4",
                    params![&nonce[..], USED, tx_signature, RESERVED],
                )
                .map_err(unavailable)?;
            if changed == 1 { Ok(()) } else { Err(StoreError::NotReserved) }
        })
        .await
    }

    async fn release(&self, nonce: &[u8; 32]) -> Result<(), StoreError> {
        let nonce = *nonce;
        self.with_conn(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE x402_challenges SET state = ?2 WHERE nonce = ?1 AND state = ?3",
                    params![&nonce[..], ISSUED, RESERVED],
                )
                .map_err(unavailable)?;
            if changed == 1 { Ok(()) } else { Err(StoreError::NotReserved) }
        })
        .await
    }
}
