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

#[test]
fn round_files_in_drand_http_shape_verify_offline_and_wrong_chains_or_values_are_rejected() {
    use zk402_ceremony::drand_round::{RoundError, from_json};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-ceremony/drand-quicknet-12040883.json");
    let text = std::fs::read_to_string(path).unwrap();
    let (round, sig, randomness) = rounds().into_iter().find(|r| r.0 == 12040883).unwrap();
    let v = from_json(&text).unwrap();
    assert_eq!((v.round, v.signature.clone(), v.randomness.to_vec()), (round, sig, randomness));

    let edit = |from: &str, to: &str| from_json(&text.replacen(from, to, 1)).unwrap_err();
    assert_eq!(edit(QUICKNET_CHAIN_HASH, &"00".repeat(32)), RoundError::WrongChain("chain hash"));
    assert_eq!(edit(&QUICKNET_PUBLIC_KEY[..8], "00000000"), RoundError::WrongChain("public key"));
    assert_eq!(edit("bls-unchained-g1-rfc9380", "pedersen-bls-chained"), RoundError::WrongChain("scheme"));
    assert_eq!(edit("\"randomness\": \"17", "\"randomness\": \"18"), RoundError::Randomness(round));
    assert_eq!(edit("12040883,", "12040884,"), RoundError::Signature(DrandError::BadSignature(12040884)));
    assert_eq!(edit("\"signature\": \"92", "\"signature\": \"zz"), RoundError::Hex("signature"));
    assert!(matches!(from_json("{\"info\": {}}"), Err(RoundError::Json(_))));
    assert!(matches!(from_json("not json"), Err(RoundError::Json(_))));
}
