//! Why the committed test ceremony's key (`keys/insecure_test.rs`, compiled in only with the
//! feature `insecure-test-key`) must never reach a cluster: its phase-2 secrets follow from what
//! it publishes, so anyone can prove anything under it.
//!
//! A Groth16 verifier checks e(A, B) = e(α, β) · e(vk_x, γ) · e(C, δ), with
//! vk_x = IC₀ + Σ xᵢ·ICᵢ over the public inputs x. snarkjs fixes γ to the G2 generator, and
//! `zkey new` starts from δ = 1, after which every phase-2 contribution multiplies δ by its
//! secret. The test ceremony draws each contributor's secret from a seed printed in its
//! `transcript.txt` (`--insecure-test-entropy`), and the final beacon's from public drand
//! randomness. So δ = x₁·x₂·x_beacon is public, and from any one valid proof (A, B, C) for
//! inputs x, (A, B, C + δ⁻¹·(vk_x − vk_x')) is a valid proof for any inputs x': the pairing
//! equation does not change. A real ceremony is safe only because at least one contributor
//! drew its secret from real randomness and destroyed it.

mod common;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One, PrimeField};
use common::payments::*;
use solana_signer::Signer;
use std::path::Path;
use zk402_ceremony::Zkey;
use zk402_ceremony::beacon::beacon_rng;
use zk402_ceremony::contribute::Entropy;
use zk402_ceremony::keygen::DeltaKey;
use zk402_chain::program::{ProofSubmission, payment_events, verify_payment};
use zk402_verifier::state::Policy;
use zk402_verifier::verification::{u64_input, verifying_key};
use zk402_verifier::verifying_key::{DELTA_G2, GAMMA_G2, IC};
use zk402_verifier_core::ark::{g1_from_bytes, g1_to_bytes, g2_from_bytes};
use zk402_verifier_core::encoding::Proof;
use zk402_verifier_core::{InputBase, verify};

/// The phase-2 seeds `ceremony/test-ceremony/transcript.txt` publishes, in contribution order.
fn published_seeds() -> Vec<Vec<u8>> {
    let transcript = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/transcript.txt");
    let transcript = std::fs::read_to_string(transcript).expect("committed transcript");
    transcript
        .lines()
        .filter(|line| line.contains("contribution "))
        .filter_map(|line| line.split_once(" seed hex ").map(|(_, hex)| hex.trim()))
        .map(|hex| {
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex seed")).collect()
        })
        .collect()
}

/// δ of the test ceremony: the product of every phase-2 contribution's secret, re-derived
/// exactly as `zk402-ceremony contribute`/`beacon` drew it (the seed or the beacon value, then
/// the transcript of the contributions before it, read from the committed zkey).
fn test_ceremony_delta() -> Fr {
    let zkey = Zkey::read(&std::fs::read(zkey_path()).expect("committed zkey")).expect("zkey");
    let mut seeds = published_seeds().into_iter();
    let mut delta = Fr::one();
    for (i, contribution) in zkey.mpc.contributions.iter().enumerate() {
        let mut rng = match &contribution.beacon {
            Some(beacon) => beacon_rng(&beacon.hash, beacon.iterations_exp).expect("beacon parameters"),
            None => {
                let seed = seeds.next().expect("a published seed per contribution");
                Entropy::InsecureTest { seed }.rng().expect("seeded rng")
            }
        };
        let key = DeltaKey::derive(&mut rng, zkey.mpc.transcript_hasher(i));
        // The recorded proof of knowledge matches: this is contribution i's secret.
        assert_eq!((key.g1_s, key.g1_sx), (contribution.g1_s, contribution.g1_sx), "contribution {i}");
        delta *= key.x;
    }
    assert!(seeds.next().is_none(), "every published seed was used");
    delta
}

/// vk_x = IC₀ + Σ xᵢ·ICᵢ under the compiled key.
fn vk_x(inputs: &[[u8; 32]; 4]) -> G1Projective {
    let ic: Vec<G1Affine> = IC.iter().map(|p| g1_from_bytes(p).expect("compiled IC point")).collect();
    inputs.iter().zip(&ic[1..]).fold(ic[0].into_group(), |acc, (x, p)| acc + *p * Fr::from_be_bytes_mod_order(x))
}

/// The public inputs of a submission for a policy hash, in circuit order.
fn inputs(policy_hash: [u8; 32], s: &ProofSubmission) -> [[u8; 32]; 4] {
    [policy_hash, u64_input(s.now as u64), s.nullifier, s.request_hash]
}

#[tokio::test]
async fn published_test_seeds_forge_any_statement() {
    let delta = test_ceremony_delta();
    assert_eq!(G2Affine::generator() * delta, g2_from_bytes(&DELTA_G2).unwrap(), "δ·G2 is the compiled delta");
    assert_eq!(g2_from_bytes(&GAMMA_G2).unwrap(), G2Affine::generator(), "snarkjs's γ is the generator");

    // One honest payment to merchant A.
    let (mut env, paid, paid_policy) = setup(61).await;
    let honest = paid.pay(NOW, 7);
    let honest_hash = env.account::<Policy>(paid_policy).await.unwrap().policy_hash;

    // A statement nobody paid for: merchant B's policy, a fresh nullifier, another request.
    let unpaid = Merchant::new(62);
    let unpaid_policy = unpaid.register(&mut env).await;
    let unpaid_hash = env.account::<Policy>(unpaid_policy).await.unwrap().policy_hash;
    let mut forged = honest.clone();
    forged.nullifier = [0x2a; 32];
    forged.request_hash = [0x17; 32];
    let shift = (vk_x(&inputs(honest_hash, &honest)) - vk_x(&inputs(unpaid_hash, &forged))) * delta.inverse().unwrap();
    let c = g1_from_bytes(honest.proof[192..].try_into().unwrap()).unwrap();
    forged.proof[192..].copy_from_slice(&g1_to_bytes(&(c + shift).into_affine()));

    // The verifier core with the compiled key accepts it...
    let vk = verifying_key();
    let base = InputBase::fold(&vk, &[unpaid_hash]).unwrap();
    let per_proof = &inputs(unpaid_hash, &forged)[1..];
    verify(&vk, &base, &Proof::from_bytes(&forged.proof), per_proof).expect("forged proof verifies in the core");

    // ...and so does the program: merchant B's policy records an access nobody paid for.
    let (payer, set) = (env.payer().pubkey(), unpaid.set(&env));
    let ix = verify_payment(&payer, &unpaid_policy, &set, &forged);
    let logs = env.send(&[ix], &[]).await.expect("forged proof accepted");
    let event = payment_events(&logs).pop().expect("PaymentVerified emitted");
    assert_eq!((event.policy, event.nullifier, event.request_hash), (unpaid_policy, [0x2a; 32], [0x17; 32]));
    let shard = env.shard(set.shard_for(&forged.nullifier)).await;
    assert!(shard.shard().expiry_of(&forged.nullifier).is_some(), "the forged nullifier is recorded as spent");
}
