//! The full ceremony on the payment circuit (ptau new → phase-1 contribution → phase-1 drand
//! beacon → prepare → zkey new → 2 contributions → drand beacon → audit), tampering rejected
//! with specific errors, and phase-2 interop with snarkjs in both directions.

mod common;

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use common::{circuits_dir, path_str, randomness, snarkjs};
use std::path::PathBuf;
use std::sync::OnceLock;
use zk402_ceremony::Zkey;
use zk402_ceremony::audit::audit;
use zk402_ceremony::contribute::{Entropy, beacon, contribute};
use zk402_ceremony::drand_round::verified;
use zk402_ceremony::export::VerificationKeyJson;
use zk402_ceremony::phase1::{self, new_accumulator};
use zk402_ceremony::phase2_new::new_zkey;
use zk402_ceremony::prepare::prepare;
use zk402_ceremony::progress::Progress;
use zk402_ceremony::ptau::Ptau;
use zk402_ceremony::verify::{VerifyError, verify_against};
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

#[test]
fn full_ceremony_verifies_and_every_tampering_is_rejected() {
    let s = setup();
    let round = verified(common::ROUND, &zk402_ceremony::drand::from_hex(common::SIGNATURE).unwrap()).unwrap();
    let report = audit(&s.r1cs, s.ptau.clone(), &s.final_zkey, Some(&round), &Progress::silent()).unwrap();
    assert_eq!(report.phase1.contributions.len(), 2);
    assert_eq!(report.phase2.contributions.len(), 3);
    assert_eq!(report.phase2.contributions[2].kind, "beacon");
    assert!(report.to_text().contains(&format!("drand quicknet round {}", common::ROUND)));
    let mut other = round.clone();
    other.round += 1;
    other.randomness[0] ^= 1;
    assert_eq!(
        audit(&s.r1cs, s.ptau.clone(), &s.final_zkey, Some(&other), &Progress::silent()).unwrap_err(),
        zk402_ceremony::audit::AuditError::BeaconRound(other.round)
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
fn we_verify_a_snarkjs_ceremony_on_our_ptau_and_zkey_new_matches_byte_for_byte() {
    let s = setup();
    let p = |n: &str| s.dir.path().join(n);
    snarkjs(&["zkey", "new", path_str(&r1cs_path()), path_str(&s.ptau_path), path_str(&p("s0.zkey"))]);
    let s0 = std::fs::read(p("s0.zkey")).unwrap();
    assert!(s.init.write() == s0, "our zkey new differs from snarkjs's");
    snarkjs(&["zkey", "contribute", path_str(&p("s0.zkey")), path_str(&p("s1.zkey")), "--name=a", "-e=entropy"]);
    let hash = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    snarkjs(&["zkey", "beacon", path_str(&p("s1.zkey")), path_str(&p("s2.zkey")), hash, "10", "-n=b"]);
    let bytes = std::fs::read(p("s2.zkey")).unwrap();
    let theirs = Zkey::read(&bytes).unwrap();
    assert!(theirs.write() == bytes, "snarkjs zkey round trip");
    let report = verify_against(&s.init, &theirs, &Progress::silent()).unwrap();
    assert_eq!(report.contributions.len(), 2);
    assert_eq!(report.contributions[1].beacon_hash.as_deref(), Some(hash));
}
