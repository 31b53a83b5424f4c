//! The double-spend guard: a policy's nullifier set, as fixed-capacity shard accounts whose
//! layout and probing live in `zk402-nullifier-set` (shared with the sdk and the CU probe).

use anchor_lang::prelude::*;
use zk402_nullifier_set::ShardHeader;

/// One shard of a policy's nullifier set: this header, then `capacity` 8-byte cells
/// (`zk402_nullifier_set::account_len(capacity)` bytes in all, discriminator included). The
/// client creates it at full size (owned by this program, at [`shard_seed`]'s address derived
/// with `create_account_with_seed` from the policy authority) and `create_nullifier_shard`
/// writes the header; Anchor's zero-copy loader sees the header only.
#[account(zero_copy)]
pub struct NullifierShard {
    /// The shard header (policy, authority, capacity, index, times).
    pub header: ShardHeader,
}

/// The `create_account_with_seed` seed of shard `index` of the authority's policy `policy_id`
/// (`"zk402n" ‖ policy_id ‖ "." ‖ index` in decimal: at most 32 bytes, the seed limit).
pub fn shard_seed(policy_id: u64, index: u16) -> String {
    format!("zk402n{policy_id}.{index}")
}
