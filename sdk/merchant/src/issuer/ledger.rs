//! The issuer's durable record of every payment transaction it has read: the receipt each
//! payment earns (one per payment, for the commitment its memo names) and the final refusal of
//! each transaction that earns none. Both are facts about a finalized transaction, so they never
//! change: a request about a recorded transaction is answered from here, without the chain.
//!
//! Size: one row per transaction someone asked about that exists on chain, each paid for by that
//! transaction's fee.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;
use zk402_chain::payment::{Payment, TransferError};
use zk402_circuit::field::{fr_from_be_bytes, fr_to_be_bytes};

/// The database failed.
#[derive(Debug, thiserror::Error)]
#[error("issuer ledger: {0}")]
pub struct LedgerError(String);

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        LedgerError(e.to_string())
    }
}

/// What the ledger holds about a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// It is a payment to the merchant: its receipt attests this.
    Paid(Payment),
    /// It is refused for good.
    Refused(TransferError),
}

/// The SQLite ledger of issued receipts and refused transactions.
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
             );
             CREATE TABLE IF NOT EXISTS refused_transfers (
                 transfer TEXT PRIMARY KEY,
                 code     TEXT NOT NULL
             );",
        )?;
        Ok(Ledger { connection: Mutex::new(connection) })
    }

    /// What is recorded about `transfer` (a base58 transaction signature), if anything. A row
    /// this version cannot read (a refusal code it does not know) counts as nothing recorded.
    pub fn lookup(&self, transfer: &str) -> Result<Option<Recorded>, LedgerError> {
        let connection = self.lock()?;
        if let Some(payment) = paid(&connection, transfer)? {
            return Ok(Some(Recorded::Paid(payment)));
        }
        let code: Option<String> = connection
            .query_row("SELECT code FROM refused_transfers WHERE transfer = ?1", params![transfer], |row| row.get(0))
            .optional()?;
        Ok(code.as_deref().and_then(TransferError::from_code).map(Recorded::Refused))
    }

    /// Records the payment `transfer` made and returns the one recorded: the first record stands
    /// (a finalized transaction is always read as the same payment).
    pub fn record_paid(&self, transfer: &str, payment: &Payment) -> Result<Payment, LedgerError> {
        let connection = self.lock()?;
        connection.execute(
            "INSERT INTO issued_receipts (transfer, commitment, amount, paid_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (transfer) DO NOTHING",
            params![
                transfer,
                fr_to_be_bytes(&payment.commitment).as_slice(),
                payment.amount as i64,
                payment.paid_at as i64
            ],
        )?;
        paid(&connection, transfer)?.ok_or_else(|| LedgerError("a recorded payment vanished".into()))
    }

    /// Records that `transfer` is refused for good with `refusal` (one of
    /// [`TransferError::FINAL`]; anything else is not recorded).
    pub fn record_refused(&self, transfer: &str, refusal: &TransferError) -> Result<(), LedgerError> {
        if !refusal.is_final() {
            return Ok(());
        }
        self.lock()?.execute(
            "INSERT INTO refused_transfers (transfer, code) VALUES (?1, ?2) ON CONFLICT (transfer) DO NOTHING",
            params![transfer, refusal.code()],
        )?;
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, LedgerError> {
        self.connection.lock().map_err(|_| LedgerError("ledger lock poisoned".into()))
    }
}

fn paid(connection: &Connection, transfer: &str) -> Result<Option<Payment>, LedgerError> {
    let row: Option<(Vec<u8>, i64, i64)> = connection
        .query_row(
            "SELECT commitment, amount, paid_at FROM issued_receipts WHERE transfer = ?1",
            params![transfer],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((commitment, amount, paid_at)) = row else { return Ok(None) };
    let corrupt = || LedgerError(format!("corrupt payment record for {transfer}"));
    let commitment = <[u8; 32]>::try_from(commitment).map_err(|_| corrupt())?;
    Ok(Some(Payment {
        commitment: fr_from_be_bytes(&commitment).map_err(|_| corrupt())?,
        amount: u64::try_from(amount).map_err(|_| corrupt())?,
        paid_at: u64::try_from(paid_at).map_err(|_| corrupt())?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk402_circuit::Fr;

    #[test]
    fn the_first_record_stands_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("issuer.sqlite");
        let ledger = Ledger::open(&path).unwrap();
        let a = Payment { commitment: Fr::from(7u64), amount: 10, paid_at: 20 };
        let b = Payment { commitment: Fr::from(8u64), ..a };
        assert_eq!(ledger.lookup("sig1").unwrap(), None);
        assert_eq!(ledger.record_paid("sig1", &a).unwrap(), a);
        assert_eq!(ledger.record_paid("sig1", &b).unwrap(), a, "a second record changes nothing");
        ledger.record_refused("sig2", &TransferError::NoMemo).unwrap();
        ledger.record_refused("sig3", &TransferError::NoBlockTime).unwrap();
        drop(ledger);
        let reopened = Ledger::open(&path).unwrap();
        assert_eq!(reopened.lookup("sig1").unwrap(), Some(Recorded::Paid(a)));
        assert_eq!(reopened.lookup("sig2").unwrap(), Some(Recorded::Refused(TransferError::NoMemo)));
        assert_eq!(reopened.lookup("sig3").unwrap(), None, "a refusal that depends on the node is not final");
    }

    #[test]
    fn every_final_refusal_round_trips_through_its_code() {
        for refusal in TransferError::FINAL {
            assert_eq!(TransferError::from_code(refusal.code()), Some(refusal.clone()));
        }
        assert_eq!(TransferError::from_code("no_block_time"), None);
        assert_eq!(TransferError::from_code("unavailable"), None);
    }
}
