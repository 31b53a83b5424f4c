//! Submit a transaction and wait until the cluster has executed it.

use crate::backend::{Chain, ChainError, ConfirmedTransaction, Finality};
use anchor_lang::solana_program::instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use std::time::Duration;
use tokio::time::Instant;

/// How long [`submit_and_confirm`] waits, and how often it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmOptions {
    /// Longest wait for the transaction to show up as executed, from the moment it was sent.
    pub timeout: Duration,
    /// Pause between two lookups of the transaction.
    pub poll_interval: Duration,
}

impl Default for ConfirmOptions {
    /// 60 s, polling every 500 ms: a blockhash expires after about 60–90 s on a real cluster,
    /// so a transaction not executed by then never will be.
    fn default() -> ConfirmOptions {
        ConfirmOptions { timeout: Duration::from_secs(60), poll_interval: Duration::from_millis(500) }
    }
}

/// Signs `instructions` with `fee_payer` (who pays the fee) and `extra_signers` over a fresh
/// blockhash, sends the transaction and polls [`Chain::transaction`] until it has executed
/// (read at [`Finality::Confirmed`]).
///
/// A transaction that executed but failed is [`ChainError::Rejected`] with its logs; one not
/// seen within `options.timeout` is [`ChainError::Timeout`] (it may still land until its
/// blockhash expires). Retriable lookup errors while polling are tolerated until the deadline.
/// A missing or superfluous signer is `Rejected` with `SignatureFailure` and nothing is sent.
pub async fn submit_and_confirm(
    chain: &impl Chain,
    instructions: &[Instruction],
    fee_payer: &Keypair,
    extra_signers: &[&Keypair],
    options: ConfirmOptions,
) -> Result<ConfirmedTransaction, ChainError> {
    let transaction = sign(chain, instructions, fee_payer, extra_signers).await?;
    send_and_confirm(chain, &transaction, options).await
}

/// The first half of [`submit_and_confirm`]: `instructions` signed by `fee_payer` and
/// `extra_signers` over a fresh blockhash into a legacy message, not sent. Its first signature
/// (its id) is known before it leaves the machine, e.g. to record a secret under it first.
pub async fn sign(
    chain: &impl Chain,
    instructions: &[Instruction],
    fee_payer: &Keypair,
    extra_signers: &[&Keypair],
) -> Result<VersionedTransaction, ChainError> {
    let blockhash = chain.latest_blockhash().await?;
    let mut signers: Vec<&Keypair> = Vec::with_capacity(1 + extra_signers.len());
    signers.push(fee_payer);
    signers.extend_from_slice(extra_signers);
    let mut transaction = Transaction::new_with_payer(instructions, Some(&fee_payer.pubkey()));
    transaction.try_sign(&signers, blockhash).map_err(|e| ChainError::Rejected {
        error: TransactionError::SignatureFailure,
        logs: vec![format!("signing failed: {e}")],
    })?;
    Ok(transaction.into())
}

/// The second half of [`submit_and_confirm`]: sends a signed transaction (legacy or versioned)
/// and polls until it has executed, with the same outcomes.
pub async fn send_and_confirm(
    chain: &impl Chain,
    transaction: &VersionedTransaction,
    options: ConfirmOptions,
) -> Result<ConfirmedTransaction, ChainError> {
    let signature = chain.send_transaction(transaction).await?;
    let deadline = Instant::now() + options.timeout;
    loop {
        match chain.transaction(&signature, Finality::Confirmed).await {
            Ok(Some(confirmed)) => {
                return match &confirmed.error {
                    None => Ok(confirmed),
                    Some(error) => Err(ChainError::Rejected { error: error.clone(), logs: confirmed.logs }),
                };
            }
            Ok(None) => {}
            Err(e) if e.is_retriable() => {}
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(ChainError::Timeout(signature));
        }
        tokio::time::sleep(options.poll_interval.min(deadline - now)).await;
    }
}
