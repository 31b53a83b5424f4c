//! drand quicknet rounds recorded in ../shared/vectors/drand.json verify offline; tampering
//! is rejected with the specific error.

use zk402_ceremony::drand::{DrandError, QUICKNET_CHAIN_HASH, QUICKNET_PUBLIC_KEY, from_hex, verify_round};

fn rounds() -> Vec<(u64, Vec<u8>, Vec<u8>)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/drand.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let chain = &json["chains"]["quicknet"];
    assert_eq!(chain["chain_hash"], QUICKNET_CHAIN_HASH);
    assert_eq!(chain["public_key"], QUICKNET_PUBLIC_KEY);
    chain["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let hex = |k: &str| from_hex(r[k].as_str().unwrap()).unwrap();
            (r["round"].as_u64().unwrap(), hex("signature"), hex("randomness"))
        })
        .collect()
}

#[test]
fn every_recorded_round_verifies_and_yields_its_randomness() {
    let rounds = rounds();
    assert!(rounds.len() >= 4);
    for (round, sig, randomness) in rounds {
        assert_eq!(verify_round(round, &sig).unwrap().to_vec(), randomness, "round {round}");
    }
}

#[test]
fn tampered_rounds_are_rejected() {
    let (round, sig, _) = rounds().pop().unwrap();
    assert_eq!(verify_round(round + 1, &sig), Err(DrandError::BadSignature(round + 1)));
    assert_eq!(verify_round(0, &sig), Err(DrandError::RoundZero));
    let mut flipped = sig.clone();
    flipped[47] ^= 1;
    assert!(matches!(verify_round(round, &flipped), Err(DrandError::MalformedSignature | DrandError::BadSignature(_))));
    assert_eq!(verify_round(round, &sig[..47]), Err(DrandError::MalformedSignature));
    assert_eq!(verify_round(round, &[0xff; 48]), Err(DrandError::MalformedSignature));
}
