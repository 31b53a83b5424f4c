//! Program-derived addresses of the program's accounts (seeds from `zk402_verifier::state::seeds`).

use super::PROGRAM_ID;
use anchor_lang::prelude::Pubkey;
use zk402_verifier::state::seeds;

/// The `Policy` account of `authority`'s policy number `policy_id`.
pub fn policy_address(authority: &Pubkey, policy_id: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::POLICY, authority.as_ref(), &policy_id.to_le_bytes()], &PROGRAM_ID).0
}

/// The `IssuerRegistration` of an issuer key (Ax ‖ Ay, 32-byte big-endian each).
pub fn issuer_address(issuer: &[u8; 64]) -> Pubkey {
    Pubkey::find_program_address(&[seeds::ISSUER, &issuer[..32], &issuer[32..]], &PROGRAM_ID).0
}

/// The `NullifierRecord` of a nullifier (32-byte big-endian public input).
pub fn nullifier_address(nullifier: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[seeds::NULLIFIER, nullifier], &PROGRAM_ID).0
}

/// The `ProofBuffer` number `buffer_id` of `owner`.
pub fn buffer_address(owner: &Pubkey, buffer_id: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::PROOF_BUFFER, owner.as_ref(), &buffer_id.to_le_bytes()], &PROGRAM_ID).0
}
