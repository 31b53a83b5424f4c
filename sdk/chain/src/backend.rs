//! The chain-access interface every zk402 component uses, whatever the backend.
//!
//! Two backends implement [`Chain`]: JSON-RPC (one endpoint, or an ordered list with retries,
//! backoff, a circuit breaker per endpoint and fallback) for real clusters, and the in-process
//! Solana runtime for the embedded default and the tests. Code above this trait is the same for
//! both.

use anchor_lang::prelude::Pubkey;
use solana_hash::Hash;
use solana_message::v0::LoadedAddresses;
use solana_signature::Signature;
use solana_transaction::CompiledInstruction;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use std::future::Future;

/// An account as the chain stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Balance in lamports.
    pub lamports: u64,
    /// The program that owns the account.
    pub owner: Pubkey,
    /// The account's data.
    pub data: Vec<u8>,
    /// Whether the account is a program.
    pub executable: bool,
}

/// A transaction the cluster has confirmed (executed in a block), successful or not: legacy or
/// versioned (v0, with the addresses its lookup tables loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedTransaction {
    /// Its first signature.
    pub signature: Signature,
    /// The slot it executed in.
    pub slot: u64,
    /// The block's unix time, when the cluster knows it.
    pub block_time: Option<i64>,
    /// `None` when it succeeded, else why it failed.
    pub error: Option<TransactionError>,
    /// The program log lines (`Program log: …`, `Program data: …`, …).
    pub logs: Vec<String>,
    transaction: VersionedTransaction,
    loaded_addresses: LoadedAddresses,
    /// Static keys, then loaded writable, then loaded readonly: the order instructions index.
    account_keys: Vec<Pubkey>,
}

impl ConfirmedTransaction {
    /// The executed `transaction` with the addresses its lookup tables loaded (empty for a
    /// legacy one), as the cluster reports them. Refused when it has no signature or the
    /// loaded addresses do not match its lookups one for one.
    pub fn new(
        transaction: VersionedTransaction,
        loaded_addresses: LoadedAddresses,
        slot: u64,
        block_time: Option<i64>,
        error: Option<TransactionError>,
        logs: Vec<String>,
    ) -> Result<ConfirmedTransaction, ChainError> {
        let signature = transaction
            .signatures
            .first()
            .copied()
            .ok_or_else(|| ChainError::Decode("transaction has no signature".to_owned()))?;
        let lookups = transaction.message.address_table_lookups().unwrap_or_default();
        let writable: usize = lookups.iter().map(|l| l.writable_indexes.len()).sum();
        let readonly: usize = lookups.iter().map(|l| l.readonly_indexes.len()).sum();
        if (writable, readonly) != (loaded_addresses.writable.len(), loaded_addresses.readonly.len()) {
            return Err(ChainError::Decode(format!(
                "transaction {signature} looks up {writable} writable and {readonly} readonly addresses, \
                 but {} and {} were reported loaded",
                loaded_addresses.writable.len(),
                loaded_addresses.readonly.len()
            )));
        }
        let account_keys = transaction
            .message
            .static_account_keys()
            .iter()
            .chain(&loaded_addresses.writable)
            .chain(&loaded_addresses.readonly)
            .copied()
            .collect();
        Ok(ConfirmedTransaction {
            signature,
            slot,
            block_time,
            error,
            logs,
            transaction,
            loaded_addresses,
            account_keys,
        })
    }

    /// The transaction as executed.
    pub fn transaction(&self) -> &VersionedTransaction {
        &self.transaction
    }

    /// The addresses its lookup tables loaded (empty for a legacy transaction).
    pub fn loaded_addresses(&self) -> &LoadedAddresses {
        &self.loaded_addresses
    }

    /// The account keys its instructions index into, in index order: the message's static
    /// keys, then the loaded writable addresses, then the loaded readonly ones.
    pub fn account_keys(&self) -> &[Pubkey] {
        &self.account_keys
    }

    /// Its top-level instructions.
    pub fn instructions(&self) -> &[CompiledInstruction] {
        self.transaction.message.instructions()
    }
}

/// A transaction that named an address among its account keys, as
/// [`Chain::signatures_for_address`] lists it (`getSignaturesForAddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInfo {
    /// Its first signature.
    pub signature: Signature,
    /// The slot it executed in.
    pub slot: u64,
    /// The block's unix time, when the cluster knows it.
    pub block_time: Option<i64>,
    /// `None` when it succeeded, else why it failed.
    pub error: Option<TransactionError>,
}

/// The most entries one [`Chain::signatures_for_address`] call returns (a node's limit).
pub const MAX_SIGNATURES_PER_PAGE: usize = 1000;

/// How settled a transaction must be for [`Chain::transaction`] to return it: the RPC
/// commitment of the read (`processed` is not offered: `getTransaction` refuses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finality {
    /// Optimistically confirmed: voted on by a supermajority of stake. A confirmed block has
    /// never been rolled back on mainnet, but nothing in the protocol forbids it.
    Confirmed,
    /// Finalized (rooted): a supermajority has voted on it at maximum lockout; it cannot be
    /// rolled back. About 13 s (32 slots) later than `Confirmed`.
    Finalized,
}

/// Why a chain call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The endpoint could not be reached or answered garbage: worth retrying elsewhere.
    #[error("RPC transport error at {endpoint}: {message}")]
    Transport {
        /// The endpoint (URL, or "local").
        endpoint: String,
        /// What went wrong.
        message: String,
    },
    /// The endpoint answered with a JSON-RPC error that is not about the transaction.
    #[error("RPC error {code} at {endpoint}: {message}")]
    Rpc {
        /// The endpoint.
        endpoint: String,
        /// JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The cluster refused the transaction (preflight or execution failed); retrying the same
    /// transaction cannot help.
    #[error("transaction rejected: {error}")]
    Rejected {
        /// The runtime's error.
        error: TransactionError,
        /// The program logs of the failed simulation or execution.
        logs: Vec<String>,
    },
    /// Every endpoint failed or has its circuit breaker open.
    #[error("no RPC endpoint available: {0}")]
    Unavailable(String),
    /// A transaction did not confirm in time.
    #[error("transaction {0} not confirmed in time")]
    Timeout(Signature),
    /// Data from the chain did not decode as expected.
    #[error("unexpected data from the chain: {0}")]
    Decode(String),
}

impl ChainError {
    /// Whether another attempt (later, or at another endpoint) may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, ChainError::Transport { .. } | ChainError::Rpc { .. } | ChainError::Unavailable(_))
    }
}

/// Read and write access to a Solana cluster. Implementations are cheap to clone or share
/// behind an `Arc`; every method is safe to call concurrently.
pub trait Chain: Send + Sync {
    /// A recent blockhash for new transactions.
    fn latest_blockhash(&self) -> impl Future<Output = Result<Hash, ChainError>> + Send;

    /// Submits a signed transaction, legacy or versioned (a legacy [`Transaction`] converts
    /// with `.into()`), and returns its signature without waiting for it to confirm. A
    /// transaction that fails preflight comes back as [`ChainError::Rejected`].
    ///
    /// [`Transaction`]: solana_transaction::Transaction
    fn send_transaction(
        &self,
        transaction: &VersionedTransaction,
    ) -> impl Future<Output = Result<Signature, ChainError>> + Send;

    /// An executed transaction by signature, once it has reached `finality`; `None` while the
    /// cluster does not know it at that level (yet).
    fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> impl Future<Output = Result<Option<ConfirmedTransaction>, ChainError>> + Send;

    /// An account; `None` when it does not exist.
    fn account(&self, address: &Pubkey) -> impl Future<Output = Result<Option<Account>, ChainError>> + Send;

    /// The cluster's unix time (its Clock sysvar), seconds.
    fn unix_time(&self) -> impl Future<Output = Result<i64, ChainError>> + Send;

    /// Confirmed transactions (successful or failed) that named `address` among their account
    /// keys (lookup-table addresses included), newest first: at most `limit` of them, clamped
    /// to 1..=[`MAX_SIGNATURES_PER_PAGE`], starting after `before` when given (nothing when
    /// the cluster does not know `before`). Page with the last signature of the previous page.
    ///
    /// The default answers that the backend does not serve the listing, as a node without the
    /// method would: every backend of this crate overrides it; wrappers must forward it.
    fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<SignatureInfo>, ChainError>> + Send {
        let _ = (address, before, limit);
        std::future::ready(Err(ChainError::Rpc {
            endpoint: std::any::type_name::<Self>().to_owned(),
            code: crate::rpc::wire::code::METHOD_NOT_FOUND,
            message: "this backend does not list transactions by address".to_owned(),
        }))
    }
}

/// A shared backend is a backend: services hold one `Arc` and hand out clones.
impl<C: Chain + ?Sized> Chain for std::sync::Arc<C> {
    fn latest_blockhash(&self) -> impl Future<Output = Result<Hash, ChainError>> + Send {
        (**self).latest_blockhash()
    }

    fn send_transaction(
        &self,
        transaction: &VersionedTransaction,
    ) -> impl Future<Output = Result<Signature, ChainError>> + Send {
        (**self).send_transaction(transaction)
    }

    fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> impl Future<Output = Result<Option<ConfirmedTransaction>, ChainError>> + Send {
        (**self).transaction(signature, finality)
    }

    fn account(&self, address: &Pubkey) -> impl Future<Output = Result<Option<Account>, ChainError>> + Send {
        (**self).account(address)
    }

    fn unix_time(&self) -> impl Future<Output = Result<i64, ChainError>> + Send {
        (**self).unix_time()
    }

    fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<SignatureInfo>, ChainError>> + Send {
        (**self).signatures_for_address(address, before, limit)
    }
}
