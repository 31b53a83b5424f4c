//! Phase 1 with snarkjs in both directions, on small powers: `snarkjs powersoftau verify`
//! accepts our ptau (new → 2 contributions → drand beacon → prepare) and our `prepare` output
//! equals snarkjs's byte for byte; we verify snarkjs's contributions and beacon, and our beacon
//! on snarkjs's file reproduces snarkjs's beacon file byte for byte; tampering is rejected
//! with the specific error.

mod common;

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use common::{path_str, randomness, snarkjs};
use zk402_ceremony::contribute::Entropy;
use zk402_ceremony::phase1::{self, new_accumulator};
use zk402_ceremony::phase1_verify::{Phase1VerifyError, verify_ptau};
use zk402_ceremony::prepare::prepare;
use zk402_ceremony::progress::Progress;
use zk402_ceremony::ptau::Ptau;

const POWER: u32 = 5;

fn our_ceremony() -> Ptau {
    let mut ptau = new_accumulator(POWER).unwrap();
    phase1::contribute(&mut ptau, &Entropy::Os { text: b"one".to_vec() }, Some("one".into())).unwrap();
    phase1::contribute(&mut ptau, &Entropy::InsecureTest { seed: b"two".to_vec() }, None).unwrap();
    phase1::beacon(&mut ptau, &randomness(), 10, Some("drand".into())).unwrap();
    ptau
}

#[test]
fn snarkjs_verifies_our_ptau_and_prepares_it_exactly_as_we_do() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let mut ptau = our_ceremony();
    std::fs::write(p("ours.ptau"), ptau.write()).unwrap();
    prepare(&mut ptau, &Progress::silent());
    let ours = ptau.write();
    std::fs::write(p("ours_prepared.ptau"), &ours).unwrap();

    snarkjs(&["powersoftau", "prepare", "phase2", path_str(&p("ours.ptau")), path_str(&p("theirs_prepared.ptau"))]);
    assert!(std::fs::read(p("theirs_prepared.ptau")).unwrap() == ours, "prepare differs from snarkjs's");
    let out = snarkjs(&["powersoftau", "verify", path_str(&p("ours_prepared.ptau"))]);
    assert!(out.contains("Powers of Tau Ok!"), "{out}");
    let report = verify_ptau(&Ptau::read(&ours).unwrap()).unwrap();
    assert_eq!(
        report.contributions.iter().map(|c| c.kind).collect::<Vec<_>>(),
        ["contribution", "contribution", "beacon"]
    );
    assert!(report.prepared);
}

#[test]
fn we_verify_snarkjs_phase1_and_our_beacon_reproduces_snarkjs_beacon_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| path_str(&dir.path().join(n)).to_owned();
    snarkjs(&["powersoftau", "new", "bn128", &POWER.to_string(), &p("s0.ptau")]);
    snarkjs(&["powersoftau", "contribute", &p("s0.ptau"), &p("s1.ptau"), "--name=alice", "-e=entropy"]);
    let beacon_hex = zk402_ceremony::verify::hex(&randomness());
    snarkjs(&["powersoftau", "beacon", &p("s1.ptau"), &p("s2.ptau"), &beacon_hex, "10", "-n=drand"]);

    let theirs_bytes = std::fs::read(p("s2.ptau")).unwrap();
    let theirs = Ptau::read(&theirs_bytes).unwrap();
    assert!(theirs.write() == theirs_bytes, "snarkjs ptau round trip");
    let report = verify_ptau(&theirs).unwrap();
    assert_eq!(report.contributions.len(), 2);
    assert_eq!(report.contributions[0].name.as_deref(), Some("alice"));
    assert_eq!(report.contributions[1].beacon_hash.as_deref(), Some(beacon_hex.as_str()));

    let mut ours = Ptau::read(&std::fs::read(p("s1.ptau")).unwrap()).unwrap();
    phase1::beacon(&mut ours, &randomness(), 10, Some("drand".into())).unwrap();
    assert!(ours.write() == theirs_bytes, "our beacon differs from snarkjs's");
}

#[test]
fn tampered_ptaus_are_rejected_with_the_specific_error() {
    let mut good = our_ceremony();
    prepare(&mut good, &Progress::silent());
    verify_ptau(&good).unwrap();
    let bump = |p: &G1Affine| (p.into_group() + G1Projective::from(G1Affine::generator())).into_affine();
    let check = |t: Ptau, expected: Phase1VerifyError| assert_eq!(verify_ptau(&t).unwrap_err(), expected);

    let mut t = good.clone();
    t.tau_g1[7] = bump(&t.tau_g1[7]);
    check(t, Phase1VerifyError::Powers("tauG1"));
    let mut t = good.clone();
    t.beta_tau_g1[3] = bump(&t.beta_tau_g1[3]);
    check(t, Phase1VerifyError::Powers("betaTauG1"));
    let mut t = good.clone();
    t.contributions[0].key.alpha.g1_sx = bump(&t.contributions[0].key.alpha.g1_sx);
    check(t, Phase1VerifyError::ProofOfKnowledge(0, "alpha"));
    let mut t = good.clone();
    t.contributions[1].tau_g1 = bump(&t.contributions[1].tau_g1);
    check(t, Phase1VerifyError::Chain(1, "tau·G1"));
    let mut t = good.clone();
    t.contributions[2].beacon.as_mut().unwrap().hash[0] ^= 1;
    check(t, Phase1VerifyError::Beacon(2));
    let mut t = good.clone();
    t.contributions[2].partial_hash[0] ^= 1;
    check(t, Phase1VerifyError::NextChallenge);
    let mut t = good.clone();
    let l = t.lagrange.as_mut().unwrap();
    l.alpha_tau_g1[9] = bump(&l.alpha_tau_g1[9]);
    check(t, Phase1VerifyError::Lagrange("alphaTauG1", 3));
    let mut t = good.clone();
    t.contributions.clear();
    check(t, Phase1VerifyError::NoSecretContribution);
    let mut t = good.clone();
    t.contributions.retain(|c| c.beacon.is_some());
    check(t, Phase1VerifyError::NoSecretContribution);
    // A contribution into a reduced file is refused, as snarkjs refuses it.
    let mut t = good;
    t.ceremony_power += 1;
    assert!(phase1::contribute(&mut t, &Entropy::Os { text: vec![] }, None).is_err());
}
