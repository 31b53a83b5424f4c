//! Native side of the zk402 payment circuit (`circuits/payment.circom`).
//!
//! The statement: the prover holds an issuer-signed receipt that meets a merchant's policy
//! (amount, recipient, freshness), spends it under a nullifier, and binds the proof to one
//! x402 challenge. This crate computes everything the circuit computes — Poseidon with
//! circomlib's parameters, Baby Jubjub EdDSA-Poseidon compatible with circomlibjs, the policy
//! hash, the nullifier, the request hash — assembles the witness inputs, runs the compiled
//! circuit's witness calculator, and checks witnesses against the compiled R1CS.

pub mod artifacts;
pub mod babyjubjub;
pub mod binfile;
pub mod eddsa;
pub mod field;
pub mod inputs;
pub mod policy;
pub mod poseidon;
pub mod r1cs;
pub mod receipt;
pub mod request;
pub mod serde_fr;
pub mod sym;
pub mod witness;
pub mod wtns;

pub use eddsa::{PublicKey, Signature, SignatureError, SigningKey};
pub use field::Fr;
pub use inputs::{INPUT_NAMES, PUBLIC_INPUTS, PaymentInputs, StatementError};
pub use policy::Policy;
pub use receipt::{IssueRequest, Receipt, ReceiptClaim, Secret};
pub use request::Challenge;
