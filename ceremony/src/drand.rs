//! drand quicknet beacons, verified offline: round r is signed (BLS12-381, scheme
//! `bls-unchained-g1-rfc9380`) over sha256(r as u64 big-endian), the signature a compressed G1
//! point hashed to the curve with RFC 9380 SSWU; randomness = sha256(signature). The chain's
//! public key is pinned here; a round's signature is checked with
//! e(sig, G2) = e(H(m), pk).

use ark_bls12_381::{Bls12_381, G1Affine, G2Affine, g1};
use ark_ec::hashing::{HashToCurve, curve_maps::wb::WBMap, map_to_curve_hasher::MapToCurveBasedHasher};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use ark_ff::field_hashers::DefaultFieldHasher;
use ark_serialize::CanonicalDeserialize;
use sha2::{Digest, Sha256};

/// The quicknet chain hash.
pub const QUICKNET_CHAIN_HASH: &str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
/// The quicknet group public key (compressed G2).
pub const QUICKNET_PUBLIC_KEY: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
/// The hash-to-curve domain separation tag of the scheme.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

/// Why a round is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrandError {
    /// Round 0 does not exist (rounds start at 1).
    #[error("round 0 does not exist")]
    RoundZero,
    /// The signature is not hex of a compressed G1 point in the subgroup.
    #[error("signature is not a valid compressed BLS12-381 G1 point")]
    MalformedSignature,
    /// The signature does not verify for this round under the quicknet key.
    #[error("signature does not verify for round {0} under the quicknet public key")]
    BadSignature(u64),
}

/// Decodes lower/upper-case hex.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn public_key() -> G2Affine {
    let bytes = from_hex(QUICKNET_PUBLIC_KEY).expect("pinned key is hex");
    G2Affine::deserialize_compressed(bytes.as_slice()).expect("pinned key is a valid G2 point")
}

/// The message signed for a round: sha256(round as u64 big-endian).
pub fn round_message(round: u64) -> [u8; 32] {
    Sha256::digest(round.to_be_bytes()).into()
}

/// Verifies a quicknet round's signature offline and returns its randomness (sha256 of the
/// signature bytes).
pub fn verify_round(round: u64, signature: &[u8]) -> Result<[u8; 32], DrandError> {
    if round == 0 {
        return Err(DrandError::RoundZero);
    }
    let sig = G1Affine::deserialize_compressed(signature).map_err(|_| DrandError::MalformedSignature)?;
    if sig.is_zero() {
        return Err(DrandError::MalformedSignature);
    }
    let hasher =
        MapToCurveBasedHasher::<ark_bls12_381::G1Projective, DefaultFieldHasher<Sha256, 128>, WBMap<g1::Config>>::new(
            DST,
        )
        .expect("valid DST");
    let h = hasher.hash(&round_message(round)).map_err(|_| DrandError::BadSignature(round))?;
    let lhs = Bls12_381::multi_pairing([sig, (-h.into_group()).into_affine()], [G2Affine::generator(), public_key()]);
    if !lhs.is_zero() {
        return Err(DrandError::BadSignature(round));
    }
    Ok(Sha256::digest(signature).into())
}
