//! One builder per program instruction, from Anchor's generated account and data types.

use super::PROGRAM_ID;
use super::addresses::{NullifierSet, buffer_address, issuer_address, policy_address, shard_address};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use zk402_nullifier_set::account_len;
use zk402_nullifier_set::design::rent_exempt_lamports;
use zk402_verifier::instructions::{PolicyParams, PolicyUpdate, ProofSubmission};
use zk402_verifier::state::shard_seed;
use zk402_verifier::{accounts, instruction};

fn build(accounts: Vec<AccountMeta>, data: impl InstructionData) -> Instruction {
    Instruction { program_id: PROGRAM_ID, accounts, data: data.data() }
}

/// `create_policy`: registers `params` as `authority`'s policy `policy_id` (at
/// [`policy_address`]) and its issuer key; `authority` signs and pays the rent.
pub fn create_policy(authority: &Pubkey, policy_id: u64, params: PolicyParams) -> Instruction {
    let metas = accounts::CreatePolicy {
        authority: *authority,
        policy: policy_address(authority, policy_id),
        issuer_registration: issuer_address(&params.issuer),
        system_program: anchor_lang::system_program::ID,
    }
    .to_account_metas(None);
    build(metas, instruction::CreatePolicy { policy_id, params })
}

/// `update_policy`: new price, same or lower max age and clock window; `authority` signs.
pub fn update_policy(authority: &Pubkey, policy: &Pubkey, update: PolicyUpdate) -> Instruction {
    let metas = accounts::UpdatePolicy { authority: *authority, policy: *policy }.to_account_metas(None);
    build(metas, instruction::UpdatePolicy { update })
}

/// `close_policy`: closes `policy`, rent back to `authority`, who signs.
pub fn close_policy(authority: &Pubkey, policy: &Pubkey) -> Instruction {
    let metas = accounts::ClosePolicy { authority: *authority, policy: *policy }.to_account_metas(None);
    build(metas, instruction::ClosePolicy {})
}

/// `verify_payment`: verifies one proof against `policy` and records its nullifier in the
/// policy's `set` (the shard it hashes to); `settler` (the facilitator) signs.
pub fn verify_payment(
    settler: &Pubkey,
    policy: &Pubkey,
    set: &NullifierSet,
    submission: &ProofSubmission,
) -> Instruction {
    let metas =
        accounts::VerifyPayment { settler: *settler, policy: *policy, shard: set.shard_for(&submission.nullifier) }
            .to_account_metas(None);
    build(metas, instruction::VerifyPayment { submission: submission.clone() })
}

/// `open_proof_buffer`: opens `owner`'s buffer `buffer_id` (at [`buffer_address`]) for `count`
/// proofs against `policy`; `owner` signs and pays its rent.
pub fn open_proof_buffer(owner: &Pubkey, policy: &Pubkey, buffer_id: u64, count: u8) -> Instruction {
    let metas = accounts::OpenProofBuffer {
        owner: *owner,
        policy: *policy,
        proof_buffer: buffer_address(owner, buffer_id),
        system_program: anchor_lang::system_program::ID,
    }
    .to_account_metas(None);
    build(metas, instruction::OpenProofBuffer { buffer_id, count })
}

/// `write_proof_buffer`: writes `data` (encoded batch entries) at byte `offset` of the
/// buffer's entries; `owner` signs.
pub fn write_proof_buffer(owner: &Pubkey, buffer: &Pubkey, offset: u32, data: Vec<u8>) -> Instruction {
    let metas = accounts::WriteProofBuffer { owner: *owner, proof_buffer: *buffer }.to_account_metas(None);
    build(metas, instruction::WriteProofBuffer { offset, data })
}

/// `close_proof_buffer`: closes an unused buffer, rent back to `owner`, who signs.
pub fn close_proof_buffer(owner: &Pubkey, buffer: &Pubkey) -> Instruction {
    let metas = accounts::CloseProofBuffer { owner: *owner, proof_buffer: *buffer }.to_account_metas(None);
    build(metas, instruction::CloseProofBuffer {})
}

/// `verify_batch`: verifies every entry of `buffer` against `policy` in one pairing check,
/// records the nullifiers and closes the buffer; `shards` are the distinct shards the entries'
/// nullifiers hash to. `owner` signs.
pub fn verify_batch(owner: &Pubkey, policy: &Pubkey, buffer: &Pubkey, shards: &[Pubkey]) -> Instruction {
    let mut metas =
        accounts::VerifyBatch { owner: *owner, policy: *policy, proof_buffer: *buffer }.to_account_metas(None);
    metas.extend(shards.iter().map(|shard| AccountMeta::new(*shard, false)));
    build(metas, instruction::VerifyBatch {})
}

/// The two instructions of one transaction that create shard `index` of a set of `shard_count`
/// shards of `capacity` cells for `authority`'s policy `policy_id`: the system program's
/// `create_account_with_seed` at full size (rent exempt under the default rent, paid by
/// `authority`, owned by the program), then `create_nullifier_shard`. `None` for a capacity
/// `zk402_nullifier_set::valid_capacity` refuses.
pub fn create_nullifier_shard(
    authority: &Pubkey,
    policy_id: u64,
    index: u16,
    shard_count: u16,
    capacity: u32,
) -> Option<[Instruction; 2]> {
    let len = account_len(capacity)?;
    let shard = shard_address(authority, policy_id, index);
    let create = anchor_lang::solana_program::system_instruction::create_account_with_seed(
        authority,
        &shard,
        authority,
        &shard_seed(policy_id, index),
        rent_exempt_lamports(len),
        len as u64,
        &PROGRAM_ID,
    );
    let metas =
        accounts::CreateNullifierShard { authority: *authority, policy: policy_address(authority, policy_id), shard }
            .to_account_metas(None);
    Some([create, build(metas, instruction::CreateNullifierShard { index, shard_count, capacity })])
}

/// One transaction per shard (each [`create_nullifier_shard`]'s two instructions) creating a
/// whole nullifier set of `shard_count` shards of `capacity` cells; `None` for an invalid
/// capacity.
pub fn create_nullifier_set(
    authority: &Pubkey,
    policy_id: u64,
    shard_count: u16,
    capacity: u32,
) -> Option<Vec<[Instruction; 2]>> {
    (0..shard_count).map(|index| create_nullifier_shard(authority, policy_id, index, shard_count, capacity)).collect()
}

/// `close_nullifier_shard`: closes `shard` once none of its entries can be live, rent back to
/// `authority` (its creator), who signs.
pub fn close_nullifier_shard(authority: &Pubkey, shard: &Pubkey) -> Instruction {
    let metas = accounts::CloseNullifierShard { authority: *authority, shard: *shard }.to_account_metas(None);
    build(metas, instruction::CloseNullifierShard {})
}
