//! Cross-check of the native Poseidon and EdDSA-Poseidon against circomlibjs on fixed vectors:
//! same Poseidon outputs, same public keys, same signatures, same credit nullifiers.

mod common;

use serde::Deserialize;
use zk402_circuit::field::fr_from_decimal;
use zk402_circuit::poseidon::poseidon;
use zk402_circuit::{Fr, Secret, SigningKey};

#[derive(Deserialize)]
struct Vectors {
    poseidon: Vec<PoseidonVector>,
    eddsa: Vec<KeyVector>,
    nullifier: Vec<NullifierVector>,
}

#[derive(Deserialize)]
struct NullifierVector {
    secret: String,
    index: String,
    nullifier: String,
}

#[derive(Deserialize)]
struct PoseidonVector {
    inputs: Vec<String>,
    hash: String,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct KeyVector {
    seed: String,
    Ax: String,
    Ay: String,
    signatures: Vec<SignatureVector>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct SignatureVector {
    msg: String,
    R8x: String,
    R8y: String,
    S: String,
}

fn fr(s: &str) -> Fr {
    fr_from_decimal(s).unwrap()
}

fn poseidon_dyn(inputs: &[Fr]) -> Fr {
    match inputs {
        [a] => poseidon(&[*a]),
        [a, b] => poseidon(&[*a, *b]),
        [a, b, c, d, e] => poseidon(&[*a, *b, *c, *d, *e]),
        [a, b, c, d, e, f] => poseidon(&[*a, *b, *c, *d, *e, *f]),
        other => panic!("no vector width {}", other.len()),
    }
}

#[test]
fn native_matches_circomlibjs() {
    let out = common::node_command("node").arg("scripts/circomlibjs-vectors.js").output().expect("node runs");
    assert!(out.status.success(), "circomlibjs script failed: {}", String::from_utf8_lossy(&out.stderr));
    let vectors: Vectors = serde_json::from_slice(&out.stdout).expect("vector JSON");

    assert_eq!(vectors.poseidon.len(), 6);
    for v in &vectors.poseidon {
        let inputs: Vec<Fr> = v.inputs.iter().map(|s| fr(s)).collect();
        assert_eq!(poseidon_dyn(&inputs), fr(&v.hash), "Poseidon{:?}", v.inputs);
    }

    assert_eq!(vectors.nullifier.len(), 4);
    for v in &vectors.nullifier {
        let index: u32 = v.index.parse().unwrap();
        assert_eq!(
            Secret::from_fr(fr(&v.secret)).nullifier(index),
            fr(&v.nullifier),
            "secret {} index {}",
            v.secret,
            index
        );
    }

    assert_eq!(vectors.eddsa.len(), 3);
    for key in &vectors.eddsa {
        let seed: [u8; 32] = (0..32)
            .map(|i| u8::from_str_radix(&key.seed[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let signer = SigningKey::from_seed(&seed);
        let public = signer.public_key();
        assert_eq!((public.x, public.y), (fr(&key.Ax), fr(&key.Ay)), "public key of seed {}", key.seed);
        for sig in &key.signatures {
            let msg = fr(&sig.msg);
            let ours = signer.sign(&msg);
            assert_eq!(
                (ours.r8x, ours.r8y, ours.s),
                (fr(&sig.R8x), fr(&sig.R8y), fr(&sig.S)),
                "seed {} msg {}",
                key.seed,
                sig.msg
            );
            assert_eq!(public.verify(&msg, &ours), Ok(()));
        }
    }
}
