//! The in-process Solana runtime backend: a real bank (solana-program-test) with the system
//! program, program-test's built-in SPL programs (SPL Token and the associated token account
//! program as real BPF) and the zk402 program as a native builtin. It is the embedded default
//! of the CLI demo and the cluster of the tests; nothing is mocked below the [`Chain`] trait.
//!
//! Start it inside the tokio runtime that uses it: program-test runs its bank server and its
//! blockhash ticker as tasks of that runtime.
//!
//! Versioned transactions: v0 transactions execute like on a cluster, loading accounts through
//! address lookup tables ([`LocalChain::create_lookup_table`] writes one into the bank); the
//! ledger records the addresses each one loaded, as a node's
//! transaction metadata does.
//!
//! Logs: a transaction's logs hold the runtime's lines (`Program … invoke [1]`, `… success`,
//! `… failed: custom program error: 0x…`) and the program's events (`Program log: Program data:
//! …`); the native program's `msg!` text goes to the process's stdout instead (solana-msg
//! prints directly off chain), so error names appear there, error codes in the result.
//!
//! Finality: a transaction is [`Finality::Confirmed`] once it has executed (the runtime is one
//! validator holding all stake, so its own vote is a supermajority) and [`Finality::Finalized`]
//! once its slot is at or below the bank's root slot as the banks server reports it
//! (`get_root_slot`, the slot a node's `finalized` commitment reads). program-test keeps that
//! root at the working slot (its commitment cache has every level at the working bank, also
//! after a warp), so here the two levels coincide; the check is the one a node makes.

mod native;
mod slots;
mod stubs;
mod tables;
mod tokens;

use crate::backend::{
    Account, Chain, ChainError, ConfirmedTransaction, Finality, MAX_SIGNATURES_PER_PAGE, SignatureInfo,
};
use crate::submit::{ConfirmOptions, submit_and_confirm};
use anchor_lang::prelude::{Clock, Pubkey};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::v0::LoadedAddresses;
use solana_program_test::{BanksClient, ProgramTestContext};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// The endpoint name in this backend's errors.
const ENDPOINT: &str = "local";

/// Longest wait for the bank to register a blockhash other than the last one handed out
/// (program-test registers one every 6.4 ms).
const FRESH_BLOCKHASH_WAIT: Duration = Duration::from_secs(5);

/// Starts a bare program-test cluster in the current tokio runtime: the zk402 program as a
/// native builtin beside program-test's built-in programs, and the host syscall stubs forwarded
/// to both solana-sysvar majors (without them the program's `init` CPI silently does nothing).
/// This is the cluster under [`LocalChain`]; the program's own tests drive its context directly
/// (setting sysvars, reading accounts through the banks client).
pub async fn start_program_test() -> ProgramTestContext {
    let context = native::program_test().start_with_context().await;
    stubs::install();
    context
}

/// An in-process cluster. Cheap to clone; clones share the cluster and may be used from
/// several tasks at once.
#[derive(Clone)]
pub struct LocalChain {
    shared: Arc<Shared>,
}

struct Shared {
    /// The program-test context; locked while a transaction executes or a sysvar is changed,
    /// so each transaction sees one Clock and its recorded block time is that Clock's.
    context: Mutex<ProgramTestContext>,
    /// A client of the bank server for reads (clones share one connection).
    banks: BanksClient,
    /// The genesis mint keypair, funded with 1,000,000 SOL at genesis.
    payer: Keypair,
    /// The genesis config's hash: the cluster's identity.
    genesis_hash: Hash,
    /// The last blockhash [`Chain::latest_blockhash`] handed out.
    last_blockhash: std::sync::Mutex<Hash>,
    /// Every executed transaction (successful or failed): this cluster's ledger, which is what
    /// a validator's `getTransaction` and `getSignaturesForAddress` read.
    ledger: std::sync::Mutex<Ledger>,
}

/// The executed transactions in execution order, indexed by signature.
#[derive(Default)]
struct Ledger {
    executed: Vec<ConfirmedTransaction>,
    by_signature: HashMap<Signature, usize>,
}

fn transport(message: impl std::fmt::Display) -> ChainError {
    ChainError::Transport { endpoint: ENDPOINT.to_string(), message: message.to_string() }
}

impl LocalChain {
    /// Starts a fresh cluster (genesis, bank server, blockhash ticker) in the current tokio
    /// runtime, with the zk402 program loaded.
    pub async fn start() -> LocalChain {
        let context = start_program_test().await;
        let shared = Shared {
            banks: context.banks_client.clone(),
            payer: context.payer.insecure_clone(),
            genesis_hash: context.genesis_config().hash(),
            last_blockhash: std::sync::Mutex::new(context.last_blockhash),
            ledger: std::sync::Mutex::new(Ledger::default()),
            context: Mutex::new(context),
        };
        LocalChain { shared: Arc::new(shared) }
    }

    /// The cluster's funded account (1,000,000 SOL at genesis), generated at start: it pays for
    /// demo and test setup (policies, airdrops, mints).
    pub fn payer(&self) -> Keypair {
        self.shared.payer.insecure_clone()
    }

    /// The genesis hash, the cluster's identity: CAIP-2 names a Solana network
    /// `solana:<first 32 characters of its base58 genesis hash>`.
    pub fn genesis_hash(&self) -> Hash {
        self.shared.genesis_hash
    }

    /// Sends `lamports` from [`payer`](Self::payer) to `address` (a system transfer, as a faucet
    /// does on a test cluster) and waits for it.
    pub async fn airdrop(&self, address: &Pubkey, lamports: u64) -> Result<Signature, ChainError> {
        let payer = &self.shared.payer;
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), address, lamports);
        let confirmed = submit_and_confirm(self, &[ix], payer, &[], ConfirmOptions::default()).await?;
        Ok(confirmed.signature)
    }

    /// Sets the Clock's unix time, so tests and demos can place proofs, receipts and record
    /// expiries at chosen times (a real cluster's clock only moves forward with its slots).
    pub async fn set_unix_time(&self, unix_timestamp: i64) -> Result<(), ChainError> {
        let context = self.shared.context.lock().await;
        let mut clock: Clock = self.shared.banks.get_sysvar().await.map_err(transport)?;
        clock.unix_timestamp = unix_timestamp;
        context.set_sysvar(&clock);
        Ok(())
    }

    async fn clock(&self) -> Result<Clock, ChainError> {
        self.shared.banks.get_sysvar().await.map_err(transport)
    }

    /// The addresses an executed v0 transaction's lookups loaded, read from its lookup tables
    /// (nothing for a legacy transaction). Tables only grow while in use, so what the indexes
    /// name now is what they named at execution.
    async fn loaded_addresses(&self, transaction: &VersionedTransaction) -> Result<LoadedAddresses, ChainError> {
        let mut loaded = LoadedAddresses::default();
        for lookup in transaction.message.address_table_lookups().unwrap_or_default() {
            let table = self.lookup_table(&lookup.account_key).await?;
            for (indexes, into) in
                [(&lookup.writable_indexes, &mut loaded.writable), (&lookup.readonly_indexes, &mut loaded.readonly)]
            {
                for &index in indexes {
                    let address = table.get(usize::from(index)).ok_or_else(|| {
                        ChainError::Decode(format!("lookup table {} has no index {index}", lookup.account_key))
                    })?;
                    into.push(*address);
                }
            }
        }
        Ok(loaded)
    }

    /// Every transaction this cluster executed (successful or failed), in execution order:
    /// what an audit of what the chain reveals reads.
    pub fn ledger(&self) -> Result<Vec<ConfirmedTransaction>, ChainError> {
        Ok(self.locked_ledger()?.executed.clone())
    }

    fn locked_ledger(&self) -> Result<std::sync::MutexGuard<'_, Ledger>, ChainError> {
        self.shared.ledger.lock().map_err(|_| transport("ledger lock poisoned"))
    }

    fn record(&self, confirmed: ConfirmedTransaction) -> Result<(), ChainError> {
        let mut ledger = self.locked_ledger()?;
        let position = ledger.executed.len();
        ledger.by_signature.insert(confirmed.signature, position);
        ledger.executed.push(confirmed);
        Ok(())
    }
}

impl Chain for LocalChain {
    /// A blockhash different from the previous call's, so that re-signing the same
    /// instructions gives a new transaction (the bank drops an identical one as a duplicate).
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        let deadline = tokio::time::Instant::now() + FRESH_BLOCKHASH_WAIT;
        loop {
            let hash = self.shared.banks.get_latest_blockhash().await.map_err(transport)?;
            {
                let mut last = self.shared.last_blockhash.lock().map_err(|_| transport("blockhash lock poisoned"))?;
                if *last != hash {
                    *last = hash;
                    return Ok(hash);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(transport("the bank registered no new blockhash"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Executes the transaction at once. Like a validator's preflight, a transaction that cannot
    /// execute or fails comes back as [`ChainError::Rejected`] with its logs; a failed one was
    /// still executed (fee charged) and is kept in the ledger, as on a real cluster, with the
    /// addresses its lookup tables loaded (read under the same lock, so as it executed).
    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        let signature = transaction.signatures.first().copied().unwrap_or_default();
        let _context = self.shared.context.lock().await;
        let clock = self.clock().await?;
        let outcome =
            self.shared.banks.process_transaction_with_metadata(transaction.clone()).await.map_err(transport)?;
        let Some(metadata) = outcome.metadata else {
            // Not executed (bad blockhash, duplicate, unfunded fee payer, …): nothing recorded.
            return Err(ChainError::Rejected {
                error: outcome.result.err().unwrap_or(solana_transaction_error::TransactionError::AlreadyProcessed),
                logs: Vec::new(),
            });
        };
        let error = outcome.result.err();
        let loaded = self.loaded_addresses(transaction).await?;
        self.record(ConfirmedTransaction::new(
            transaction.clone(),
            loaded,
            clock.slot,
            Some(clock.unix_timestamp),
            error.clone(),
            metadata.log_messages.clone(),
        )?)?;
        match error {
            None => Ok(signature),
            Some(error) => Err(ChainError::Rejected { error, logs: metadata.log_messages }),
        }
    }

    async fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> Result<Option<ConfirmedTransaction>, ChainError> {
        let recorded = {
            let ledger = self.locked_ledger()?;
            ledger.by_signature.get(signature).map(|&position| ledger.executed[position].clone())
        };
        let Some(recorded) = recorded else { return Ok(None) };
        match finality {
            Finality::Confirmed => Ok(Some(recorded)),
            Finality::Finalized => {
                let root = self.shared.banks.get_root_slot().await.map_err(transport)?;
                Ok((recorded.slot <= root).then_some(recorded))
            }
        }
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        let account = self.shared.banks.get_account(*address).await.map_err(transport)?;
        Ok(account.map(|a| Account { lamports: a.lamports, owner: a.owner, data: a.data, executable: a.executable }))
    }

    async fn unix_time(&self) -> Result<i64, ChainError> {
        Ok(self.clock().await?.unix_timestamp)
    }

    /// Reads the ledger newest first (execution order: one validator, no forks).
    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        let ledger = self.locked_ledger()?;
        let end = match before {
            None => ledger.executed.len(),
            Some(before) => match ledger.by_signature.get(&before) {
                Some(&position) => position,
                None => return Ok(Vec::new()),
            },
        };
        Ok(ledger.executed[..end]
            .iter()
            .rev()
            .filter(|tx| tx.account_keys().contains(address))
            .take(limit.clamp(1, MAX_SIGNATURES_PER_PAGE))
            .map(|tx| SignatureInfo {
                signature: tx.signature,
                slot: tx.slot,
                block_time: tx.block_time,
                error: tx.error.clone(),
            })
            .collect())
    }
}
