//! The issuer's durable record of the transfers it has signed receipts for: one receipt per
//! payment transaction, ever. A retry with the same commitment gets the same receipt back (the
//! signature is deterministic), so a lost response loses nothing; another commitment is refused.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;
use zk402_circuit::Fr;
use zk402_circuit::field::{fr_from_be_bytes, fr_to_be_bytes};

/// Why the ledger refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The transfer already backs a receipt for another commitment.
    #[error("a receipt was already issued for this transfer")]
    AlreadyIssued,
    /// The database failed.
    #[error("issuer ledger: {0}")]
    Store(String),
}

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        LedgerError::Store(e.to_string())
    }
}

/// The SQLite ledger of issued receipts.
pub struct Ledger {
    connection: Mutex<Connection>,
}

impl Ledger {
    /// Opens (or creates) the ledger at `path`; `:memory:` for a throwaway one.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS issued_receipts (
                 transfer   TEXT PRIMARY KEY,
                 commitment BLOB NOT NULL,
                 amount     INTEGER NOT NULL,
                 paid_at    INTEGER NOT NULL
             );",
        )?;
        Ok(Ledger { connection: Mutex::new(connection) })
    }

    /// Records that `transfer` backs the receipt for `commitment`. Ok when this is the first
    /// record or a retry with the same commitment; [`LedgerError::AlreadyIssued`] otherwise.
    pub fn claim(&self, transfer: &str, commitment: &Fr, amount: u64, paid_at: u64) -> Result<(), LedgerError> {
        let connection = self.connection.lock().map_err(|_| LedgerError::Store("ledger lock poisoned".into()))?;
        let commitment_bytes = fr_to_be_bytes(commitment);
        let inserted = connection.execute(
            "INSERT INTO issued_receipts (transfer, commitment, amount, paid_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (transfer) DO NOTHING",
            params![transfer, commitment_bytes.as_slice(), amount as i64, paid_at as i64],
        )?;
        if inserted == 1 {
            return Ok(());
        }
        let existing: Option<Vec<u8>> = connection
            .query_row("SELECT commitment FROM issued_receipts WHERE transfer = ?1", params![transfer], |row| {
                row.get(0)
            })
            .optional()?;
        let same = existing
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .and_then(|bytes| fr_from_be_bytes(&bytes).ok())
            .is_some_and(|stored| stored == *commitment);
        if same { Ok(()) } else { Err(LedgerError::AlreadyIssued) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_commitment_per_transfer_and_idempotent_retries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("issuer.sqlite");
        let ledger = Ledger::open(&path).unwrap();
        let (a, b) = (Fr::from(7u64), Fr::from(8u64));
        ledger.claim("sig1", &a, 10, 20).unwrap();
        ledger.claim("sig1", &a, 10, 20).unwrap();
        assert!(matches!(ledger.claim("sig1", &b, 10, 20), Err(LedgerError::AlreadyIssued)));
        ledger.claim("sig2", &b, 10, 20).unwrap();
        drop(ledger);
        let reopened = Ledger::open(&path).unwrap();
        assert!(matches!(reopened.claim("sig1", &b, 10, 20), Err(LedgerError::AlreadyIssued)));
        reopened.claim("sig1", &a, 10, 20).unwrap();
    }
}
