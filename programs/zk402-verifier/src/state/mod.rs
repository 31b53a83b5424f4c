//! Accounts of the program, one file each, and every PDA seed in `seeds`.

pub mod issuer;
pub mod nullifier;
pub mod policy;
pub mod proof_buffer;
pub mod seeds;

pub use issuer::IssuerRegistration;
pub use nullifier::{NullifierShard, shard_seed};
pub use policy::Policy;
pub use proof_buffer::{BatchEntry, ProofBuffer};
