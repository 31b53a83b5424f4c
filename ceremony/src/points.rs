//! BN254 point encodings used by snarkjs files and hashes.
//!
//! - LEM ("little-endian Montgomery"), the storage form of `.zkey`/`.ptau`: affine x ‖ y, each
//!   base-field coordinate as its 32-byte little-endian Montgomery representation; G2
//!   coordinates are c0 ‖ c1. The point at infinity is all zero bytes.
//! - Uncompressed, the form snarkjs hashes: affine x ‖ y as 32-byte big-endian integers (not
//!   Montgomery); G2 coordinates are c1 ‖ c0. Infinity is all zero bytes (snarkjs's wasm
//!   `LEMtoU`, unlike ffjavascript's pure-JS curve, sets no flag bit).
//!
//! - Compressed, the form snarkjs hashes phase-1 responses in: x only (G2: c1 ‖ c0), big-endian,
//!   with 0x80 set in the first byte when y is "negative" (above (q−1)/2; for G2 the sign of
//!   y.c1, or of y.c0 when c1 = 0). Infinity is 0x40 followed by zeros.
//!
//! Reading checks that every coordinate is below q, that the point is on the curve and (for
//! G2) in the prime-order subgroup; G1 of BN254 has cofactor 1.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use zk402_circuit::binfile::{FormatError, Reader};

/// Bytes of one base-field element.
pub const FQ_BYTES: usize = 32;
/// Bytes of a G1 point in LEM or uncompressed form.
pub const G1_BYTES: usize = 64;
/// Bytes of a G2 point in LEM or uncompressed form.
pub const G2_BYTES: usize = 128;

fn fq_from_lem(bytes: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    let repr = BigInt(limbs);
    (repr < Fq::MODULUS).then(|| Fq::new_unchecked(repr))
}

fn fq_to_lem(x: &Fq, out: &mut Vec<u8>) {
    for limb in x.0.0 {
        out.extend_from_slice(&limb.to_le_bytes());
    }
}

fn fq_to_be(x: &Fq, out: &mut Vec<u8>) {
    out.extend_from_slice(&x.into_bigint().to_bytes_be());
}

/// Parses a G1 point from 64 LEM bytes.
pub fn g1_from_lem(bytes: &[u8], what: &'static str) -> Result<G1Affine, FormatError> {
    if bytes.iter().all(|b| *b == 0) {
        return Ok(G1Affine::zero());
    }
    let coord = |b: &[u8]| fq_from_lem(b).ok_or_else(|| FormatError::Invalid(format!("{what}: coordinate >= q")));
    let p = G1Affine::new_unchecked(coord(&bytes[..32])?, coord(&bytes[32..64])?);
    if !p.is_on_curve() {
        return Err(FormatError::Invalid(format!("{what}: G1 point not on the curve")));
    }
    Ok(p)
}

/// Parses a G2 point from 128 LEM bytes.
pub fn g2_from_lem(bytes: &[u8], what: &'static str) -> Result<G2Affine, FormatError> {
    if bytes.iter().all(|b| *b == 0) {
        return Ok(G2Affine::zero());
    }
    let coord = |b: &[u8]| fq_from_lem(b).ok_or_else(|| FormatError::Invalid(format!("{what}: coordinate >= q")));
    let x = Fq2::new(coord(&bytes[..32])?, coord(&bytes[32..64])?);
    let y = Fq2::new(coord(&bytes[64..96])?, coord(&bytes[96..128])?);
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(FormatError::Invalid(format!("{what}: G2 point not on the curve")));
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(FormatError::Invalid(format!("{what}: G2 point not in the prime-order subgroup")));
    }
    Ok(p)
}

/// Appends a G1 point in LEM form.
pub fn g1_to_lem(p: &G1Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend_from_slice(&[0; G1_BYTES]),
        Some((x, y)) => {
            fq_to_lem(&x, out);
            fq_to_lem(&y, out);
        }
    }
}

/// Appends a G2 point in LEM form.
pub fn g2_to_lem(p: &G2Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend_from_slice(&[0; G2_BYTES]),
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                fq_to_lem(&c, out);
            }
        }
    }
}

/// The uncompressed (hashing) form of a G1 point.
pub fn g1_uncompressed(p: &G1Affine) -> [u8; G1_BYTES] {
    let mut out = Vec::with_capacity(G1_BYTES);
    match p.xy() {
        None => out.resize(G1_BYTES, 0),
        Some((x, y)) => {
            fq_to_be(&x, &mut out);
            fq_to_be(&y, &mut out);
        }
    }
    out.try_into().expect("64 bytes")
}

/// The uncompressed (hashing) form of a G2 point.
pub fn g2_uncompressed(p: &G2Affine) -> [u8; G2_BYTES] {
    let mut out = Vec::with_capacity(G2_BYTES);
    match p.xy() {
        None => out.resize(G2_BYTES, 0),
        Some((x, y)) => {
            for c in [x.c1, x.c0, y.c1, y.c0] {
                fq_to_be(&c, &mut out);
            }
        }
    }
    out.try_into().expect("128 bytes")
}

/// ffjavascript's sign of an F_q element: the canonical integer exceeds (q−1)/2.
pub fn fq_is_negative(x: &Fq) -> bool {
    let mut half = Fq::MODULUS;
    half.div2();
    x.into_bigint() > half
}

/// ffjavascript's sign of an F_q² element: that of c1, or of c0 when c1 is zero.
pub fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() { fq_is_negative(&x.c0) } else { fq_is_negative(&x.c1) }
}

fn compressed(x_be: Vec<u8>, negative: bool, infinity: bool) -> Vec<u8> {
    let mut out = x_be;
    if infinity {
        out.fill(0);
        out[0] = 0x40;
    } else if negative {
        out[0] |= 0x80;
    }
    out
}

/// The compressed (phase-1 response hashing) form of a G1 point.
pub fn g1_compressed(p: &G1Affine) -> [u8; FQ_BYTES] {
    let out = match p.xy() {
        None => compressed(vec![0; FQ_BYTES], false, true),
        Some((x, y)) => compressed(x.into_bigint().to_bytes_be(), fq_is_negative(&y), false),
    };
    out.try_into().expect("32 bytes")
}

/// The compressed (phase-1 response hashing) form of a G2 point.
pub fn g2_compressed(p: &G2Affine) -> [u8; 2 * FQ_BYTES] {
    let out = match p.xy() {
        None => compressed(vec![0; 2 * FQ_BYTES], false, true),
        Some((x, y)) => {
            let mut be = x.c1.into_bigint().to_bytes_be();
            be.extend_from_slice(&x.c0.into_bigint().to_bytes_be());
            compressed(be, fq2_is_negative(&y), false)
        }
    };
    out.try_into().expect("64 bytes")
}

/// Reads one LEM G1 point from a section reader.
pub fn read_g1(r: &mut Reader<'_>, what: &'static str) -> Result<G1Affine, FormatError> {
    g1_from_lem(r.bytes(G1_BYTES, what)?, what)
}

/// Reads one LEM G2 point from a section reader.
pub fn read_g2(r: &mut Reader<'_>, what: &'static str) -> Result<G2Affine, FormatError> {
    g2_from_lem(r.bytes(G2_BYTES, what)?, what)
}

/// Parses a whole section of exactly `n` LEM G1 points (in parallel; order kept).
pub fn g1_section(payload: &[u8], n: usize, what: &'static str) -> Result<Vec<G1Affine>, FormatError> {
    if payload.len() != n.saturating_mul(G1_BYTES) {
        return Err(FormatError::Invalid(format!(
            "{what}: section holds {} bytes, expected {n} G1 points",
            payload.len()
        )));
    }
    parse_chunks(payload, G1_BYTES, |c| g1_from_lem(c, what))
}

/// Parses a whole section of exactly `n` LEM G2 points (in parallel; order kept).
pub fn g2_section(payload: &[u8], n: usize, what: &'static str) -> Result<Vec<G2Affine>, FormatError> {
    if payload.len() != n.saturating_mul(G2_BYTES) {
        return Err(FormatError::Invalid(format!(
            "{what}: section holds {} bytes, expected {n} G2 points",
            payload.len()
        )));
    }
    parse_chunks(payload, G2_BYTES, |c| g2_from_lem(c, what))
}

fn parse_chunks<T: Send>(
    payload: &[u8],
    size: usize,
    parse: impl Fn(&[u8]) -> Result<T, FormatError> + Sync + Send,
) -> Result<Vec<T>, FormatError> {
    use rayon::prelude::*;
    payload.par_chunks_exact(size).map(parse).collect()
}

/// A whole section of G1 points in LEM form.
pub fn g1s_to_lem(points: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * G1_BYTES);
    points.iter().for_each(|p| g1_to_lem(p, &mut out));
    out
}

/// A whole section of G2 points in LEM form.
pub fn g2s_to_lem(points: &[G2Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * G2_BYTES);
    points.iter().for_each(|p| g2_to_lem(p, &mut out));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;

    #[test]
    fn lem_round_trips_and_rejects_bad_points() {
        let g1 = (G1Affine::generator() * ark_bn254::Fr::from(7u64)).into_affine();
        let g2 = (G2Affine::generator() * ark_bn254::Fr::from(9u64)).into_affine();
        let mut b = Vec::new();
        g1_to_lem(&g1, &mut b);
        assert_eq!(g1_from_lem(&b, "p").unwrap(), g1);
        let mut b2 = Vec::new();
        g2_to_lem(&g2, &mut b2);
        assert_eq!(g2_from_lem(&b2, "p").unwrap(), g2);
        assert!(g1_from_lem(&[0; 64], "p").unwrap().is_zero());
        b[0] ^= 1;
        assert!(g1_from_lem(&b, "p").is_err(), "off-curve point accepted");
        assert!(g1_from_lem(&[0xff; 64], "p").is_err(), "coordinate >= q accepted");
        b2[0] ^= 1;
        assert!(g2_from_lem(&b2, "p").is_err());
        // The generator's uncompressed form is the plain big-endian (1, 2).
        let u = g1_uncompressed(&G1Affine::generator());
        assert_eq!((u[31], u[63]), (1, 2));
        assert_eq!(g1_uncompressed(&G1Affine::zero()), [0; 64]);
    }
}
