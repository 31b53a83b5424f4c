//! Conversions between arkworks BN254 types and the syscall encoding (feature `ark`, host only).

use crate::encoding::{COMPRESSED_PROOF_LEN, Proof};
use crate::error::VerifyError;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};

fn be32<F: PrimeField>(x: &F) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

fn fq(bytes: &[u8]) -> Result<Fq, VerifyError> {
    let x = Fq::from_be_bytes_mod_order(bytes);
    // Reject non-canonical encodings (≥ q) instead of reducing them.
    if be32(&x) == bytes { Ok(x) } else { Err(VerifyError::InvalidG1Point) }
}

/// A G1 point as x ‖ y big-endian (identity = 64 zero bytes).
pub fn g1_to_bytes(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&be32(&x));
        out[32..].copy_from_slice(&be32(&y));
    }
    out
}

/// A G2 point as x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0 big-endian (identity = 128 zero bytes).
pub fn g2_to_bytes(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[32 * i..32 * (i + 1)].copy_from_slice(&be32(c));
        }
    }
    out
}

/// Parses a G1 point, checking it is on the curve.
pub fn g1_from_bytes(bytes: &[u8; 64]) -> Result<G1Affine, VerifyError> {
    if bytes.iter().all(|b| *b == 0) {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(fq(&bytes[..32])?, fq(&bytes[32..])?);
    if p.is_on_curve() { Ok(p) } else { Err(VerifyError::InvalidG1Point) }
}

/// Parses a G2 point, checking it is on the curve and in the prime-order subgroup.
pub fn g2_from_bytes(bytes: &[u8; 128]) -> Result<G2Affine, VerifyError> {
    if bytes.iter().all(|b| *b == 0) {
        return Ok(G2Affine::zero());
    }
    let c = |i: usize| fq(&bytes[32 * i..32 * (i + 1)]).map_err(|_| VerifyError::InvalidPairingInput);
    let p = G2Affine::new_unchecked(Fq2::new(c(1)?, c(0)?), Fq2::new(c(3)?, c(2)?));
    if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err(VerifyError::InvalidPairingInput)
    }
}

/// An arkworks proof in on-chain encoding (A negated).
pub fn proof_from_ark(proof: &ark_groth16::Proof<Bn254>) -> Proof {
    Proof { a_neg: g1_to_bytes(&(-proof.a)), b: g2_to_bytes(&proof.b), c: g1_to_bytes(&proof.c) }
}

/// The arkworks proof behind an on-chain encoding (A negated back), with point checks.
pub fn proof_to_ark(proof: &Proof) -> Result<ark_groth16::Proof<Bn254>, VerifyError> {
    Ok(ark_groth16::Proof {
        a: -g1_from_bytes(&proof.a_neg)?,
        b: g2_from_bytes(&proof.b)?,
        c: g1_from_bytes(&proof.c)?,
    })
}

/// A public input (field element) as 32 bytes big-endian.
pub fn input_from_fr(x: &Fr) -> [u8; 32] {
    be32(x)
}

/// The 128-byte compressed encoding (−A ‖ B ‖ C, alt_bn128 compressed points).
pub fn compress(proof: &Proof) -> Result<[u8; COMPRESSED_PROOF_LEN], VerifyError> {
    use solana_bn254::compression::prelude::{alt_bn128_g1_compress_be, alt_bn128_g2_compress_be};
    let mut out = [0u8; COMPRESSED_PROOF_LEN];
    out[..32].copy_from_slice(&alt_bn128_g1_compress_be(&proof.a_neg).map_err(|_| VerifyError::InvalidG1Point)?);
    out[32..96].copy_from_slice(&alt_bn128_g2_compress_be(&proof.b).map_err(|_| VerifyError::InvalidPairingInput)?);
    out[96..].copy_from_slice(&alt_bn128_g1_compress_be(&proof.c).map_err(|_| VerifyError::InvalidG1Point)?);
    Ok(out)
}
