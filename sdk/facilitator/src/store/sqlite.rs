//! The embedded default: one SQLite file (WAL journal, `synchronous = FULL`), one row per
//! nullifier. Every transition is one conditional statement or one `IMMEDIATE` transaction,
//! atomic across threads and processes; the work runs on tokio's blocking pool.

use super::codec::{self, sql_time};
use super::{Depth, Entry, NullifierStore, Reservation, State, StoreError};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS zk402_nullifiers (
    nullifier BLOB PRIMARY KEY NOT NULL,
    policy BLOB NOT NULL,
    proof BLOB NOT NULL,
    proof_now INTEGER NOT NULL,
    request_hash BLOB NOT NULL,
    deadline INTEGER NOT NULL,
    reserved_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    enqueued_seq INTEGER,
    lease_until INTEGER NOT NULL DEFAULT 0,
    tx_signature TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS zk402_nullifiers_queue ON zk402_nullifiers (enqueued_seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS zk402_nullifiers_deadline ON zk402_nullifiers (state, deadline);
";

/// Nullifiers in a SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` in WAL mode with full syncs.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path).map_err(sql_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql_error)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(sql_error)?;
        conn.execute_batch(SCHEMA).map_err(sql_error)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| StoreError::Unavailable("connection lock poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }
}

/// Values of the wrong type or range are data this code did not write; the rest is the
/// database failing.
fn sql_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::Error::{FromSqlConversionFailure, IntegralValueOutOfRange, InvalidColumnType};
    match e {
        InvalidColumnType(..) | FromSqlConversionFailure(..) | IntegralValueOutOfRange(..) => {
            StoreError::Corrupt(e.to_string())
        }
        e => StoreError::Unavailable(e.to_string()),
    }
}

fn immediate(conn: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)
}

fn read_state(conn: &Connection, nullifier: &[u8; 32]) -> Result<Option<State>, StoreError> {
    let row = conn
        .query_row(
            "SELECT state, tx_signature, reason FROM zk402_nullifiers WHERE nullifier = ?1",
            params![&nullifier[..]],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?, row.get::<_, Option<String>>(2)?)),
        )
        .optional()
        .map_err(sql_error)?;
    row.map(|(name, transaction, reason)| codec::state(&name, transaction.or(reason))).transpose()
}

/// The refusal of `action` on `nullifier`, naming the state it is in.
fn refusal(conn: &Connection, nullifier: &[u8; 32], action: &str) -> StoreError {
    match read_state(conn, nullifier) {
        Ok(state) => StoreError::WrongState(format!("cannot {action} a nullifier in state {state:?}")),
        Err(e) => e,
    }
}

impl NullifierStore for SqliteStore {
    async fn reserve(&self, entry: &Entry, now: u64) -> Result<Reservation, StoreError> {
        let entry = entry.clone();
        self.with_conn(move |conn| {
            let tx = immediate(conn)?;
            let inserted = tx
                .execute(
                    "INSERT INTO zk402_nullifiers
                       (nullifier, policy, proof, proof_now, request_hash, deadline, reserved_at, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'reserved')
                     ON CONFLICT (nullifier) DO NOTHING",
                    params![
                        &entry.nullifier[..],
                        &entry.policy[..],
                        &entry.proof[..],
                        entry.now,
                        &entry.request_hash[..],
                        sql_time(entry.deadline),
                        sql_time(now)
                    ],
                )
                .map_err(sql_error)?;
            if inserted == 1 {
                tx.commit().map_err(sql_error)?;
                return Ok(Reservation::Reserved);
            }
            let state = read_state(&tx, &entry.nullifier)?
                .ok_or_else(|| StoreError::Unavailable("conflicting row vanished inside a transaction".into()))?;
            Ok(Reservation::Taken(state))
        })
        .await
    }

    async fn enqueue(&self, nullifier: &[u8; 32]) -> Result<State, StoreError> {
        let nullifier = *nullifier;
        self.with_conn(move |conn| {
            let tx = immediate(conn)?;
            let changed = tx
                .execute(
                    "UPDATE zk402_nullifiers SET state = 'queued', lease_until = 0, enqueued_seq =
                       (SELECT COALESCE(MAX(enqueued_seq), 0) + 1 FROM zk402_nullifiers WHERE state = 'queued')
                     WHERE nullifier = ?1 AND state = 'reserved'",
                    params![&nullifier[..]],
                )
                .map_err(sql_error)?;
            if changed == 1 {
                tx.commit().map_err(sql_error)?;
                return Ok(State::Queued);
            }
            read_state(&tx, &nullifier)?
                .ok_or_else(|| StoreError::WrongState("cannot enqueue an unknown nullifier".into()))
        })
        .await
    }

    async fn claim(&self, limit: usize, now: u64, lease_secs: u64) -> Result<Vec<Entry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.with_conn(move |conn| {
            let tx = immediate(conn)?;
            let mut claimed = {
                let mut stmt = tx
                    .prepare(
                        "UPDATE zk402_nullifiers SET lease_until = ?2 WHERE nullifier IN
                           (SELECT nullifier FROM zk402_nullifiers WHERE state = 'queued' AND lease_until <= ?1
                            ORDER BY enqueued_seq LIMIT ?3)
                         RETURNING enqueued_seq, nullifier, policy, proof, proof_now, request_hash, deadline",
                    )
                    .map_err(sql_error)?;
                let rows = stmt
                    .query_map(
                        params![
                            sql_time(now),
                            sql_time(now.saturating_add(lease_secs)),
                            i64::try_from(limit).unwrap_or(i64::MAX)
                        ],
                        |row| {
                            Ok((
                                row.get::<_, i64>(0)?,
                                codec::entry(
                                    &row.get::<_, Vec<u8>>(1)?,
                                    &row.get::<_, Vec<u8>>(2)?,
                                    &row.get::<_, Vec<u8>>(3)?,
                                    row.get(4)?,
                                    &row.get::<_, Vec<u8>>(5)?,
                                    row.get(6)?,
                                ),
                            ))
                        },
                    )
                    .map_err(sql_error)?;
                let mut claimed = Vec::new();
                for row in rows {
                    let (seq, entry) = row.map_err(sql_error)?;
                    claimed.push((seq, entry?));
                }
                claimed
            };
            // Only a claim whose every entry decodes takes its leases.
            tx.commit().map_err(sql_error)?;
            claimed.sort_by_key(|(seq, _)| *seq);
            Ok(claimed.into_iter().map(|(_, entry)| entry).collect())
        })
        .await
    }

    async fn settled(&self, nullifier: &[u8; 32], transaction: &str) -> Result<(), StoreError> {
        let (nullifier, transaction) = (*nullifier, transaction.to_owned());
        self.with_conn(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE zk402_nullifiers SET state = 'settled', tx_signature = ?2
                     WHERE nullifier = ?1 AND (state = 'queued' OR (state = 'settled' AND tx_signature = ?2))",
                    params![&nullifier[..], transaction],
                )
                .map_err(sql_error)?;
            if changed == 1 { Ok(()) } else { Err(refusal(conn, &nullifier, "settle")) }
        })
        .await
    }

    async fn failed(&self, nullifier: &[u8; 32], reason: &str) -> Result<(), StoreError> {
        let (nullifier, reason) = (*nullifier, reason.to_owned());
        self.with_conn(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE zk402_nullifiers SET state = 'failed', reason = ?2
                     WHERE nullifier = ?1 AND (state = 'queued' OR (state = 'failed' AND reason = ?2))",
                    params![&nullifier[..], reason],
                )
                .map_err(sql_error)?;
            if changed == 1 { Ok(()) } else { Err(refusal(conn, &nullifier, "fail")) }
        })
        .await
    }

    async fn release(&self, nullifier: &[u8; 32]) -> Result<(), StoreError> {
        let nullifier = *nullifier;
        self.with_conn(move |conn| {
            let changed = conn
                .execute(
                    "DELETE FROM zk402_nullifiers WHERE nullifier = ?1 AND state IN ('reserved', 'queued')",
                    params![&nullifier[..]],
                )
                .map_err(sql_error)?;
            if changed == 1 { Ok(()) } else { Err(refusal(conn, &nullifier, "release")) }
        })
        .await
    }

    async fn state(&self, nullifier: &[u8; 32]) -> Result<Option<State>, StoreError> {
        let nullifier = *nullifier;
        self.with_conn(move |conn| read_state(conn, &nullifier)).await
    }

    async fn request_hash(&self, nullifier: &[u8; 32]) -> Result<Option<[u8; 32]>, StoreError> {
        let nullifier = *nullifier;
        self.with_conn(move |conn| {
            conn.query_row(
                "SELECT request_hash FROM zk402_nullifiers WHERE nullifier = ?1",
                params![&nullifier[..]],
                |row| row.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map_err(sql_error)?
            .map(|hash| codec::request_hash(&hash))
            .transpose()
        })
        .await
    }

    async fn depth(&self) -> Result<Depth, StoreError> {
        self.with_conn(|conn| {
            let counts = conn
                .query_row(codec::DEPTH, [], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
                })
                .map_err(sql_error)?;
            codec::depth(counts)
        })
        .await
    }

    async fn purge(&self, now: u64) -> Result<u64, StoreError> {
        self.with_conn(move |conn| {
            let deleted = conn
                .execute(
                    "DELETE FROM zk402_nullifiers
                     WHERE (state = 'reserved' AND deadline < ?1) OR (state = 'settled' AND deadline < ?2)",
                    params![sql_time(now), sql_time(codec::settled_horizon(now))],
                )
                .map_err(sql_error)?;
            Ok(deleted as u64)
        })
        .await
    }
}
