//! `verify_batch`: every proof of a buffer in one pairing check; every nullifier recorded in
//! the policy's set, all or nothing (a refusal of any, a duplicate inside the batch included,
//! fails the transaction and so undoes the others).

use crate::errors::ZkError;
use crate::events::{PaymentVerified, emit};
use crate::state::proof_buffer::MAX_BATCH;
use crate::state::{BatchEntry, Policy, ProofBuffer};
use crate::verification::{record_nullifier, verifying_key};
use anchor_lang::prelude::*;
use zk402_nullifier_set::{Shard, shard_index};
use zk402_verifier_core::InputBase;
use zk402_verifier_core::batch::{BatchItem, verify_batch};

/// Accounts of `verify_batch`; the policy's shards the entries' nullifiers hash to follow as
/// remaining accounts (writable), each once, in any order.
#[derive(Accounts)]
pub struct VerifyBatch<'info> {
    /// Owner of the buffer; receives the buffer's rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The policy every proof claims to meet.
    pub policy: Account<'info, Policy>,
    /// The filled buffer; closed by this instruction.
    #[account(mut, has_one = owner, has_one = policy @ ZkError::PolicyMismatch, close = owner)]
    pub proof_buffer: Account<'info, ProofBuffer>,
}

pub(crate) fn handler<'info>(ctx: Context<'info, VerifyBatch<'info>>) -> Result<()> {
    let count = usize::from(ctx.accounts.proof_buffer.count);
    require!((1..=usize::from(MAX_BATCH)).contains(&ctx.remaining_accounts.len()), ZkError::BatchAccountsMismatch);
    let entries: Vec<BatchEntry> = {
        let info = ctx.accounts.proof_buffer.to_account_info();
        let data = info.try_borrow_data()?;
        let body = data.get(ProofBuffer::ENTRIES_OFFSET..).ok_or(ZkError::BufferOutOfBounds)?;
        body.chunks_exact(BatchEntry::LEN)
            .take(count)
            .map(|chunk| BatchEntry::from_bytes(chunk.try_into().expect("chunks of LEN bytes")))
            .collect()
    };
    require!(entries.len() == count, ZkError::BufferOutOfBounds);

    let policy = &ctx.accounts.policy;
    let clock = Clock::get()?.unix_timestamp;
    let expiries =
        entries.iter().map(|e| policy.check_now(now_from_input(&e.inputs[0])?, clock)).collect::<Result<Vec<i64>>>()?;
    let base = InputBase { point: policy.input_base, folded: 1 };
    let items: Vec<BatchItem<'_>> = entries.iter().map(|e| BatchItem { proof: &e.proof, inputs: &e.inputs }).collect();
    verify_batch(&verifying_key(), &base, &items).map_err(ZkError::from)?;

    let shards = shard_indices(ctx.remaining_accounts)?;
    for (entry, expires_at) in entries.iter().zip(expiries) {
        let nullifier = entry.inputs[1];
        let wanted = shard_index(&nullifier, policy.nullifier_shards).map_err(|_| error!(ZkError::NoNullifierSet))?;
        let shard = shards.iter().find(|(index, _)| *index == wanted).map(|(_, info)| info);
        let shard = shard.ok_or(ZkError::BatchAccountsMismatch)?;
        record_nullifier(shard, policy, &nullifier, clock, expires_at)?;
        emit(&PaymentVerified {
            policy: policy.key(),
            nullifier,
            request_hash: entry.inputs[2],
            now: now_from_input(&entry.inputs[0])?,
        });
    }
    Ok(())
}

/// The shard index each remaining account claims in its header (what `record_nullifier` then
/// checks in full); a non-shard account is refused here.
fn shard_indices<'a, 'info>(accounts: &'a [AccountInfo<'info>]) -> Result<Vec<(u16, &'a AccountInfo<'info>)>> {
    accounts
        .iter()
        .map(|info| {
            require_keys_eq!(*info.owner, crate::ID, ZkError::InvalidShardAccount);
            let data = info.try_borrow_data()?;
            let shard = Shard::from_account_data(&data).map_err(ZkError::from)?;
            Ok((shard.header.index, info))
        })
        .collect()
}

/// Decodes the `now` public input (32-byte big-endian) as positive unix seconds.
fn now_from_input(input: &[u8; 32]) -> Result<i64> {
    require!(input[..24].iter().all(|b| *b == 0), ZkError::NowOutsideWindow);
    let now = u64::from_be_bytes(input[24..].try_into().expect("8 bytes"));
    i64::try_from(now).map_err(|_| error!(ZkError::NowOutsideWindow))
}
