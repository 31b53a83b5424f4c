//! Proof encodings and field checks.
//!
//! On-chain proof encoding: A is stored **negated** (so the pairing check is a plain product),
//! then B, then C; 256 bytes. The compressed form (128 bytes) is the same three points in
//! alt_bn128 compressed encoding (x with the sign of y in the top bits), A still negated.

use crate::bn254;
use crate::error::VerifyError;

/// BN254 scalar field modulus r, big-endian.
pub const R_BE: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d, 0x28, 0x33, 0xe8,
    0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// BN254 base field modulus q, big-endian.
pub const Q_BE: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d, 0x97, 0x81, 0x6a,
    0x91, 0x68, 0x71, 0xca, 0x8d, 0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c, 0xfd, 0x47,
];

/// Size of an uncompressed proof.
pub const PROOF_LEN: usize = 256;
/// Size of a compressed proof.
pub const COMPRESSED_PROOF_LEN: usize = 128;

/// A Groth16 proof in on-chain encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof {
    /// −A ∈ G1 (negated).
    pub a_neg: [u8; 64],
    /// B ∈ G2.
    pub b: [u8; 128],
    /// C ∈ G1.
    pub c: [u8; 64],
}

impl Proof {
    /// Splits 256 bytes into −A, B, C. Points are validated by the syscalls that use them.
    pub fn from_bytes(bytes: &[u8; PROOF_LEN]) -> Proof {
        let mut proof = Proof { a_neg: [0; 64], b: [0; 128], c: [0; 64] };
        proof.a_neg.copy_from_slice(&bytes[..64]);
        proof.b.copy_from_slice(&bytes[64..192]);
        proof.c.copy_from_slice(&bytes[192..]);
        proof
    }

    /// The 256-byte encoding.
    pub fn to_bytes(&self) -> [u8; PROOF_LEN] {
        let mut out = [0u8; PROOF_LEN];
        out[..64].copy_from_slice(&self.a_neg);
        out[64..192].copy_from_slice(&self.b);
        out[192..].copy_from_slice(&self.c);
        out
    }

    /// Decompresses a 128-byte compressed proof (−A ‖ B ‖ C).
    pub fn from_compressed(bytes: &[u8; COMPRESSED_PROOF_LEN]) -> Result<Proof, VerifyError> {
        let a: &[u8; 32] = bytes[..32].try_into().map_err(|_| VerifyError::DecompressionFailed)?;
        let b: &[u8; 64] = bytes[32..96].try_into().map_err(|_| VerifyError::DecompressionFailed)?;
        let c: &[u8; 32] = bytes[96..].try_into().map_err(|_| VerifyError::DecompressionFailed)?;
        Ok(Proof { a_neg: bn254::g1_decompress(a)?, b: bn254::g2_decompress(b)?, c: bn254::g1_decompress(c)? })
    }
}

/// Whether a 32-byte big-endian integer is below r (a canonical public input).
pub fn is_scalar(x: &[u8; 32]) -> bool {
    x < &R_BE
}

/// Checks every public input is below r.
pub fn check_inputs(inputs: &[[u8; 32]]) -> Result<(), VerifyError> {
    if inputs.iter().all(is_scalar) { Ok(()) } else { Err(VerifyError::InputNotInField) }
}

/// −P for a G1 point in syscall encoding (y ↦ q − y; the identity stays the identity).
pub fn negate_g1(p: &[u8; 64]) -> [u8; 64] {
    let mut out = *p;
    if p[32..].iter().all(|b| *b == 0) {
        return out;
    }
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(Q_BE[i]) - i16::from(p[32 + i]) - borrow;
        out[32 + i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    out
}
