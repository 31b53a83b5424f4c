//! The committed test ceremony: the ptau and zkey round-trip byte for byte, the ptau's phase-1
//! contributions verify and both beacons carry the recorded drand round's randomness, the
//! committed verifying key exports (JSON, and the Rust constants the verifier program compiles
//! in) equal the export of the committed zkey, the whole ceremony passes the auditor's verify
//! with exactly the committed report, and the parsers return errors — never panic — on
//! truncated or garbage input.

use std::path::{Path, PathBuf};
use zk402_ceremony::audit::{AuditInputs, Phase1Beacons, audit};
use zk402_ceremony::export::{VerificationKeyJson, rust_constants};
use zk402_ceremony::progress::Progress;
use zk402_ceremony::ptau::Ptau;
use zk402_ceremony::{MpcParams, Zkey};
use zk402_circuit::r1cs::R1cs;

fn committed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-ceremony").join(name)
}

/// The key the verifier program compiles in with its `insecure-test-key` feature.
fn program_key() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../programs/zk402-verifier/keys/insecure_test.rs")
}

#[test]
fn committed_zkey_round_trips_and_its_exports_match_the_committed_files() {
    let bytes = std::fs::read(committed("payment_final.zkey")).unwrap();
    let zkey = Zkey::read(&bytes).unwrap();
    assert!(zkey.write() == bytes);
    assert_eq!((zkey.n_public, zkey.ic.len(), zkey.mpc.contributions.len()), (4, 5, 3));
    let vk = std::fs::read_to_string(committed("verification_key.json")).unwrap();
    assert_eq!(VerificationKeyJson::from_zkey(&zkey).to_snarkjs_json(), vk);
    let rust = std::fs::read_to_string(program_key()).unwrap();
    assert_eq!(rust_constants(&zkey, "payment_final.zkey", &bytes), rust);
}

#[test]
fn committed_test_ceremony_passes_verify_and_the_committed_report_is_its_report() {
    let r1cs_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/build/payment.r1cs");
    let r1cs = R1cs::parse(&std::fs::read(r1cs_path).unwrap()).unwrap();
    let drand = std::fs::read_to_string(committed("drand-quicknet-12040883.json")).unwrap();
    let round = zk402_ceremony::drand_round::from_json(&drand).unwrap();
    let inputs = AuditInputs {
        r1cs: &r1cs,
        ptau: Ptau::read(&std::fs::read(committed("pot13.ptau")).unwrap()).unwrap(),
        zkey_name: "payment_final.zkey",
        zkey_bytes: &std::fs::read(committed("payment_final.zkey")).unwrap(),
        program_key: &std::fs::read(program_key()).unwrap(),
        drand: Some(&round),
        phase1_beacons: Phase1Beacons::Drand,
    };
    let report = audit(inputs, &Progress::silent()).unwrap();
    // As `verify --json` writes it (ceremony/scripts/test-ceremony.sh).
    let committed_report = std::fs::read_to_string(committed("verify-report.json")).unwrap();
    assert_eq!(serde_json::to_string_pretty(&report).unwrap(), committed_report);
}

#[test]
fn committed_ptau_verifies_and_both_beacons_use_the_recorded_drand_round() {
    let bytes = std::fs::read(committed("pot13.ptau")).unwrap();
    let ptau = Ptau::read(&bytes).unwrap();
    assert!(ptau.write() == bytes);
    assert_eq!((ptau.power, ptau.lagrange.is_none()), (13, true));
    let report = zk402_ceremony::phase1_verify::verify_ptau(&ptau).unwrap();
    assert_eq!(report.contributions.len(), 2);
    let drand = std::fs::read_to_string(committed("drand-quicknet-12040883.json")).unwrap();
    let round = zk402_ceremony::drand_round::from_json(&drand).unwrap();
    let phase1_beacon = ptau.contributions[1].beacon.as_ref().unwrap();
    assert_eq!(phase1_beacon.hash, round.randomness);
    let zkey = Zkey::read(&std::fs::read(committed("payment_final.zkey")).unwrap()).unwrap();
    assert_eq!(zkey.mpc.contributions[2].beacon.as_ref().unwrap().hash, round.randomness);
}

#[test]
fn parsers_reject_truncated_and_garbage_input_without_panicking() {
    let bytes = std::fs::read(committed("payment_final.zkey")).unwrap();
    let header_end = 12 + 12 + 4 + 12 + 300;
    for cut in (0..header_end).chain([bytes.len() / 2, bytes.len() - 1]) {
        assert!(Zkey::read(&bytes[..cut]).is_err(), "zkey cut at {cut}");
        assert!(Ptau::read(&bytes[..cut]).is_err());
    }
    let mut x = 0x1234_5678u32;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert!(Zkey::read(&garbage).is_err());
    assert!(Ptau::read(&garbage).is_err());
    assert!(MpcParams::read(&garbage).is_err());
    let mut with_magic = b"zkey\x01\x00\x00\x00\x0a\x00\x00\x00".to_vec();
    with_magic.extend_from_slice(&garbage);
    assert!(Zkey::read(&with_magic).is_err());
    // A section count that promises more than the file holds.
    let mut huge = bytes[..64].to_vec();
    huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(Zkey::read(&huge).is_err());
    // A contribution count far beyond the section size is refused before allocating.
    let mut mpc = vec![0u8; 64];
    mpc.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(MpcParams::read(&mpc).is_err());
}
