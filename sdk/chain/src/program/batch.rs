//! Staging a batch for `verify_batch`: ten entries are 3,520 bytes and a transaction carries at
//! most 1,232, so the entries go into a proof buffer through several transactions first.

use super::addresses::{NullifierSet, buffer_address};
use super::instructions::{open_proof_buffer, verify_batch, write_proof_buffer};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_transaction::Transaction;
use zk402_verifier::instructions::ProofSubmission;
use zk402_verifier::state::BatchEntry;
use zk402_verifier::state::proof_buffer::MAX_BATCH;
use zk402_verifier_core::encoding::Proof;

/// Largest serialized transaction the cluster accepts (IPv6 MTU minus headers), bytes.
pub const MAX_TRANSACTION_SIZE: usize = 1232;

/// Why a batch cannot be staged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The program verifies 1 to 10 proofs per batch.
    #[error("a batch holds 1 to {MAX_BATCH} proofs, not {0}")]
    Size(usize),
    /// A proof's `now` is negative, so it has no public-input encoding.
    #[error("proof {0} has a negative `now`")]
    NegativeNow(usize),
}

/// The transactions that stage a batch, and what `verify_batch` then needs.
#[derive(Debug, Clone)]
pub struct StagedBatch {
    /// The buffer account.
    pub buffer: Pubkey,
    /// The distinct shards the entries' nullifiers hash to.
    pub shards: Vec<Pubkey>,
    /// The staging transactions' instructions, to be sent in order, each as one transaction
    /// with the owner as fee payer and only signer: open (with the first bytes), then writes.
    pub transactions: Vec<Vec<Instruction>>,
    /// The `verify_batch` instruction to send once every staging transaction has confirmed.
    pub verify: Instruction,
}

/// Splits `submissions` into an `open_proof_buffer` transaction and as few
/// `write_proof_buffer` transactions as fit in [`MAX_TRANSACTION_SIZE`] each, for `owner`'s
/// buffer `buffer_id` against `policy`, whose nullifier set is `set`.
pub fn stage_batch(
    owner: &Pubkey,
    policy: &Pubkey,
    set: &NullifierSet,
    buffer_id: u64,
    submissions: &[ProofSubmission],
) -> Result<StagedBatch, BatchError> {
    let count = u8::try_from(submissions.len())
        .ok()
        .filter(|n| (1..=MAX_BATCH).contains(n))
        .ok_or(BatchError::Size(submissions.len()))?;
    let bytes = submissions
        .iter()
        .enumerate()
        .map(|(i, s)| batch_entry(s).map(|e| e.to_bytes()).ok_or(BatchError::NegativeNow(i)))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let buffer = buffer_address(owner, buffer_id);

    let mut transactions = Vec::new();
    let mut prefix = vec![open_proof_buffer(owner, policy, buffer_id, count)];
    let mut offset = 0usize;
    while offset < bytes.len() {
        let room = write_room(owner, &buffer, &prefix);
        let end = bytes.len().min(offset + room);
        // Offsets stay below 10 · 352 bytes.
        let at = u32::try_from(offset).expect("batch offsets fit in u32");
        prefix.push(write_proof_buffer(owner, &buffer, at, bytes[offset..end].to_vec()));
        transactions.push(std::mem::take(&mut prefix));
        offset = end;
    }
    let mut shards: Vec<Pubkey> = submissions.iter().map(|s| set.shard_for(&s.nullifier)).collect();
    shards.sort();
    shards.dedup();
    let verify = verify_batch(owner, policy, &buffer, &shards);
    Ok(StagedBatch { buffer, shards, transactions, verify })
}

/// The batch-buffer entry of a submission (`now` as a 32-byte big-endian input); `None` when
/// `now` is negative.
pub fn batch_entry(submission: &ProofSubmission) -> Option<BatchEntry> {
    let now = u64::try_from(submission.now).ok()?;
    let mut now_input = [0u8; 32];
    now_input[24..].copy_from_slice(&now.to_be_bytes());
    Some(BatchEntry {
        proof: Proof::from_bytes(&submission.proof),
        inputs: [now_input, submission.nullifier, submission.request_hash],
    })
}

/// How many entry bytes one more `write_proof_buffer` instruction can carry in a transaction
/// that already holds `prefix`.
fn write_room(owner: &Pubkey, buffer: &Pubkey, prefix: &[Instruction]) -> usize {
    // With a 128-byte probe the data length takes its 2-byte compact-u16 form, as it does for
    // every chunk size that can fit (128..1232), so the overhead measured here is exact.
    const PROBE: usize = 128;
    let mut probe = prefix.to_vec();
    probe.push(write_proof_buffer(owner, buffer, 0, vec![0; PROBE]));
    let overhead = transaction_size(&probe, owner) - PROBE;
    MAX_TRANSACTION_SIZE.saturating_sub(overhead).max(PROBE)
}

/// Serialized size in bytes of a transaction carrying `instructions` with `fee_payer` (its
/// signatures included), as the cluster measures it against [`MAX_TRANSACTION_SIZE`].
pub fn transaction_size(instructions: &[Instruction], fee_payer: &Pubkey) -> usize {
    let transaction = Transaction::new_with_payer(instructions, Some(fee_payer));
    let signatures = transaction.signatures.len();
    compact_u16_len(signatures) + 64 * signatures + transaction.message.serialize().len()
}

fn compact_u16_len(n: usize) -> usize {
    match n {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Discriminator;
    use zk402_verifier::instruction::WriteProofBuffer;

    fn set() -> NullifierSet {
        NullifierSet { authority: Pubkey::new_unique(), policy_id: 1, shards: 16 }
    }

    fn submission(i: u8) -> ProofSubmission {
        ProofSubmission { proof: [i; 256], now: 1_795_000_000, nullifier: [i; 32], request_hash: [i; 32] }
    }

    #[test]
    fn every_staging_transaction_fits_and_covers_the_entries_once() {
        let owner = Pubkey::new_unique();
        let policy = Pubkey::new_unique();
        let set = set();
        for n in 1..=10u8 {
            let subs: Vec<_> = (0..n).map(submission).collect();
            let staged = stage_batch(&owner, &policy, &set, 7, &subs).expect("stages");
            let mut written = 0usize;
            for tx in &staged.transactions {
                assert!(transaction_size(tx, &owner) <= MAX_TRANSACTION_SIZE);
                written += tx
                    .iter()
                    .filter(|ix| ix.data.starts_with(WriteProofBuffer::DISCRIMINATOR))
                    .map(|ix| ix.data.len() - 16)
                    .sum::<usize>();
            }
            assert_eq!(written, usize::from(n) * BatchEntry::LEN);
            assert!(transaction_size(std::slice::from_ref(&staged.verify), &owner) <= MAX_TRANSACTION_SIZE);
            assert!((1..=usize::from(n)).contains(&staged.shards.len()));
        }
        let ten: Vec<_> = (0..10).map(submission).collect();
        assert_eq!(stage_batch(&owner, &policy, &set, 7, &ten).unwrap().transactions.len(), 4);
    }

    #[test]
    fn sizes_outside_1_to_10_and_negative_now_are_refused() {
        let (owner, policy) = (Pubkey::new_unique(), Pubkey::new_unique());
        assert_eq!(stage_batch(&owner, &policy, &set(), 1, &[]).unwrap_err(), BatchError::Size(0));
        let eleven: Vec<_> = (0..11).map(submission).collect();
        assert_eq!(stage_batch(&owner, &policy, &set(), 1, &eleven).unwrap_err(), BatchError::Size(11));
        let mut bad = submission(1);
        bad.now = -1;
        assert_eq!(
            stage_batch(&owner, &policy, &set(), 1, &[submission(0), bad]).unwrap_err(),
            BatchError::NegativeNow(1)
        );
    }
}
