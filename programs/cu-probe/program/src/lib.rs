//! Compute-unit probe for zk402's on-chain verification.
//!
//! A tiny `no_std` SBF program that decodes a verification case from its instruction data
//! ([`case`]), runs it ([`run`]): zk402-verifier-core's single verify or batch verify of N
//! proofs, or groth16-solana's verifier on the same single proof as the peer; and reports the
//! compute units the verification itself consumed as return data ([`entrypoint`], SBF only).
//! The host harness (`../harness`) encodes the cases with [`case::encode`] and reads the exact
//! compute units of the whole instruction from mollusk-svm.

#![no_std]

extern crate alloc;

pub mod case;
#[cfg(target_os = "solana")]
mod entrypoint;
pub mod error;
pub mod run;

pub use case::{Case, Op};
pub use error::ProbeError;
