//! The shared store for several facilitator instances on PostgreSQL: one row per nullifier in
//! `zk402_nullifiers` (created if missing), the enqueue order from a sequence. Every transition
//! is one conditional statement or one transaction; `claim` takes rows with
//! `FOR UPDATE SKIP LOCKED`, so instances never claim the same lapsed entry twice.
//!
//! The connection is plain TCP (`NoTls`): run the database on loopback or a private network.
//! A connection string asking for TLS (`sslmode=require`) is refused rather than downgraded;
//! TLS to a remote database is a deployment concern (a local TLS-terminating proxy). Each
//! store handle holds one connection, re-made after it drops; the server bounds every
//! statement and lock wait by [`STATEMENT_TIMEOUT`].

use super::codec::{self, sql_time};
use super::{Depth, Entry, NullifierStore, Reservation, State, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, Config, GenericClient, NoTls, Row};

/// How long connecting may take when the connection string does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's bound on each statement and each lock wait.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// Serializes schema creation across instances starting together (an arbitrary key: "zk402").
const SCHEMA_LOCK: i64 = 0x7a6b343032;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS zk402_nullifiers (
    nullifier bytea PRIMARY KEY,
    policy bytea NOT NULL,
    proof bytea NOT NULL,
    proof_now bigint NOT NULL,
    request_hash bytea NOT NULL,
    deadline bigint NOT NULL,
    reserved_at bigint NOT NULL,
    state text NOT NULL,
    enqueued_seq bigint,
    lease_until bigint NOT NULL DEFAULT 0,
    tx_signature text,
    reason text
);
CREATE SEQUENCE IF NOT EXISTS zk402_nullifiers_enqueued;
CREATE INDEX IF NOT EXISTS zk402_nullifiers_queue ON zk402_nullifiers (enqueued_seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS zk402_nullifiers_deadline ON zk402_nullifiers (state, deadline);
";

/// How often `reserve` retries when the row it collided with is released before it can read it.
const RESERVE_ATTEMPTS: usize = 3;

/// Nullifiers in a PostgreSQL database shared by facilitator instances.
#[derive(Clone)]
pub struct PostgresStore {
    config: Arc<Config>,
    client: Arc<Mutex<Option<Client>>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database named by `conn_str` (`host=… user=… dbname=…` or
    /// `postgresql://…`) and creates the table if it is missing.
    pub async fn connect(conn_str: &str) -> Result<PostgresStore, StoreError> {
        let mut config: Config =
            conn_str.parse().map_err(|e| StoreError::Unavailable(format!("bad PostgreSQL connection string: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let client = open(&config).await?;
        client
            .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {SCHEMA} COMMIT;"))
            .await
            .map_err(unavailable)?;
        Ok(PostgresStore { config: Arc::new(config), client: Arc::new(Mutex::new(Some(client))) })
    }

    /// This handle's connection, re-made if it dropped.
    async fn client(&self) -> Result<MappedMutexGuard<'_, Client>, StoreError> {
        let mut slot = self.client.lock().await;
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = Some(open(&self.config).await?);
        }
        MutexGuard::try_map(slot, Option::as_mut).map_err(|_| StoreError::Unavailable("no connection".into()))
    }
}

async fn open(config: &Config) -> Result<Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await.map_err(unavailable)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "PostgreSQL nullifier store connection ended");
        }
    });
    let ms = STATEMENT_TIMEOUT.as_millis();
    client
        .batch_execute(&format!("SET statement_timeout = {ms}; SET lock_timeout = {ms};"))
        .await
        .map_err(unavailable)?;
    Ok(client)
}

fn unavailable(e: tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Column `i` of `row`; a value of another type is data this code did not write.
fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, StoreError> {
    row.try_get(i).map_err(|e| StoreError::Corrupt(e.to_string()))
}

async fn read_state(
    client: &impl GenericClient,
    nullifier: &[u8; 32],
    lock: &str,
) -> Result<Option<State>, StoreError> {
    let query = format!("SELECT state, tx_signature, reason FROM zk402_nullifiers WHERE nullifier = $1 {lock}");
    let Some(row) = client.query_opt(&query, &[&&nullifier[..]]).await.map_err(unavailable)? else {
        return Ok(None);
    };
    let detail: Option<String> = get(&row, 1)?;
    codec::state(&get::<String>(&row, 0)?, detail.or(get(&row, 2)?)).map(Some)
}

/// The refusal of `action` on `nullifier`, naming the state it is in.
async fn refusal(client: &Client, nullifier: &[u8; 32], action: &str) -> StoreError {
    match read_state(client, nullifier, "").await {
        Ok(state) => StoreError::WrongState(format!("cannot {action} a nullifier in state {state:?}")),
        Err(e) => e,
    }
}

impl NullifierStore for PostgresStore {
    async fn reserve(&self, entry: &Entry, now: u64) -> Result<Reservation, StoreError> {
        let client = self.client().await?;
        for _ in 0..RESERVE_ATTEMPTS {
            let inserted = client
                .execute(
                    "INSERT INTO zk402_nullifiers
                       (nullifier, policy, proof, proof_now, request_hash, deadline, reserved_at, state)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'reserved')
                     ON CONFLICT (nullifier) DO NOTHING",
                    &[
                        &&entry.nullifier[..],
                        &&entry.policy[..],
                        &&entry.proof[..],
                        &entry.now,
                        &&entry.request_hash[..],
                        &sql_time(entry.deadline),
                        &sql_time(now),
                    ],
                )
                .await
                .map_err(unavailable)?;
            if inserted == 1 {
                return Ok(Reservation::Reserved);
            }
            // Taken, unless it was released between the two statements: then try again.
            if let Some(state) = read_state(&*client, &entry.nullifier, "").await? {
                return Ok(Reservation::Taken(state));
            }
        }
        Err(StoreError::Unavailable("reservation kept colliding with releases".into()))
    }

    async fn enqueue(&self, nullifier: &[u8; 32]) -> Result<State, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        match read_state(&tx, nullifier, "FOR UPDATE").await? {
            None => Err(StoreError::WrongState("cannot enqueue an unknown nullifier".into())),
            Some(State::Reserved) => {
                tx.execute(
                    "UPDATE zk402_nullifiers
                     SET state = 'queued', lease_until = 0, enqueued_seq = nextval('zk402_nullifiers_enqueued')
                     WHERE nullifier = $1",
                    &[&&nullifier[..]],
                )
                .await
                .map_err(unavailable)?;
                tx.commit().await.map_err(unavailable)?;
                Ok(State::Queued)
            }
            Some(state) => Ok(state),
        }
    }

    async fn claim(&self, limit: usize, now: u64, lease_secs: u64) -> Result<Vec<Entry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        let rows = tx
            .query(
                "WITH picked AS (
                   SELECT nullifier FROM zk402_nullifiers
                   WHERE state = 'queued' AND lease_until <= $1
                   ORDER BY enqueued_seq LIMIT $3
                   FOR UPDATE SKIP LOCKED)
                 UPDATE zk402_nullifiers n SET lease_until = $2 FROM picked
                 WHERE n.nullifier = picked.nullifier
                 RETURNING n.enqueued_seq, n.nullifier, n.policy, n.proof, n.proof_now, n.request_hash, n.deadline",
                &[&sql_time(now), &sql_time(now.saturating_add(lease_secs)), &i64::try_from(limit).unwrap_or(i64::MAX)],
            )
            .await
            .map_err(unavailable)?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                let entry =
                    codec::entry(get(row, 1)?, get(row, 2)?, get(row, 3)?, get(row, 4)?, get(row, 5)?, get(row, 6)?)?;
                Ok((get::<Option<i64>>(row, 0)?, entry))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // Only a claim whose every entry decodes takes its leases.
        tx.commit().await.map_err(unavailable)?;
        claimed.sort_by_key(|(seq, _)| *seq);
        Ok(claimed.into_iter().map(|(_, entry)| entry).collect())
    }

    async fn settled(&self, nullifier: &[u8; 32], transaction: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE zk402_nullifiers SET state = 'settled', tx_signature = $2
                 WHERE nullifier = $1 AND (state = 'queued' OR (state = 'settled' AND tx_signature = $2))",
                &[&&nullifier[..], &transaction],
            )
            .await
            .map_err(unavailable)?;
        if changed == 1 { Ok(()) } else { Err(refusal(&client, nullifier, "settle").await) }
    }

    async fn failed(&self, nullifier: &[u8; 32], reason: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE zk402_nullifiers SET state = 'failed', reason = $2
                 WHERE nullifier = $1 AND (state = 'queued' OR (state = 'failed' AND reason = $2))",
                &[&&nullifier[..], &reason],
            )
            .await
            .map_err(unavailable)?;
        if changed == 1 { Ok(()) } else { Err(refusal(&client, nullifier, "fail").await) }
    }

    async fn release(&self, nullifier: &[u8; 32]) -> Result<(), StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "DELETE FROM zk402_nullifiers WHERE nullifier = $1 AND state IN ('reserved', 'queued')",
                &[&&nullifier[..]],
            )
            .await
            .map_err(unavailable)?;
        if changed == 1 { Ok(()) } else { Err(refusal(&client, nullifier, "release").await) }
    }

    async fn state(&self, nullifier: &[u8; 32]) -> Result<Option<State>, StoreError> {
        read_state(&*self.client().await?, nullifier, "").await
    }

    async fn request_hash(&self, nullifier: &[u8; 32]) -> Result<Option<[u8; 32]>, StoreError> {
        let query = "SELECT request_hash FROM zk402_nullifiers WHERE nullifier = $1";
        let row = self.client().await?.query_opt(query, &[&&nullifier[..]]).await.map_err(unavailable)?;
        row.map(|row| codec::request_hash(&get::<Vec<u8>>(&row, 0)?)).transpose()
    }

    async fn depth(&self) -> Result<Depth, StoreError> {
        let row = self.client().await?.query_one(codec::DEPTH, &[]).await.map_err(unavailable)?;
        codec::depth((get(&row, 0)?, get(&row, 1)?, get(&row, 2)?))
    }

    async fn purge(&self, now: u64) -> Result<u64, StoreError> {
        self.client()
            .await?
            .execute(
                "DELETE FROM zk402_nullifiers
                 WHERE (state = 'reserved' AND deadline < $1) OR (state = 'settled' AND deadline < $2)",
                &[&sql_time(now), &sql_time(codec::settled_horizon(now))],
            )
            .await
            .map_err(unavailable)
    }
}
