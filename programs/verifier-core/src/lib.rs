//! Groth16 verification over BN254 for Solana programs, `no_std`.
//!
//! Everything is bytes in the alt_bn128 syscall encoding (EIP-197): a G1 point is x‖y, a G2
//! point x.c1‖x.c0‖y.c1‖y.c0, every coordinate a 32-byte big-endian integer; scalars and public
//! inputs are 32-byte big-endian integers below the scalar modulus r. On Solana the group
//! operations are the `sol_alt_bn128_*` syscalls; elsewhere they run in `solana-bn254`'s host
//! implementation, so the same code is tested natively and measured on SBF.
//!
//! - [`verify::verify`]: one proof, one 4-pair pairing check.
//! - [`batch::verify_batch`]: N proofs in one (N+3)-pair pairing check with random weights
//!   derived Fiat–Shamir from the key, every proof and every input; all or nothing.
//! - [`verify::InputBase`]: public inputs fixed per policy folded into IC once.

#![no_std]

extern crate alloc;

#[cfg(all(feature = "ark", not(target_os = "solana")))]
pub mod ark;
pub mod batch;
pub mod bn254;
pub mod encoding;
pub mod error;
pub mod scalar;
pub mod verify;
pub mod vk;

pub use error::VerifyError;
pub use verify::{InputBase, verify};
pub use vk::VerifyingKey;
