//! Host side of the zk402 compute-unit probe.
//!
//! - [`fixture`]: the fixture file (JSON, hex): a verifying key in syscall encoding, the folded
//!   input base, and real proofs with their unfolded public inputs.
//! - [`generate`]: makes a fixture from real Groth16 proofs over the payment circuit
//!   ([`r1cs_circuit`] feeds its compiled R1CS to arkworks).
//! - [`probe`]: runs the SBF probe program in mollusk-svm and reads exact compute units.
//! - [`measure`]: every case of the report, plus checks that tampered proofs are rejected.
//! - [`report`]: the CU table, the cost model it is compared with, and the machine-readable lines.
//! - [`snarkjs`]: snarkjs JSON (key, proofs, public signals) to and from the fixture.

pub mod fixture;
pub mod generate;
pub mod measure;
pub mod probe;
pub mod r1cs_circuit;
pub mod report;
pub mod snarkjs;
