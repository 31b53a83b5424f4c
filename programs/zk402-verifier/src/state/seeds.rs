//! Every PDA seed prefix of the program.

/// `[POLICY, authority, policy_id (u64 LE)]` → [`super::Policy`].
pub const POLICY: &[u8] = b"policy";
/// `[ISSUER, issuer_Ax, issuer_Ay]` → [`super::IssuerRegistration`].
pub const ISSUER: &[u8] = b"issuer";
/// `[PROOF_BUFFER, owner, buffer_id (u64 LE)]` → [`super::ProofBuffer`].
pub const PROOF_BUFFER: &[u8] = b"proof-buffer";
