//! Auditing a `.ptau` as `snarkjs powersoftau verify` does, plus the Lagrange sections: every
//! contribution's proofs of knowledge against its challenge and its chaining to the previous
//! one, every beacon's re-derivation, the powers in the sections against the last
//! contribution (random linear combinations), the last challenge hash, and sections 12–15
//! against the powers (random combinations through a field FFT).

use crate::beacon::beacon_rng;
use crate::mpc::Hash64;
use crate::phase1::{derive_key, first_challenge, g2_sp, recompute_next_challenge};
use crate::ptau::Ptau;
use crate::ptau_contributions::PtauContribution;
use crate::verify::{hex, random_scalars, same_ratio};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use serde::Serialize;

/// Why a ptau is rejected. Contribution indices are 0-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Phase1VerifyError {
    /// Every contribution (if any) is a beacon, whose secret anyone can re-derive from its
    /// public value: anyone knows tau, alpha and beta (with none at all, tau = 1).
    #[error("the ptau has no contribution besides beacons: a beacon's secret is public, so anyone knows tau")]
    NoSecretContribution,
    /// A beacon contribution's key does not re-derive from its beacon value.
    #[error("phase-1 contribution {0}: beacon key does not re-derive from its beacon hash")]
    Beacon(usize),
    /// A proof of knowledge (of tau, alpha or beta) fails.
    #[error("phase-1 contribution {0}: proof of knowledge of {1} fails")]
    ProofOfKnowledge(usize, &'static str),
    /// A contribution's first points are not the previous ones times the proven factors.
    #[error("phase-1 contribution {0}: {1} does not follow the previous contribution")]
    Chain(usize, &'static str),
    /// A section's points are not successive powers of the last contribution's tau.
    #[error("section {0}: points are not successive powers of tau")]
    Powers(&'static str),
    /// A section's first points differ from the last contribution's record.
    #[error("section {0}: first points differ from the last contribution's record")]
    FirstPoints(&'static str),
    /// The last contribution's next challenge is not the hash of the file's points.
    #[error("the last contribution's next challenge does not match the file's points")]
    NextChallenge,
    /// A Lagrange section is not the inverse FFT of the powers.
    #[error("Lagrange section {0}, size 2^{1}: not the inverse FFT of the powers")]
    Lagrange(&'static str, u32),
}

/// One phase-1 contribution in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Phase1ContributionReport {
    /// 1-based position.
    pub index: usize,
    /// "contribution" or "beacon".
    pub kind: &'static str,
    /// Contributor name, if any.
    pub name: Option<String>,
    /// The challenge the contribution answered after (hex).
    pub next_challenge: String,
    /// Beacon value (hex), for a beacon.
    pub beacon_hash: Option<String>,
    /// log2 of the beacon's SHA-256 iterations.
    pub beacon_iterations_exp: Option<u8>,
}

/// What the phase-1 audit checked.
#[derive(Debug, Clone, Serialize)]
pub struct Phase1Report {
    /// log2 of the file's powers.
    pub power: u32,
    /// log2 of the ceremony's powers.
    pub ceremony_power: u32,
    /// Every contribution, in order.
    pub contributions: Vec<Phase1ContributionReport>,
    /// How many contributions are not beacons (at least one is required).
    pub secret_contributions: usize,
    /// Whether sections 12–15 were present (and checked).
    pub prepared: bool,
}

impl Phase1Report {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = format!("ptau verified: 2^{} powers (ceremony 2^{})\n", self.power, self.ceremony_power);
        for c in &self.contributions {
            s += &format!(
                "#{} {} {}\n  next challenge: {}\n",
                c.index,
                c.kind,
                c.name.as_deref().unwrap_or("(no name)"),
                c.next_challenge
            );
            if let (Some(h), Some(e)) = (&c.beacon_hash, c.beacon_iterations_exp) {
                s += &format!("  beacon: {h}, 2^{e} SHA-256 iterations, re-derived\n");
            }
        }
        s += &format!("contributions besides beacons: {} (at least one required)\n", self.secret_contributions);
        s += if self.prepared { "Lagrange sections: checked\n" } else { "Lagrange sections: absent\n" };
        s
    }
}

/// The state before the first contribution: generators and the first challenge.
struct Previous {
    tau_g1: G1Affine,
    tau_g2: G2Affine,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    challenge: Hash64,
}

impl Previous {
    fn initial(ceremony_power: u32) -> Previous {
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        Previous {
            tau_g1: g1,
            tau_g2: g2,
            alpha_g1: g1,
            beta_g1: g1,
            beta_g2: g2,
            challenge: first_challenge(ceremony_power),
        }
    }

    fn after(c: &PtauContribution) -> Previous {
        Previous {
            tau_g1: c.tau_g1,
            tau_g2: c.tau_g2,
            alpha_g1: c.alpha_g1,
            beta_g1: c.beta_g1,
            beta_g2: c.beta_g2,
            challenge: c.next_challenge,
        }
    }
}

fn check_contribution(i: usize, c: &PtauContribution, prev: &Previous) -> Result<(), Phase1VerifyError> {
    if let Some(b) = &c.beacon {
        let mut rng = beacon_rng(&b.hash, b.iterations_exp).map_err(|_| Phase1VerifyError::Beacon(i))?;
        if derive_key(&mut rng, &prev.challenge).1 != c.key {
            return Err(Phase1VerifyError::Beacon(i));
        }
    }
    let k = &c.key;
    let sp =
        [(0, &k.tau), (1, &k.alpha), (2, &k.beta)].map(|(pers, p)| g2_sp(pers, &prev.challenge, &p.g1_s, &p.g1_sx));
    for ((what, pok), sp) in [("tau", &k.tau), ("alpha", &k.alpha), ("beta", &k.beta)].into_iter().zip(sp) {
        if !same_ratio(pok.g1_s, pok.g1_sx, sp, pok.g2_spx) {
            return Err(Phase1VerifyError::ProofOfKnowledge(i, what));
        }
    }
    let chain = [
        ("tau·G1", same_ratio(prev.tau_g1, c.tau_g1, sp[0], k.tau.g2_spx)),
        ("tau·G2", same_ratio(k.tau.g1_s, k.tau.g1_sx, prev.tau_g2, c.tau_g2)),
        ("alpha·G1", same_ratio(prev.alpha_g1, c.alpha_g1, sp[1], k.alpha.g2_spx)),
        ("beta·G1", same_ratio(prev.beta_g1, c.beta_g1, sp[2], k.beta.g2_spx)),
        ("beta·G2", same_ratio(k.beta.g1_s, k.beta.g1_sx, prev.beta_g2, c.beta_g2)),
    ];
    match chain.iter().find(|(_, ok)| !ok) {
        Some((what, _)) => Err(Phase1VerifyError::Chain(i, what)),
        None => Ok(()),
    }
}

/// (Σ r_i·P_i, Σ r_i·P_(i+1)) over consecutive points: equal ratios iff successive powers.
fn shifted_sums<G: CurveGroup<ScalarField = Fr>>(points: &[G::Affine]) -> (G::Affine, G::Affine) {
    let r = random_scalars(points.len().saturating_sub(1));
    let a = G::msm_unchecked(&points[..points.len() - 1], &r).into_affine();
    let b = G::msm_unchecked(&points[1..], &r).into_affine();
    (a, b)
}

fn check_powers(ptau: &Ptau, last: &PtauContribution) -> Result<(), Phase1VerifyError> {
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let (a, b) = shifted_sums::<G1Projective>(&ptau.tau_g1);
    if !same_ratio(a, b, g2, last.tau_g2) {
        return Err(Phase1VerifyError::Powers("tauG1"));
    }
    let (a, b) = shifted_sums::<G2Projective>(&ptau.tau_g2);
    if !same_ratio(g1, last.tau_g1, a, b) {
        return Err(Phase1VerifyError::Powers("tauG2"));
    }
    for (name, section) in [("alphaTauG1", &ptau.alpha_tau_g1), ("betaTauG1", &ptau.beta_tau_g1)] {
        let (a, b) = shifted_sums::<G1Projective>(section);
        if !same_ratio(a, b, g2, last.tau_g2) {
            return Err(Phase1VerifyError::Powers(name));
        }
    }
    let first = [
        ("tauG1", ptau.tau_g1[0] == g1 && ptau.tau_g1[1] == last.tau_g1),
        ("tauG2", ptau.tau_g2[0] == g2 && ptau.tau_g2[1] == last.tau_g2),
        ("alphaTauG1", ptau.alpha_tau_g1[0] == last.alpha_g1),
        ("betaTauG1", ptau.beta_tau_g1[0] == last.beta_g1),
        ("betaG2", ptau.beta_g2 == last.beta_g2),
    ];
    match first.iter().find(|(_, ok)| !ok) {
        Some((name, _)) => Err(Phase1VerifyError::FirstPoints(name)),
        None => Ok(()),
    }
}

/// Σ r_k·T_k over the first 2^p powers equals Σ FFT(r)_j·L_j over the size-2^p basis.
fn check_lagrange<G: CurveGroup<ScalarField = Fr>>(
    name: &'static str,
    powers: &[G::Affine],
    section: &[G::Affine],
    last: u32,
) -> Result<(), Phase1VerifyError> {
    for p in 0..=last {
        let n = 1usize << p;
        let mut r = random_scalars(n);
        let available = powers.len().min(n);
        r[available..].iter_mut().for_each(|x| *x = Fr::zero());
        let lhs = G::msm_unchecked(&powers[..available], &r[..available]);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power within 2-adicity");
        let s = domain.fft(&r);
        let rhs = G::msm_unchecked(Ptau::lagrange_slice(section, p), &s);
        if lhs != rhs {
            return Err(Phase1VerifyError::Lagrange(name, p));
        }
    }
    Ok(())
}

/// How many of the ptau's contributions are not beacons; refused when none is: a setup whose
/// only contributions are beacons has public secrets.
pub fn secret_contributions(ptau: &Ptau) -> Result<usize, Phase1VerifyError> {
    match ptau.contributions.iter().filter(|c| c.beacon.is_none()).count() {
        0 => Err(Phase1VerifyError::NoSecretContribution),
        n => Ok(n),
    }
}

/// Verifies every phase-1 contribution of `ptau` (at least one of which must not be a beacon),
/// its sections and (if present) its Lagrange sections.
pub fn verify_ptau(ptau: &Ptau) -> Result<Phase1Report, Phase1VerifyError> {
    let secret_contributions = secret_contributions(ptau)?;
    let last = ptau.contributions.last().ok_or(Phase1VerifyError::NoSecretContribution)?;
    let mut prev = Previous::initial(ptau.ceremony_power);
    let mut report = Vec::new();
    for (i, c) in ptau.contributions.iter().enumerate() {
        check_contribution(i, c, &prev)?;
        prev = Previous::after(c);
        report.push(Phase1ContributionReport {
            index: i + 1,
            kind: if c.beacon.is_some() { "beacon" } else { "contribution" },
            name: c.name.clone(),
            next_challenge: hex(&c.next_challenge),
            beacon_hash: c.beacon.as_ref().map(|b| hex(&b.hash)),
            beacon_iterations_exp: c.beacon.as_ref().map(|b| b.iterations_exp),
        });
    }
    check_powers(ptau, last)?;
    if ptau.power == ptau.ceremony_power && recompute_next_challenge(ptau, last) != Some(last.next_challenge) {
        return Err(Phase1VerifyError::NextChallenge);
    }
    if let Some(l) = &ptau.lagrange {
        check_lagrange::<G1Projective>("tauG1", &ptau.tau_g1, &l.tau_g1, ptau.power + 1)?;
        check_lagrange::<G2Projective>("tauG2", &ptau.tau_g2, &l.tau_g2, ptau.power)?;
        check_lagrange::<G1Projective>("alphaTauG1", &ptau.alpha_tau_g1, &l.alpha_tau_g1, ptau.power)?;
        check_lagrange::<G1Projective>("betaTauG1", &ptau.beta_tau_g1, &l.beta_tau_g1, ptau.power)?;
    }
    Ok(Phase1Report {
        power: ptau.power,
        ceremony_power: ptau.ceremony_power,
        contributions: report,
        secret_contributions,
        prepared: ptau.lagrange.is_some(),
    })
}
