//! Groth16 trusted setup for the zk402 payment circuit, compatible with snarkjs file formats
//! and algorithms so auditors can cross-check every step with `snarkjs zkey verify`.
//!
//! Flow: [`phase1`] (for tests and demos: a new accumulator, contributions and a drand beacon;
//! in production an imported public ptau) → [`prepare`] (Lagrange bases by group FFTs) →
//! [`phase2_new`] (initial key from r1cs + ptau) → [`contribute`] (participants, then a drand
//! [`beacon`] verified with [`drand`] / [`drand_round`]) → [`verify`] and [`phase1_verify`]
//! (auditor) → [`export`] (verifying key as snarkjs JSON and as Rust constants for the
//! on-chain verifier).

pub mod audit;
pub mod beacon;
pub mod chacha;
pub mod contribute;
pub mod drand;
pub mod drand_round;
pub mod export;
pub mod keygen;
pub mod mpc;
pub mod partial_hash;
pub mod phase1;
pub mod phase1_verify;
pub mod phase2_new;
pub mod points;
pub mod prepare;
pub mod progress;
pub mod ptau;
pub mod ptau_contributions;
pub mod verify;
pub mod zkey;

pub use mpc::{BeaconParams, Contribution, MpcParams};
pub use zkey::{Coeff, Matrix, Zkey, ZkeyError};
