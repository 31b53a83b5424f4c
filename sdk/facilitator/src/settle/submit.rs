//! Putting verified proofs on chain: one proof as `verify_payment`, several of one policy as a
//! staged `verify_batch`, the facilitator's key paying every fee (the payer appears nowhere).

use crate::PolicyView;
use crate::store::Entry;
use solana_keypair::Keypair;
use solana_signer::Signer;
use zk402_chain::program::{NullifierSet, close_proof_buffer, stage_batch, verify_payment};
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_chain::{Chain, ChainError};
use zk402_verifier::instructions::ProofSubmission;

/// What one submission cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// The transaction that verified the proofs and recorded their nullifiers.
    pub transaction: String,
    /// Transactions sent (staging ones included).
    pub transactions: usize,
}

/// Why a submission did not land.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The policy has no nullifier set.
    #[error("the policy has no nullifier set")]
    NoSet,
    /// The batch could not be staged (size, encoding).
    #[error("cannot stage the batch: {0}")]
    Stage(String),
    /// The chain failed or refused.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// The program's view of an entry.
pub fn submission(entry: &Entry) -> ProofSubmission {
    ProofSubmission { proof: entry.proof, now: entry.now, nullifier: entry.nullifier, request_hash: entry.request_hash }
}

/// Submits `entries` (1..=10, all of `view`'s policy) paid by `fee_payer`: `verify_payment`
/// for one, otherwise a proof buffer `buffer_id` staged and consumed by `verify_batch` (which
/// closes it; a buffer left open by a failed batch is closed on a best-effort basis).
pub async fn submit(
    chain: &impl Chain,
    fee_payer: &Keypair,
    view: &PolicyView,
    entries: &[Entry],
    buffer_id: u64,
    options: ConfirmOptions,
) -> Result<Landed, SubmitError> {
    let set: &NullifierSet = view.set.as_ref().ok_or(SubmitError::NoSet)?;
    let submissions: Vec<ProofSubmission> = entries.iter().map(submission).collect();
    let owner = fee_payer.pubkey();
    if let [single] = submissions.as_slice() {
        let ix = verify_payment(&owner, &view.address, set, single);
        let tx = submit_and_confirm(chain, &[ix], fee_payer, &[], options).await?;
        return Ok(Landed { transaction: tx.signature.to_string(), transactions: 1 });
    }
    let staged = stage_batch(&owner, &view.address, set, buffer_id, &submissions)
        .map_err(|e| SubmitError::Stage(e.to_string()))?;
    let outcome = async {
        for instructions in &staged.transactions {
            submit_and_confirm(chain, instructions, fee_payer, &[], options).await?;
        }
        submit_and_confirm(chain, std::slice::from_ref(&staged.verify), fee_payer, &[], options).await
    }
    .await;
    match outcome {
        Ok(tx) => Ok(Landed { transaction: tx.signature.to_string(), transactions: staged.transactions.len() + 1 }),
        Err(e) => {
            let close = close_proof_buffer(&owner, &staged.buffer);
            if let Err(close_error) = submit_and_confirm(chain, &[close], fee_payer, &[], options).await {
                tracing::debug!(error = %close_error, "no proof buffer to close after a failed batch");
            }
            Err(e.into())
        }
    }
}
