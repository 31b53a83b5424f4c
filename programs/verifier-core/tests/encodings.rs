//! Property tests of the on-chain proof encodings: 256-byte bytes ↔ arkworks points (A
//! negated) ↔ 128-byte compressed form, G1 negation, and the public-input range check; plus
//! the committed fuzz seeds, which must be real encodings of one proof.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField};
use proptest::prelude::*;
use std::path::Path;
use zk402_verifier_core::ark::{
    compress, g1_from_bytes, g1_to_bytes, g2_from_bytes, g2_to_bytes, input_from_fr, proof_from_ark, proof_to_ark,
};
use zk402_verifier_core::encoding::{PROOF_LEN, Proof, is_scalar, negate_g1};

fn scalar(bytes: [u8; 32]) -> Fr {
    Fr::from_le_bytes_mod_order(&bytes)
}

/// A G1 point k·G (the identity when k = 0, which the strategy reaches through small k).
fn g1() -> impl Strategy<Value = G1Affine> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(|k| (G1Projective::generator() * scalar(k)).into_affine()),
        (0u64..3).prop_map(|k| (G1Projective::generator() * Fr::from(k)).into_affine()),
    ]
}

fn g2() -> impl Strategy<Value = G2Affine> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(|k| (G2Projective::generator() * scalar(k)).into_affine()),
        (0u64..3).prop_map(|k| (G2Projective::generator() * Fr::from(k)).into_affine()),
    ]
}

fn ark_proof() -> impl Strategy<Value = ark_groth16::Proof<ark_bn254::Bn254>> {
    (g1(), g2(), g1()).prop_map(|(a, b, c)| ark_groth16::Proof { a, b, c })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bytes_split_and_join_losslessly(bytes in proptest::collection::vec(any::<u8>(), PROOF_LEN)) {
        let bytes: [u8; PROOF_LEN] = bytes.try_into().unwrap();
        prop_assert_eq!(Proof::from_bytes(&bytes).to_bytes(), bytes);
    }

    #[test]
    fn ark_and_onchain_round_trip(proof in ark_proof()) {
        let onchain = proof_from_ark(&proof);
        prop_assert_eq!(&onchain.a_neg, &g1_to_bytes(&(-proof.a)), "A is stored negated");
        prop_assert_eq!(proof_to_ark(&onchain), Ok(proof));
        prop_assert_eq!(Proof::from_bytes(&onchain.to_bytes()), onchain);
    }

    #[test]
    fn compression_round_trips(proof in ark_proof()) {
        let onchain = proof_from_ark(&proof);
        let compressed = compress(&onchain).unwrap();
        prop_assert_eq!(Proof::from_compressed(&compressed), Ok(onchain));
    }

    #[test]
    fn point_encodings_round_trip(a in g1(), b in g2()) {
        prop_assert_eq!(g1_from_bytes(&g1_to_bytes(&a)), Ok(a));
        prop_assert_eq!(g2_from_bytes(&g2_to_bytes(&b)), Ok(b));
    }

    #[test]
    fn negation_matches_arkworks(a in g1()) {
        let bytes = g1_to_bytes(&a);
        prop_assert_eq!(negate_g1(&bytes), g1_to_bytes(&(-a)));
        prop_assert_eq!(negate_g1(&negate_g1(&bytes)), bytes);
    }

    #[test]
    fn scalar_check_agrees_with_the_field(bytes in any::<[u8; 32]>(), x in any::<[u8; 32]>()) {
        let canonical = Fr::from_bigint(ark_ff::BigInt::<4>::from_bits_be(
            &bytes.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect::<Vec<_>>(),
        ));
        prop_assert_eq!(is_scalar(&bytes), canonical.is_some());
        let x = scalar(x);
        prop_assert!(is_scalar(&input_from_fr(&x)));
        prop_assert_eq!(input_from_fr(&x).to_vec(), x.into_bigint().to_bytes_be());
    }
}

fn seed(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn committed_fuzz_seeds_encode_one_valid_proof() {
    let bytes: [u8; PROOF_LEN] = seed("proof_uncompressed/tiny-proof.bin").try_into().unwrap();
    let compressed: [u8; 128] = seed("proof_compressed/tiny-proof.bin").try_into().unwrap();
    let proof = Proof::from_bytes(&bytes);
    assert!(proof_to_ark(&proof).is_ok(), "the seed's points are valid");
    assert_eq!(compress(&proof), Ok(compressed));
    assert_eq!(Proof::from_compressed(&compressed), Ok(proof));
}

#[test]
fn the_identity_has_one_compressed_spelling() {
    // Found by the `proof_compressed` fuzz target: the infinity flag (bit 6 of the first byte)
    // with stray bits used to decompress to the identity as well.
    let zero = [0u8; 128];
    assert_eq!(Proof::from_compressed(&zero).map(|p| p.to_bytes()), Ok([0u8; PROOF_LEN]));
    for (at, byte) in [(0, 0x40), (0, 0x5f), (0, 0xc0), (32, 0x40), (32, 0x52), (96, 0x41)] {
        let mut bytes = zero;
        bytes[at] = byte;
        assert!(Proof::from_compressed(&bytes).is_err(), "byte {at} = {byte:#04x} was accepted");
    }
}
