//! `verify`: re-checks a final zkey against the circuit and the ptau — the unchanged sections
//! against a freshly computed initial key, every contribution's transcript and proof of
//! knowledge, the delta chain, beacon re-derivation, and the L (C) and H updates — and
//! produces a report an auditor can keep. A key whose contributions are all beacons (or which
//! has none) is refused: a beacon's secret is re-derived by anyone from its public value.

use crate::beacon::beacon_rng;
use crate::keygen::{DeltaKey, hash_to_g2};
use crate::phase2_new::{NewKeyError, new_zkey};
use crate::points::{g1_uncompressed, g2_uncompressed};
use crate::progress::Progress;
use crate::ptau::Ptau;
use crate::zkey::Zkey;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM, pairing::Pairing};
use ark_ff::UniformRand;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use blake2::Digest;
use serde::Serialize;
use zk402_circuit::r1cs::R1cs;

/// Why a zkey is rejected. Contribution indices are 0-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The initial key cannot be computed from this r1cs and ptau.
    #[error(transparent)]
    NewKey(#[from] NewKeyError),
    /// A header value (sizes, alpha, beta, gamma) differs from the initial key.
    #[error("header field {0} differs from the key computed from the r1cs and ptau")]
    Header(&'static str),
    /// A section contributions must not change differs from the initial key.
    #[error("section {0} differs from the key computed from the r1cs and ptau")]
    SectionChanged(&'static str),
    /// Every contribution (if any) is a beacon: anyone can re-derive delta and forge proofs.
    #[error("phase 2 has no contribution besides beacons: a beacon's secret is public, so anyone knows delta")]
    NoSecretContribution,
    /// The recorded circuit hash is not the one computed from the r1cs and ptau.
    #[error("circuit hash differs from the one computed from the r1cs and ptau")]
    CircuitHash,
    /// A contribution's transcript is not BLAKE2b of its predecessors and s, s·x.
    #[error("contribution {0}: transcript does not match the previous contributions")]
    Transcript(usize),
    /// A contribution's proof of knowledge (s, s·x vs sp, sp·x) fails.
    #[error("contribution {0}: proof of knowledge of the delta factor fails")]
    ProofOfKnowledge(usize),
    /// delta_after is not the previous delta times the proven factor.
    #[error("contribution {0}: delta is not the previous delta times the proven factor")]
    DeltaChain(usize),
    /// A beacon contribution does not match the key re-derived from its beacon value.
    #[error("contribution {0}: beacon key does not re-derive from its beacon hash")]
    Beacon(usize),
    /// The key's delta·G1 is not the last contribution's.
    #[error("delta in G1 is not the last contribution's delta")]
    FinalDelta,
    /// delta·G2 does not match delta·G1.
    #[error("delta in G2 does not match delta in G1")]
    DeltaG2,
    /// The C (L) query is not the initial one divided by delta.
    #[error("L section (C query) is not the initial one divided by delta")]
    LSection,
    /// The H query is not the initial one divided by delta.
    #[error("H section is not the initial one divided by delta")]
    HSection,
}

/// One contribution in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ContributionReport {
    /// 1-based position.
    pub index: usize,
    /// "contribution" or "beacon".
    pub kind: &'static str,
    /// Participant name, if any.
    pub name: Option<String>,
    /// Contribution hash (hex), as the participant published it.
    pub hash: String,
    /// Beacon value (hex), for a beacon.
    pub beacon_hash: Option<String>,
    /// log2 of the beacon's SHA-256 iterations.
    pub beacon_iterations_exp: Option<u8>,
}

/// What `verify` checked, for the auditor's records.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Circuit hash (hex).
    pub circuit_hash: String,
    /// Wires, public inputs, domain size.
    pub n_vars: u32,
    /// Public inputs.
    pub n_public: u32,
    /// Domain size.
    pub domain_size: u32,
    /// Every contribution, in order.
    pub contributions: Vec<ContributionReport>,
    /// How many contributions are not beacons (at least one is required).
    pub secret_contributions: usize,
    /// Final delta·G2 (uncompressed hex).
    pub delta_g2: String,
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl VerifyReport {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "zkey verified: {} wires, {} public inputs, domain 2^{}\ncircuit hash: {}\n",
            self.n_vars,
            self.n_public,
            self.domain_size.trailing_zeros(),
            self.circuit_hash
        );
        for c in &self.contributions {
            s += &format!("#{} {} {}\n  hash: {}\n", c.index, c.kind, c.name.as_deref().unwrap_or("(no name)"), c.hash);
            if let (Some(h), Some(e)) = (&c.beacon_hash, c.beacon_iterations_exp) {
                s += &format!("  beacon: {h}, 2^{e} SHA-256 iterations, re-derived\n");
            }
        }
        s += &format!(
            "contributions besides beacons: {} (at least one required)\nfinal delta2: {}\n",
            self.secret_contributions, self.delta_g2
        );
        s
    }
}

/// e(a1, b2) == e(b1, a2) with no point at infinity: b1/a1 = b2/a2 in the exponent.
pub fn same_ratio(a1: G1Affine, b1: G1Affine, a2: G2Affine, b2: G2Affine) -> bool {
    if a1.is_zero() || b1.is_zero() || a2.is_zero() || b2.is_zero() {
        return false;
    }
    Bn254::multi_pairing([a1, (-b1.into_group()).into_affine()], [b2, a2]).0 == ark_bn254::Fq12::from(1u64)
}

/// Whether fin_i = init_i / delta for every i, checked on a random linear combination with
/// fresh OS-seeded weights: e(Σ r_i·init_i, G2) = e(Σ r_i·fin_i, delta2). Lists of equal length.
fn divided_by_delta(init: &[G1Affine], fin: &[G1Affine], delta_g2: G2Affine) -> bool {
    let r = random_scalars(init.len());
    let a = G1Projective::msm_unchecked(init, &r).into_affine();
    let b = G1Projective::msm_unchecked(fin, &r).into_affine();
    same_ratio(b, a, G2Affine::generator(), delta_g2)
}

/// `n` scalars from a generator freshly seeded by the OS, for randomized batch checks.
pub(crate) fn random_scalars(n: usize) -> Vec<Fr> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("OS randomness is available");
    let mut rng = StdRng::from_seed(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

/// How many of the zkey's contributions are not beacons; refused when none is: a key whose
/// only contributions are beacons has a public delta.
pub fn secret_contributions(zkey: &Zkey) -> Result<usize, VerifyError> {
    match zkey.mpc.contributions.iter().filter(|c| c.beacon.is_none()).count() {
        0 => Err(VerifyError::NoSecretContribution),
        n => Ok(n),
    }
}

/// Verifies `zkey` against the circuit and ptau (see [`verify_against`]).
pub fn verify(r1cs: &R1cs, ptau: &Ptau, zkey: &Zkey, progress: &Progress) -> Result<VerifyReport, VerifyError> {
    secret_contributions(zkey)?;
    progress.step("computing the initial key from r1cs and ptau");
    let init = new_zkey(r1cs, ptau, progress)?;
    verify_against(&init, zkey, progress)
}

/// Verifies `zkey` against an initial key computed with [`new_zkey`] from the r1cs and ptau;
/// refuses it first if none of its contributions is a non-beacon one.
pub fn verify_against(init: &Zkey, zkey: &Zkey, progress: &Progress) -> Result<VerifyReport, VerifyError> {
    let secret_contributions = secret_contributions(zkey)?;
    progress.step("comparing unchanged sections");
    let header = [
        ("nVars", zkey.n_vars == init.n_vars),
        ("nPublic", zkey.n_public == init.n_public),
        ("domainSize", zkey.domain_size == init.domain_size),
        ("alpha1", zkey.alpha_g1 == init.alpha_g1),
        ("beta1", zkey.beta_g1 == init.beta_g1),
        ("beta2", zkey.beta_g2 == init.beta_g2),
        ("gamma2", zkey.gamma_g2 == init.gamma_g2),
    ];
    if let Some((name, _)) = header.iter().find(|(_, ok)| !ok) {
        return Err(VerifyError::Header(name));
    }
    let sections = [
        ("IC", zkey.ic == init.ic),
        ("coefficients", zkey.coeffs == init.coeffs),
        ("A", zkey.a == init.a),
        ("B1", zkey.b1 == init.b1),
        ("B2", zkey.b2 == init.b2),
    ];
    if let Some((name, _)) = sections.iter().find(|(_, ok)| !ok) {
        return Err(VerifyError::SectionChanged(name));
    }
    if zkey.mpc.cs_hash != init.mpc.cs_hash {
        return Err(VerifyError::CircuitHash);
    }

    progress.step("checking contributions");
    let mut prev = G1Affine::generator();
    let mut report = Vec::new();
    for (i, c) in zkey.mpc.contributions.iter().enumerate() {
        let mut t = zkey.mpc.transcript_hasher(i);
        t.update(g1_uncompressed(&c.g1_s));
        t.update(g1_uncompressed(&c.g1_sx));
        if t.finalize().as_slice() != c.transcript {
            return Err(VerifyError::Transcript(i));
        }
        let g2_sp = hash_to_g2(&c.transcript);
        if !same_ratio(c.g1_s, c.g1_sx, g2_sp, c.g2_spx) {
            return Err(VerifyError::ProofOfKnowledge(i));
        }
        if !same_ratio(prev, c.delta_after, g2_sp, c.g2_spx) {
            return Err(VerifyError::DeltaChain(i));
        }
        if let Some(b) = &c.beacon {
            let mut rng = beacon_rng(&b.hash, b.iterations_exp).map_err(|_| VerifyError::Beacon(i))?;
            let key = DeltaKey::derive(&mut rng, zkey.mpc.transcript_hasher(i));
            let expected = (key.g1_s, key.g1_sx, key.g2_spx, (prev * key.x).into_affine());
            if expected != (c.g1_s, c.g1_sx, c.g2_spx, c.delta_after) {
                return Err(VerifyError::Beacon(i));
            }
        }
        prev = c.delta_after;
        report.push(ContributionReport {
            index: i + 1,
            kind: if c.beacon.is_some() { "beacon" } else { "contribution" },
            name: c.name.clone(),
            hash: hex(&c.hash()),
            beacon_hash: c.beacon.as_ref().map(|b| hex(&b.hash)),
            beacon_iterations_exp: c.beacon.as_ref().map(|b| b.iterations_exp),
        });
    }
    if zkey.delta_g1 != prev {
        return Err(VerifyError::FinalDelta);
    }
    if !same_ratio(G1Affine::generator(), zkey.delta_g1, G2Affine::generator(), zkey.delta_g2) {
        return Err(VerifyError::DeltaG2);
    }

    progress.step("checking the L and H updates");
    if zkey.c.len() != init.c.len() || !divided_by_delta(&init.c, &zkey.c, zkey.delta_g2) {
        return Err(VerifyError::LSection);
    }
    if zkey.h.len() != init.h.len() || !divided_by_delta(&init.h, &zkey.h, zkey.delta_g2) {
        return Err(VerifyError::HSection);
    }
    Ok(VerifyReport {
        circuit_hash: hex(&zkey.mpc.cs_hash),
        n_vars: zkey.n_vars,
        n_public: zkey.n_public,
        domain_size: zkey.domain_size,
        contributions: report,
        secret_contributions,
        delta_g2: hex(&g2_uncompressed(&zkey.delta_g2)),
    })
}
