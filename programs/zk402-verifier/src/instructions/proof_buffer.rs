//! `open_proof_buffer`, `write_proof_buffer`, `close_proof_buffer`: stage a batch across
//! transactions (ten entries are 3,520 bytes; a transaction carries at most 1,232).

use crate::errors::ZkError;
use crate::state::proof_buffer::MAX_BATCH;
use crate::state::{BatchEntry, Policy, ProofBuffer, seeds};
use anchor_lang::prelude::*;

/// Accounts of `open_proof_buffer`.
#[derive(Accounts)]
#[instruction(buffer_id: u64, count: u8)]
pub struct OpenProofBuffer<'info> {
    /// Owner of the buffer; pays its rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The policy the batch will be verified against.
    pub policy: Account<'info, Policy>,
    /// The new buffer.
    #[account(
        init,
        payer = owner,
        space = ProofBuffer::space(count),
        seeds = [seeds::PROOF_BUFFER, owner.key().as_ref(), &buffer_id.to_le_bytes()],
        bump,
    )]
    pub proof_buffer: Account<'info, ProofBuffer>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Accounts of `write_proof_buffer`.
#[derive(Accounts)]
pub struct WriteProofBuffer<'info> {
    /// Owner of the buffer.
    pub owner: Signer<'info>,
    /// The buffer.
    #[account(mut, has_one = owner)]
    pub proof_buffer: Account<'info, ProofBuffer>,
}

/// Accounts of `close_proof_buffer`.
#[derive(Accounts)]
pub struct CloseProofBuffer<'info> {
    /// Owner of the buffer; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The buffer.
    #[account(mut, has_one = owner, close = owner)]
    pub proof_buffer: Account<'info, ProofBuffer>,
}

pub(crate) fn open(ctx: Context<OpenProofBuffer>, _buffer_id: u64, count: u8) -> Result<()> {
    require!((1..=MAX_BATCH).contains(&count), ZkError::BatchSizeInvalid);
    let buffer = ProofBuffer {
        owner: ctx.accounts.owner.key(),
        policy: ctx.accounts.policy.key(),
        count,
        bump: ctx.bumps.proof_buffer,
    };
    ctx.accounts.proof_buffer.set_inner(buffer);
    Ok(())
}

pub(crate) fn write(ctx: Context<WriteProofBuffer>, offset: u32, data: Vec<u8>) -> Result<()> {
    let entries_len = usize::from(ctx.accounts.proof_buffer.count) * BatchEntry::LEN;
    let start = offset as usize;
    let end = start.checked_add(data.len()).ok_or(ZkError::BufferOutOfBounds)?;
    require!(end <= entries_len, ZkError::BufferOutOfBounds);
    let info = ctx.accounts.proof_buffer.to_account_info();
    let mut bytes = info.try_borrow_mut_data()?;
    bytes[ProofBuffer::ENTRIES_OFFSET + start..ProofBuffer::ENTRIES_OFFSET + end].copy_from_slice(&data);
    Ok(())
}

pub(crate) fn close(_ctx: Context<CloseProofBuffer>) -> Result<()> {
    Ok(())
}
