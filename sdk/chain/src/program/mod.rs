//! The zk402 verifier program from the client side: its addresses, an instruction builder for
//! every instruction, batch staging under the transaction size limit, the event parser, and
//! account decoders with fetchers over any [`Chain`](crate::Chain).
//!
//! Instructions are built from Anchor's generated `instruction::*` / `accounts::*` types, so
//! they follow the program's own definitions rather than hand-packed bytes.

pub mod accounts;
pub mod addresses;
pub mod batch;
pub mod events;
pub mod instructions;
pub mod submission;

pub use accounts::{ShardData, decode_policy, decode_shard, fetch_nullifier_expiry, fetch_policy, nullifier_expiry_in};
pub use addresses::{NullifierSet, buffer_address, issuer_address, policy_address, shard_address};
pub use batch::{BatchError, MAX_TRANSACTION_SIZE, StagedBatch, stage_batch, transaction_size};
pub use events::payment_events;
pub use instructions::{
    close_nullifier_shard, close_policy, close_proof_buffer, create_nullifier_set, create_nullifier_shard,
    create_policy, open_proof_buffer, update_policy, verify_batch, verify_payment, write_proof_buffer,
};
pub use submission::{SubmissionError, issuer_bytes, issuer_key, submission_from_ark};
pub use zk402_nullifier_set as nullifier_set;
pub use zk402_verifier::ID as PROGRAM_ID;
pub use zk402_verifier::events::PaymentVerified;
pub use zk402_verifier::instructions::{PolicyParams, PolicyUpdate, ProofSubmission};
pub use zk402_verifier::state::{BatchEntry, NullifierShard, Policy};
