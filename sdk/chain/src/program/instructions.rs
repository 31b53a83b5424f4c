//! One builder per program instruction, from Anchor's generated account and data types.

use super::PROGRAM_ID;
use super::addresses::{buffer_address, issuer_address, nullifier_address, policy_address};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use zk402_verifier::instructions::{PolicyParams, PolicyUpdate, ProofSubmission};
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

/// `update_policy`: new minimum amount, same or lower max age and clock window; `authority` signs.
pub fn update_policy(authority: &Pubkey, policy: &Pubkey, update: PolicyUpdate) -> Instruction {
    let metas = accounts::UpdatePolicy { authority: *authority, policy: *policy }.to_account_metas(None);
    build(metas, instruction::UpdatePolicy { update })
}

/// `close_policy`: closes `policy`, rent back to `authority`, who signs.
pub fn close_policy(authority: &Pubkey, policy: &Pubkey) -> Instruction {
    let metas = accounts::ClosePolicy { authority: *authority, policy: *policy }.to_account_metas(None);
    build(metas, instruction::ClosePolicy {})
}

/// `verify_payment`: verifies one proof against `policy` and records its nullifier at
/// [`nullifier_address`]; `payer` signs and pays the record's rent (refundable after expiry).
pub fn verify_payment(payer: &Pubkey, policy: &Pubkey, submission: &ProofSubmission) -> Instruction {
    let metas = accounts::VerifyPayment {
        payer: *payer,
        policy: *policy,
        nullifier_record: nullifier_address(&submission.nullifier),
        system_program: anchor_lang::system_program::ID,
    }
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

/// `verify_batch`: verifies every entry of `buffer` against `policy` in one pairing check and
/// closes the buffer; `records` are the entries' nullifier record addresses in entry order.
/// `owner` signs and pays the records' rent.
pub fn verify_batch(owner: &Pubkey, policy: &Pubkey, buffer: &Pubkey, records: &[Pubkey]) -> Instruction {
    let mut metas = accounts::VerifyBatch {
        owner: *owner,
        policy: *policy,
        proof_buffer: *buffer,
        system_program: anchor_lang::system_program::ID,
    }
    .to_account_metas(None);
    metas.extend(records.iter().map(|record| AccountMeta::new(*record, false)));
    build(metas, instruction::VerifyBatch {})
}

/// `close_nullifier`: closes an expired nullifier `record`, rent back to `rent_payer` (the
/// account that paid it, as the record names). Anyone may send it.
pub fn close_nullifier(record: &Pubkey, rent_payer: &Pubkey) -> Instruction {
    let metas = accounts::CloseNullifier { record: *record, rent_payer: *rent_payer }.to_account_metas(None);
    build(metas, instruction::CloseNullifier {})
}
