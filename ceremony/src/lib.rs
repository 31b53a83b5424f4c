//! Groth16 trusted setup for the zk402 payment circuit, compatible with snarkjs file formats
//! and algorithms so auditors can cross-check every step with `snarkjs zkey verify`.
//!
//! Flow: [`phase1`] (a test ptau from known secrets, or `prepare` for an imported one) →
//! [`phase2_new`] (initial key from r1cs + ptau) → [`contribute`] (participants, then a drand
//! [`beacon`] verified with [`drand`]) → [`verify`] (auditor) → [`export`] (verifying key as
//! snarkjs JSON and as Rust constants for the on-chain verifier).

pub mod beacon;
pub mod chacha;
pub mod contribute;
pub mod drand;
pub mod export;
pub mod keygen;
pub mod mpc;
pub mod phase1;
pub mod phase2_new;
pub mod points;
pub mod progress;
pub mod ptau;
pub mod verify;
pub mod zkey;

pub use mpc::{BeaconParams, Contribution, MpcParams};
pub use zkey::{Coeff, Matrix, Zkey, ZkeyError};
