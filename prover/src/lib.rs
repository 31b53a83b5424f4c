//! Groth16 prover for the zk402 payment circuit: library, CLI and HTTP proof service.
//!
//! [`Prover`] turns [`PaymentInputs`](zk402_circuit::PaymentInputs) into a Groth16 proof over
//! BN254 that `snarkjs groth16 verify` accepts with the zkey's verifying key: the witness comes
//! from circom's C++ witness generator built into the crate (or the circuit's wasm compiled by
//! wasmtime, see [`witness`]), inputs the circuit refuses are checked natively (a precise error
//! names the broken check), the MSMs run over fixed-base tables precomputed at key load (and
//! kept in a load cache across processes, [`cache`]), and every proof is verified before it
//! is returned.

pub mod bench;
pub mod cache;
pub mod fft;
pub mod key;
pub mod load;
pub mod msm;
pub mod proof;
pub mod prover;
pub mod qap;
pub mod sample;
pub mod service;
pub mod stats;
pub mod witness;

pub use proof::{ProofJson, SnarkjsProof};
pub use prover::{Proof, ProveError, Prover, Timings};
