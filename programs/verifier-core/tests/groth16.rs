//! Single and batch verification on real proofs: every valid proof passes, and each kind of
//! tampering is rejected with its specific error. groth16-solana, verifying the same proofs,
//! is the independent peer.

mod common;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use common::{Fixture, g1, g2, scalar};
use groth16_solana::groth16::{Groth16Verifier, Groth16Verifyingkey};
use solana_bn254::compression::prelude::{alt_bn128_g1_compress_be, alt_bn128_g2_compress_be};
use zk402_verifier_core::batch::{BatchItem, verify_batch, weights};
use zk402_verifier_core::encoding::{Proof, R_BE, negate_g1};
use zk402_verifier_core::{InputBase, VerifyError, verify};

fn base0(f: &Fixture) -> InputBase {
    InputBase::fold(&f.key.vk(), &[]).unwrap()
}

#[test]
fn valid_proofs_verify_with_and_without_folded_inputs() {
    let mut f = Fixture::new();
    let (proof, x) = f.proof();
    assert_eq!(verify(&f.key.vk(), &base0(&f), &proof, &x), Ok(()));
    let folded = InputBase::fold(&f.key.vk(), &x[..1]).unwrap();
    assert_eq!(verify(&f.key.vk(), &folded, &proof, &x[1..]), Ok(()));
    let all = InputBase::fold(&f.key.vk(), &x).unwrap();
    assert_eq!(verify(&f.key.vk(), &all, &proof, &[]), Ok(()));
}

#[test]
fn agrees_with_groth16_solana_and_arkworks() {
    let mut f = Fixture::new();
    let (proof, x) = f.proof();
    let key = &f.key;
    let peer_vk = Groth16Verifyingkey {
        nr_pubinputs: 4,
        vk_alpha_g1: key.alpha,
        vk_beta_g2: key.beta,
        vk_gamma_g2: key.gamma,
        vk_delta_g2: key.delta,
        vk_ic: &key.ic,
        vk_commitment: None,
    };
    let mut bad = proof;
    bad.c = g1(&(G1Affine::generator() * Fr::from(3u64)).into_affine());
    for (p, valid) in [(proof, true), (bad, false)] {
        let ours = verify(&f.key.vk(), &base0(&f), &p, &x).is_ok();
        let peer = Groth16Verifier::new(&p.a_neg, &p.b, &p.c, &x, &peer_vk).unwrap().verify().is_ok();
        let ark_proof = zk402_verifier_core::ark::proof_to_ark(&p).unwrap();
        let inputs: Vec<Fr> = x.iter().map(|b| <Fr as ark_ff::PrimeField>::from_be_bytes_mod_order(b)).collect();
        let pvk = ark_groth16::prepare_verifying_key(&f.vk_ark);
        let ark = ark_groth16::Groth16::<ark_bn254::Bn254>::verify_proof(&pvk, &ark_proof, &inputs).unwrap();
        assert_eq!((ours, peer, ark), (valid, valid, valid));
    }
}

#[test]
fn tampered_proofs_are_rejected() {
    let mut f = Fixture::new();
    let (proof, x) = f.proof();
    let vk = f.key.vk();
    let other_g1 = g1(&(G1Affine::generator() * Fr::from(7u64)).into_affine());
    let other_g2 = g2(&(G2Affine::generator() * Fr::from(7u64)).into_affine());
    let cases: [(&str, Proof); 4] = [
        ("A replaced", Proof { a_neg: other_g1, ..proof }),
        ("A not negated", Proof { a_neg: negate_g1(&proof.a_neg), ..proof }),
        ("B replaced", Proof { b: other_g2, ..proof }),
        ("C replaced", Proof { c: other_g1, ..proof }),
    ];
    for (name, p) in cases {
        assert_eq!(verify(&vk, &base0(&f), &p, &x), Err(VerifyError::ProofInvalid), "{name}");
    }
    let mut off_curve = proof;
    off_curve.a_neg[63] ^= 1;
    assert_eq!(verify(&vk, &base0(&f), &off_curve, &x), Err(VerifyError::InvalidPairingInput));
    let mut off_curve_b = proof;
    off_curve_b.b[127] ^= 1;
    assert_eq!(verify(&vk, &base0(&f), &off_curve_b, &x), Err(VerifyError::InvalidPairingInput));
}

#[test]
fn wrong_public_inputs_are_rejected() {
    let mut f = Fixture::new();
    let (proof, x) = f.proof();
    let vk = f.key.vk();
    let swapped = [x[1], x[0], x[2], x[3]];
    assert_eq!(verify(&vk, &base0(&f), &proof, &swapped), Err(VerifyError::ProofInvalid));
    let mut plus_one = x;
    plus_one[3][31] ^= 1;
    assert_eq!(verify(&vk, &base0(&f), &proof, &plus_one), Err(VerifyError::ProofInvalid));
    // x + r is the same residue: it must be refused, not reduced.
    let mut at_r = x;
    at_r[0] = R_BE;
    assert_eq!(verify(&vk, &base0(&f), &proof, &at_r), Err(VerifyError::InputNotInField));
    assert_eq!(verify(&vk, &base0(&f), &proof, &x[..3]), Err(VerifyError::WrongInputCount));
    assert_eq!(InputBase::fold(&vk, &[x[0]; 5]), Err(VerifyError::WrongInputCount));
    assert_eq!(InputBase::fold(&vk, &[[0xff; 32]]), Err(VerifyError::InputNotInField));
}

#[test]
fn compressed_proofs_decompress_to_the_same_proof() {
    let mut f = Fixture::new();
    let (proof, x) = f.proof();
    let mut compressed = [0u8; 128];
    compressed[..32].copy_from_slice(&alt_bn128_g1_compress_be(&proof.a_neg).unwrap());
    compressed[32..96].copy_from_slice(&alt_bn128_g2_compress_be(&proof.b).unwrap());
    compressed[96..].copy_from_slice(&alt_bn128_g1_compress_be(&proof.c).unwrap());
    assert_eq!(compressed, zk402_verifier_core::ark::compress(&proof).unwrap());
    let back = Proof::from_compressed(&compressed).unwrap();
    assert_eq!(
        zk402_verifier_core::ark::proof_from_ark(&zk402_verifier_core::ark::proof_to_ark(&back).unwrap()),
        proof
    );
    assert_eq!(back, proof);
    assert_eq!(Proof::from_bytes(&proof.to_bytes()), proof);
    assert_eq!(verify(&f.key.vk(), &base0(&f), &back, &x), Ok(()));
    let mut garbage = compressed;
    garbage[..32].copy_from_slice(&[0xff; 32]);
    assert_eq!(Proof::from_compressed(&garbage), Err(VerifyError::DecompressionFailed));
}

#[test]
fn batches_of_1_2_and_10_verify() {
    let mut f = Fixture::new();
    let proofs: Vec<_> = (0..10).map(|_| f.proof()).collect();
    let vk = f.key.vk();
    let base = InputBase::fold(&vk, &[]).unwrap();
    for n in [1, 2, 10] {
        let items: Vec<BatchItem<'_>> = proofs[..n].iter().map(|(p, x)| BatchItem { proof: p, inputs: x }).collect();
        assert_eq!(verify_batch(&vk, &base, &items), Ok(()), "batch of {n}");
    }
}

#[test]
fn one_bad_proof_fails_the_whole_batch() {
    let mut f = Fixture::new();
    let mut proofs: Vec<_> = (0..5).map(|_| f.proof()).collect();
    let vk = f.key.vk();
    let base = InputBase::fold(&vk, &[]).unwrap();
    for bad in [0, 2, 4] {
        let original = proofs[bad];
        proofs[bad].1[2][31] ^= 1; // a public input of one proof changed
        let items: Vec<BatchItem<'_>> = proofs.iter().map(|(p, x)| BatchItem { proof: p, inputs: x }).collect();
        assert_eq!(verify_batch(&vk, &base, &items), Err(VerifyError::ProofInvalid), "bad proof at {bad}");
        proofs[bad] = original;
    }
    // Two invalid proofs that would cancel in an unweighted sum: (A, C) and (A, C) shifted.
    let shift = g1(&(G1Affine::generator() * Fr::from(11u64)).into_affine());
    let minus_shift = negate_g1(&shift);
    let mut p0 = proofs[0].0;
    let mut p1 = proofs[1].0;
    p0.c = zk402_verifier_core::bn254::g1_add(&p0.c, &shift).unwrap();
    p1.c = zk402_verifier_core::bn254::g1_add(&p1.c, &minus_shift).unwrap();
    let items = [BatchItem { proof: &p0, inputs: &proofs[0].1 }, BatchItem { proof: &p1, inputs: &proofs[1].1 }];
    assert_eq!(verify_batch(&vk, &base, &items), Err(VerifyError::ProofInvalid));
    assert_eq!(verify_batch(&vk, &base, &[]), Err(VerifyError::EmptyBatch));
}

#[test]
fn batch_checks_inputs_and_weights_depend_on_everything() {
    let mut f = Fixture::new();
    let (p0, x0) = f.proof();
    let (p1, x1) = f.proof();
    let vk = f.key.vk();
    let base = InputBase::fold(&vk, &[]).unwrap();
    let items = [BatchItem { proof: &p0, inputs: &x0 }, BatchItem { proof: &p1, inputs: &x1 }];
    let w = weights(&vk, &base, &items);
    assert_eq!(w[0], 1);
    assert_eq!(w, weights(&vk, &base, &items), "deterministic");
    let mut x1b = x1;
    x1b[0][31] ^= 1;
    assert_ne!(w, weights(&vk, &base, &[items[0], BatchItem { proof: &p1, inputs: &x1b }]));
    let mut x_out = x1;
    x_out[1] = R_BE;
    let bad = [items[0], BatchItem { proof: &p1, inputs: &x_out }];
    assert_eq!(verify_batch(&vk, &base, &bad), Err(VerifyError::InputNotInField));
    let short = [items[0], BatchItem { proof: &p1, inputs: &x1[..3] }];
    assert_eq!(verify_batch(&vk, &base, &short), Err(VerifyError::WrongInputCount));
}

#[test]
fn batch_with_folded_policy_input() {
    // Proofs of one policy share their first input (policy_hash), folded into the base once.
    let mut f = Fixture::new();
    let policy = scalar(&Fr::from(402u64));
    let proofs: Vec<_> = (0..3).map(|_| f.proof_with_first(Fr::from(402u64))).collect();
    let vk = f.key.vk();
    let base = InputBase::fold(&vk, &[policy]).unwrap();
    let items: Vec<BatchItem<'_>> = proofs.iter().map(|(p, x)| BatchItem { proof: p, inputs: &x[1..] }).collect();
    assert_eq!(verify_batch(&vk, &base, &items), Ok(()));
    let other = InputBase::fold(&vk, &[scalar(&Fr::from(403u64))]).unwrap();
    assert_eq!(verify_batch(&vk, &other, &items), Err(VerifyError::ProofInvalid), "another policy");
}
