//! snarkjs's derivation of contribution keys from a ChaCha stream (ffjavascript `fromRng`),
//! reproduced exactly: scalars and base-field coordinates are sampled as 254-bit integers
//! that ffjavascript then treats as Montgomery representations, curve points by sampling x
//! until x³ + b is a square, choosing the root's sign from a coin, and (G2) clearing the
//! cofactor. The sampled value is therefore v·R⁻¹ for the sampled integer v.

use crate::chacha::ChaCha;
use crate::mpc::Hash64;
use crate::points::{fq_is_negative, fq2_is_negative, g1_uncompressed};
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, short_weierstrass::SWCurveConfig};
use ark_ff::{BigInt, Field, PrimeField};
use blake2::{Blake2b512, Digest};

/// A field element sampled as ffjavascript's wasm fields do: four u64 words (least
/// significant first), masked to the modulus bit length, rejected until below the modulus,
/// then read as a Montgomery representation.
fn field_from_rng<F: PrimeField<BigInt = BigInt<4>>>(rng: &mut ChaCha) -> F {
    let bits = F::MODULUS_BIT_SIZE;
    loop {
        let mut limbs = [0u64; 4];
        for limb in &mut limbs {
            *limb = rng.next_u64();
        }
        limbs[3] &= u64::MAX >> (256 - bits);
        let v = BigInt(limbs);
        if v < F::MODULUS {
            // `from_bigint` multiplies by R; snarkjs treats v itself as v·R (Montgomery).
            let r_inv = F::from(2u64).pow([256]).inverse().expect("R is invertible");
            return F::from_bigint(v).expect("below modulus") * r_inv;
        }
    }
}

/// A scalar as `curve.Fr.fromRng(rng)`.
pub fn fr_from_rng(rng: &mut ChaCha) -> Fr {
    field_from_rng(rng)
}

/// A G1 point as `curve.G1.fromRng(rng)` (BN254 G1 has cofactor 1).
pub fn g1_from_rng(rng: &mut ChaCha) -> G1Affine {
    loop {
        let x: Fq = field_from_rng(rng);
        let greatest = rng.next_bool();
        let rhs = x.square() * x + ark_bn254::g1::Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let y = if greatest ^ fq_is_negative(&y) { -y } else { y };
            return G1Affine::new_unchecked(x, y);
        }
    }
}

/// A G2 point as `curve.G2.fromRng(rng)`, cofactor cleared by multiplying with snarkjs's
/// `cofactorG2`.
pub fn g2_from_rng(rng: &mut ChaCha) -> G2Affine {
    loop {
        let x = Fq2::new(field_from_rng(rng), field_from_rng(rng));
        let greatest = rng.next_bool();
        let rhs = x.square() * x + ark_bn254::g2::Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let y = if greatest ^ fq2_is_negative(&y) { -y } else { y };
            let p = G2Affine::new_unchecked(x, y);
            return G2Projective::from(p).mul_bigint(COFACTOR_G2).into_affine();
        }
    }
}

/// snarkjs's `cofactorG2` for BN254, the integer 2q − r, as little-endian u64 limbs.
const COFACTOR_G2: [u64; 4] =
    [0x345f_2299_c0f9_fa8d, 0x06ce_ecda_572a_2489, 0xb850_45b6_8181_585e, 0x3064_4e72_e131_a029];

/// snarkjs `hashToG2`: a G2 point from a ChaCha stream seeded with a digest.
pub fn hash_to_g2(hash: &[u8]) -> G2Affine {
    g2_from_rng(&mut ChaCha::from_hash(hash))
}

/// A phase-2 contribution key: the secret factor and its public proof of knowledge.
#[derive(Debug, Clone)]
pub struct DeltaKey {
    /// The secret factor x (delta is multiplied by it).
    pub x: Fr,
    /// s·G1.
    pub g1_s: G1Affine,
    /// x·s·G1.
    pub g1_sx: G1Affine,
    /// BLAKE2b-512 of the transcript so far, s and s·x.
    pub transcript: Hash64,
    /// x·hash_to_G2(transcript).
    pub g2_spx: G2Affine,
}

impl DeltaKey {
    /// Draws a key from `rng` exactly as snarkjs `zkey contribute`/`beacon` do, continuing the
    /// transcript hasher (circuit hash and previous contributions already absorbed).
    pub fn derive(rng: &mut ChaCha, mut transcript: Blake2b512) -> DeltaKey {
        let x = fr_from_rng(rng);
        let g1_s = g1_from_rng(rng);
        let g1_sx = (g1_s * x).into_affine();
        transcript.update(g1_uncompressed(&g1_s));
        transcript.update(g1_uncompressed(&g1_sx));
        let transcript: Hash64 = transcript.finalize().into();
        let g2_spx = (hash_to_g2(&transcript) * x).into_affine();
        DeltaKey { x, g1_s, g1_sx, transcript, g2_spx }
    }
}
