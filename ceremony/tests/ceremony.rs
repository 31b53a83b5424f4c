//! The full ceremony on the payment circuit (ptau new → phase-1 contribution → phase-1 drand
//! beacon → prepare → zkey new → 2 contributions → drand beacon → audit), tampering rejected
//! with specific errors, phase-2 interop with snarkjs in both directions, and the auditor's
//! refusals of forgeable setups made with snarkjs: a phase with only a beacon (or nothing), a
//! beacon without its drand round, a program key that is not the zkey's export.

mod common;

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use common::{circuits_dir, path_str, randomness, snarkjs};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use zk402_ceremony::Zkey;
use zk402_ceremony::audit::{AuditError, AuditInputs, AuditReport, BeaconRef, Phase1Beacons, audit};
use zk402_ceremony::contribute::{Entropy, beacon, contribute};
use zk402_ceremony::drand::from_hex;
use zk402_ceremony::drand_round::{VerifiedRound, verified};
use zk402_ceremony::export::{VerificationKeyJson, rust_constants};
use zk402_ceremony::phase1::{self, new_accumulator};
use zk402_ceremony::phase1_verify::Phase1VerifyError;
use zk402_ceremony::phase2_new::new_zkey;
use zk402_ceremony::prepare::prepare;
use zk402_ceremony::progress::Progress;
use zk402_ceremony::ptau::Ptau;
use zk402_ceremony::verify::{VerifyError, hex, verify_against};
use zk402_circuit::r1cs::R1cs;

fn r1cs_path() -> PathBuf {
    circuits_dir().join("build/payment.r1cs")
}

struct Setup {
    dir: tempfile::TempDir,
    r1cs: R1cs,
    ptau: Ptau,
    init: Zkey,
    ptau_path: PathBuf,
    final_zkey: Zkey,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let quiet = Progress::silent();
        let mut ptau = new_accumulator(13).unwrap();
        phase1::contribute(&mut ptau, &Entropy::Os { text: b"phase 1".to_vec() }, Some("p1".into())).unwrap();
        phase1::beacon(&mut ptau, &randomness(), 10, Some("drand".into())).unwrap();
        prepare(&mut ptau, &quiet);
        let dir = tempfile::tempdir().unwrap();
        let ptau_path = dir.path().join("pot13.ptau");
        let bytes = ptau.write();
        assert!(Ptau::read(&bytes).unwrap() == ptau, "ptau round trip");
        std::fs::write(&ptau_path, bytes).unwrap();
        let r1cs = R1cs::parse(&std::fs::read(r1cs_path()).unwrap()).unwrap();
        let init = new_zkey(&r1cs, &ptau, &quiet).unwrap();
        let mut z = init.clone();
        contribute(&mut z, &Entropy::Os { text: b"first".to_vec() }, Some("one".into())).unwrap();
        contribute(&mut z, &Entropy::InsecureTest { seed: b"second".to_vec() }, Some("two".into())).unwrap();
        beacon(&mut z, &randomness(), 10, Some("drand".into())).unwrap();
        Setup { dir, r1cs, ptau, init, ptau_path, final_zkey: Zkey::read(&z.write()).unwrap() }
    })
}

fn round() -> VerifiedRound {
    verified(common::ROUND, &from_hex(common::SIGNATURE).unwrap()).unwrap()
}

/// The recorded drand round as drand's HTTP answers (the `--drand-json` input).
fn drand_json() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-ceremony/drand-quicknet-12040883.json")
}

/// The name every zkey under audit is exported and audited under.
const ZKEY_NAME: &str = "payment_final.zkey";

/// What `export rust` makes from these zkey bytes.
fn export_rust(zkey_bytes: &[u8]) -> Vec<u8> {
    rust_constants(&Zkey::read(zkey_bytes).unwrap(), ZKEY_NAME, zkey_bytes).into_bytes()
}

/// Audits `zkey_bytes` on the payment circuit and `ptau`.
fn audit_with(
    ptau: Ptau,
    zkey_bytes: &[u8],
    program_key: &[u8],
    drand: Option<&VerifiedRound>,
    phase1_beacons: Phase1Beacons,
) -> Result<AuditReport, AuditError> {
    let inputs =
        AuditInputs { r1cs: &setup().r1cs, ptau, zkey_name: ZKEY_NAME, zkey_bytes, program_key, drand, phase1_beacons };
    audit(inputs, &Progress::silent())
}

/// Keys snarkjs makes on the shared ptau: `zkey new`; `zkey beacon` on it alone; `zkey
/// contribute` on it, then `zkey beacon` with the drand round's randomness.
struct SnarkjsKeys {
    new: Vec<u8>,
    beacon_only: Vec<u8>,
    contributed_then_beacon: PathBuf,
}

fn snarkjs_keys() -> &'static SnarkjsKeys {
    static KEYS: OnceLock<SnarkjsKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let s = setup();
        let p = |n: &str| path_str(&s.dir.path().join(n)).to_owned();
        let r1cs = r1cs_path();
        snarkjs(&["zkey", "new", path_str(&r1cs), path_str(&s.ptau_path), &p("s0.zkey")]);
        let drand = hex(&randomness());
        snarkjs(&["zkey", "beacon", &p("s0.zkey"), &p("beacon_only.zkey"), &drand, "10", "-n=drand"]);
        snarkjs(&["zkey", "contribute", &p("s0.zkey"), &p("s1.zkey"), "--name=a", "-e=entropy"]);
        snarkjs(&["zkey", "beacon", &p("s1.zkey"), &p(ZKEY_NAME), &drand, "10", "-n=drand"]);
        SnarkjsKeys {
            new: std::fs::read(p("s0.zkey")).unwrap(),
            beacon_only: std::fs::read(p("beacon_only.zkey")).unwrap(),
            contributed_then_beacon: s.dir.path().join(ZKEY_NAME),
        }
    })
}

/// Runs our binary; returns whether it succeeded, and stdout + stderr.
fn ceremony_cli(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zk402-ceremony")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn full_ceremony_verifies_and_every_tampering_is_rejected() {
    let s = setup();
    let bytes = s.final_zkey.write();
    let key = export_rust(&bytes);
    let report = audit_with(s.ptau.clone(), &bytes, &key, Some(&round()), Phase1Beacons::Drand).unwrap();
    assert_eq!(report.phase1.contributions.len(), 2);
    assert_eq!(report.phase2.contributions.len(), 3);
    assert_eq!(report.phase2.contributions[2].kind, "beacon");
    assert_eq!((report.phase1.secret_contributions, report.phase2.secret_contributions), (1, 2));
    let beacons = [BeaconRef { phase: 1, index: 2 }, BeaconRef { phase: 2, index: 3 }];
    assert_eq!(report.drand.as_ref().unwrap().beacons, beacons);
    assert!(report.to_text().contains(&format!("drand quicknet round {}", common::ROUND)));
    let mut other = round();
    other.round += 1;
    other.randomness[0] ^= 1;
    assert_eq!(
        audit_with(s.ptau.clone(), &bytes, &key, Some(&other), Phase1Beacons::Drand).unwrap_err(),
        AuditError::BeaconRound(beacons[0], other.round)
    );
    assert_eq!(
        audit_with(s.ptau.clone(), &bytes, &key, Some(&other), Phase1Beacons::NotDrand).unwrap_err(),
        AuditError::BeaconRound(beacons[1], other.round)
    );

    let bump = |p: &G1Affine| (p.into_group() + G1Projective::from(G1Affine::generator())).into_affine();
    let check = |z: Zkey, expected: VerifyError| {
        assert_eq!(verify_against(&s.init, &z, &Progress::silent()).unwrap_err(), expected);
    };
    let mut z = s.final_zkey.clone();
    z.c[7] = bump(&z.c[7]);
    check(z, VerifyError::LSection);
    let mut z = s.final_zkey.clone();
    z.h[3] = bump(&z.h[3]);
    check(z, VerifyError::HSection);
    let mut z = s.final_zkey.clone();
    z.mpc.contributions[0].delta_after = bump(&z.mpc.contributions[0].delta_after);
    check(z, VerifyError::DeltaChain(0));
    let mut z = s.final_zkey.clone();
    z.mpc.contributions[1].transcript[5] ^= 1;
    check(z, VerifyError::Transcript(1));
    let mut z = s.final_zkey.clone();
    z.mpc.contributions[2].beacon.as_mut().unwrap().hash[0] ^= 1;
    // The beacon hash is not part of the transcript: the key no longer re-derives from it.
    check(z, VerifyError::Beacon(2));
    let mut z = s.final_zkey.clone();
    z.a[9] = bump(&z.a[9]);
    check(z, VerifyError::SectionChanged("A"));
    let mut z = s.final_zkey.clone();
    z.delta_g1 = bump(&z.delta_g1);
    check(z, VerifyError::FinalDelta);
}

#[test]
fn snarkjs_verifies_our_zkey_including_the_beacon_and_exports_the_same_key() {
    let s = setup();
    let zkey_path = s.dir.path().join("ours_final.zkey");
    std::fs::write(&zkey_path, s.final_zkey.write()).unwrap();
    let out = snarkjs(&["zkey", "verify", path_str(&r1cs_path()), path_str(&s.ptau_path), path_str(&zkey_path)]);
    assert!(out.contains("ZKey Ok!"), "{out}");
    let vk_path = s.dir.path().join("ours_vk.json");
    snarkjs(&["zkey", "export", "verificationkey", path_str(&zkey_path), path_str(&vk_path)]);
    let theirs = std::fs::read_to_string(&vk_path).unwrap();
    assert_eq!(VerificationKeyJson::from_zkey(&s.final_zkey).to_snarkjs_json(), theirs);
}

#[test]
fn snarkjs_zkey_new_matches_ours_byte_for_byte_and_its_ceremony_round_trips() {
    let (s, keys) = (setup(), snarkjs_keys());
    assert!(s.init.write() == keys.new, "our zkey new differs from snarkjs's");
    let bytes = std::fs::read(&keys.contributed_then_beacon).unwrap();
    let theirs = Zkey::read(&bytes).unwrap();
    assert!(theirs.write() == bytes, "snarkjs zkey round trip");
    assert_eq!(theirs.mpc.contributions.iter().map(|c| c.beacon.is_some()).collect::<Vec<_>>(), [false, true]);
}

#[test]
fn snarkjs_contribution_then_drand_beacon_passes_verify_with_the_exported_program_key() {
    let (s, keys) = (setup(), snarkjs_keys());
    let zkey = path_str(&keys.contributed_then_beacon);
    let program_key = s.dir.path().join("accepted_key.rs");
    let (ok, out) = ceremony_cli(&["export", "rust", "--zkey", zkey, "--out", path_str(&program_key)]);
    assert!(ok, "{out}");
    let report_path = s.dir.path().join("accepted_report.json");
    let (ok, out) = ceremony_cli(&[
        "verify",
        "--r1cs",
        path_str(&r1cs_path()),
        "--ptau",
        path_str(&s.ptau_path),
        "--zkey",
        zkey,
        "--program-key",
        path_str(&program_key),
        "--drand-json",
        path_str(&drand_json()),
        "--json",
        path_str(&report_path),
    ]);
    assert!(ok, "{out}");
    let sha = hex(&Sha256::digest(std::fs::read(&program_key).unwrap()));
    for statement in [
        "contributions besides beacons: 1 (at least one required)",
        "beacons phase-1 contribution #2, phase-2 contribution #2 = randomness of drand quicknet round 12040883",
        &format!("program key (sha256 {sha}) = `zk402-ceremony export rust` of {ZKEY_NAME}, byte for byte"),
        "all checks passed",
    ] {
        assert!(out.contains(statement), "missing {statement:?} in:\n{out}");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(report_path).unwrap()).unwrap();
    assert_eq!(report["phase2"]["secret_contributions"], 1);
    assert_eq!(report["drand"]["beacons"][1], serde_json::json!({"phase": 2, "index": 2}));
    assert_eq!(report["program_key"]["zkey_file"], ZKEY_NAME);
}

#[test]
fn attack_zkey_with_only_a_beacon_or_no_contribution_is_refused() {
    let (s, keys) = (setup(), snarkjs_keys());
    // `zkey new` + `zkey beacon`: delta is re-derived by anyone from the public beacon value.
    let key = export_rust(&keys.beacon_only);
    assert_eq!(
        audit_with(s.ptau.clone(), &keys.beacon_only, &key, Some(&round()), Phase1Beacons::Drand).unwrap_err(),
        AuditError::Phase2(VerifyError::NoSecretContribution)
    );
    // `zkey new` alone, no drand round: delta = 1.
    let key = export_rust(&keys.new);
    assert_eq!(
        audit_with(s.ptau.clone(), &keys.new, &key, None, Phase1Beacons::Drand).unwrap_err(),
        AuditError::Phase2(VerifyError::NoSecretContribution)
    );
}

#[test]
fn attack_ptau_with_only_a_snarkjs_beacon_is_refused() {
    let s = setup();
    let p = |n: &str| path_str(&s.dir.path().join(n)).to_owned();
    snarkjs(&["powersoftau", "new", "bn128", "5", &p("beacon_only_0.ptau")]);
    let drand = hex(&randomness());
    snarkjs(&["powersoftau", "beacon", &p("beacon_only_0.ptau"), &p("beacon_only.ptau"), &drand, "10", "-n=drand"]);
    let ptau = Ptau::read(&std::fs::read(p("beacon_only.ptau")).unwrap()).unwrap();
    let bytes = std::fs::read(&snarkjs_keys().contributed_then_beacon).unwrap();
    assert_eq!(
        audit_with(ptau, &bytes, &export_rust(&bytes), Some(&round()), Phase1Beacons::Drand).unwrap_err(),
        AuditError::Phase1(Phase1VerifyError::NoSecretContribution)
    );
}

#[test]
fn attack_beacon_without_its_drand_round_is_refused() {
    let s = setup();
    let zkey = &snarkjs_keys().contributed_then_beacon;
    let bytes = std::fs::read(zkey).unwrap();
    let key = export_rust(&bytes);
    let missing = |phase1_beacons| audit_with(s.ptau.clone(), &bytes, &key, None, phase1_beacons).unwrap_err();
    assert_eq!(missing(Phase1Beacons::Drand), AuditError::MissingDrandRound(BeaconRef { phase: 1, index: 2 }));
    // Exempting an imported ptau's beacon never exempts the zkey's.
    assert_eq!(missing(Phase1Beacons::NotDrand), AuditError::MissingDrandRound(BeaconRef { phase: 2, index: 2 }));

    let program_key = s.dir.path().join("no_drand_key.rs");
    std::fs::write(&program_key, &key).unwrap();
    let (ok, out) = ceremony_cli(&[
        "verify",
        "--r1cs",
        path_str(&r1cs_path()),
        "--ptau",
        path_str(&s.ptau_path),
        "--zkey",
        path_str(zkey),
        "--program-key",
        path_str(&program_key),
    ]);
    assert!(!ok, "{out}");
    assert!(out.contains("REJECTED: phase-1 contribution #2 is a beacon but no drand round was given"), "{out}");
    assert!(out.contains("--drand-json"), "{out}");
}

#[test]
fn attack_program_key_of_another_zkey_or_with_one_byte_changed_is_refused() {
    let s = setup();
    let bytes = std::fs::read(&snarkjs_keys().contributed_then_beacon).unwrap();
    let refused = |program_key: &[u8]| {
        audit_with(s.ptau.clone(), &bytes, program_key, Some(&round()), Phase1Beacons::Drand).unwrap_err()
    };
    // The committed test ceremony's key, which the program compiles with `insecure-test-key`.
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../programs/zk402-verifier/keys/insecure_test.rs"))
            .unwrap();
    let header = "the header naming the source zkey and its sha256".to_owned();
    assert_eq!(refused(&committed), AuditError::ProgramKey { line: 2, item: header });

    let exported = String::from_utf8(export_rust(&bytes)).unwrap();
    let changed = |item: &str| {
        // One hex digit of the constant's first element.
        let at = exported.find(&format!("pub const {item}:")).unwrap();
        let digit = at + exported[at..].find("0x").unwrap() + 2;
        let mut key = exported.clone().into_bytes();
        key[digit] = if key[digit] == b'0' { b'1' } else { b'0' };
        refused(&key)
    };
    for item in ["DELTA_G2", "IC", "ALPHA_G1"] {
        assert!(matches!(changed(item), AuditError::ProgramKey { item: i, .. } if i == item), "{item}");
    }
    let mut longer = exported.clone().into_bytes();
    longer.push(b'\n');
    assert!(matches!(refused(&longer), AuditError::ProgramKey { item, .. } if item == "past the end of the export"));
    assert!(matches!(refused(&exported.as_bytes()[..exported.len() - 1]), AuditError::ProgramKey { .. }));
}
