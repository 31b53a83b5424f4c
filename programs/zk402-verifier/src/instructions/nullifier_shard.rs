//! `create_nullifier_shard` and `close_nullifier_shard`: the policy authority sets up its
//! nullifier set, one shard at a time, and takes a shard down once nothing in it can be live.

use crate::errors::ZkError;
use crate::state::{NullifierShard, Policy, shard_seed};
use anchor_lang::prelude::*;
use zk402_nullifier_set::{MAX_SHARDS, ShardHeader, account_len};

/// Accounts of `create_nullifier_shard`.
#[derive(Accounts)]
pub struct CreateNullifierShard<'info> {
    /// The policy's authority (it funded the shard account).
    pub authority: Signer<'info>,
    /// The policy; its shard count is fixed by its first shard.
    #[account(mut, has_one = authority)]
    pub policy: Account<'info, Policy>,
    /// The shard: created by the client in the same transaction at full size, owned by this
    /// program, rent exempt and zeroed, at `create_with_seed(authority, shard_seed(..), program)`.
    #[account(zero)]
    pub shard: AccountLoader<'info, NullifierShard>,
}

/// Accounts of `close_nullifier_shard`.
#[derive(Accounts)]
pub struct CloseNullifierShard<'info> {
    /// The shard's authority; receives its rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The shard.
    #[account(mut, close = authority)]
    pub shard: AccountLoader<'info, NullifierShard>,
}

pub(crate) fn create(ctx: Context<CreateNullifierShard>, index: u16, shard_count: u16, capacity: u32) -> Result<()> {
    let policy = &mut ctx.accounts.policy;
    require!((1..=MAX_SHARDS).contains(&shard_count) && index < shard_count, ZkError::InvalidShardIndex);
    require!(policy.nullifier_shards == 0 || policy.nullifier_shards == shard_count, ZkError::InvalidShardIndex);
    let authority = ctx.accounts.authority.key();
    let expected = Pubkey::create_with_seed(&authority, &shard_seed(policy.policy_id, index), &crate::ID)
        .map_err(|_| error!(ZkError::ShardAddressMismatch))?;
    require_keys_eq!(ctx.accounts.shard.key(), expected, ZkError::ShardAddressMismatch);
    let len = account_len(capacity).ok_or(ZkError::InvalidShardCapacity)?;
    require!(ctx.accounts.shard.to_account_info().data_len() == len, ZkError::InvalidShardCapacity);

    policy.nullifier_shards = shard_count;
    let base_time = Clock::get()?.unix_timestamp;
    let header = ShardHeader::new(policy.key().to_bytes(), authority.to_bytes(), base_time, capacity, index);
    *ctx.accounts.shard.load_init()? = NullifierShard { header };
    Ok(())
}

pub(crate) fn close(ctx: Context<CloseNullifierShard>) -> Result<()> {
    let header = ctx.accounts.shard.load()?.header;
    require!(header.authority == ctx.accounts.authority.key().to_bytes(), ZkError::NotShardAuthority);
    // At `max_expires_at` itself the latest entry is still live.
    require!(Clock::get()?.unix_timestamp > header.max_expires_at, ZkError::ShardNotExpired);
    Ok(())
}
