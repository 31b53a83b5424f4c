//! Phase 1 (powers of tau) as snarkjs runs it, for tests and demos: `new` (the identity
//! accumulator), participant contributions and a final beacon, each multiplying the powers by
//! fresh secrets tau, alpha, beta and recording a proof of knowledge of them chained through
//! challenge hashes, so that `snarkjs powersoftau verify` accepts the file and anyone can
//! check it with [`crate::phase1_verify`].
//!
//! Hashes (BLAKE2b-512): the first challenge hashes the identity accumulator (uncompressed
//! generators) after the hash of the empty string; a contribution's response hashes the
//! challenge, the new points compressed and the public key uncompressed; the next challenge
//! hashes the response and the new points uncompressed.

use crate::beacon::{BeaconError, beacon_rng};
use crate::chacha::ChaCha;
use crate::contribute::Entropy;
use crate::keygen::{fr_from_rng, g1_from_rng, hash_to_g2};
use crate::mpc::{BeaconParams, Hash64};
use crate::partial_hash::Blake2bState;
use crate::points::{g1_compressed, g1_uncompressed, g2_compressed, g2_uncompressed};
use crate::ptau::Ptau;
use crate::ptau_contributions::{MAX_NAME_CHARS, Pok, PtauContribution, PtauPubKey};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

/// Why a phase-1 contribution cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum Phase1Error {
    /// snarkjs refuses contributions to a truncated file (power below the ceremony's).
    #[error("the ptau was reduced from 2^{ceremony} to 2^{power}: contribute to the full file")]
    Reduced {
        /// The file's power.
        power: u32,
        /// The ceremony's power.
        ceremony: u32,
    },
    /// The OS random generator failed.
    #[error("OS randomness unavailable: {0}")]
    Entropy(#[from] getrandom::Error),
    /// Unusable beacon parameters.
    #[error(transparent)]
    Beacon(#[from] BeaconError),
}

/// Largest power `new_accumulator` accepts (tests and demos; imports go to 28).
pub const MAX_NEW_POWER: u32 = 20;

/// The identity accumulator of 2^`power` (every point a generator, no contributions), as
/// `snarkjs powersoftau new` writes it. `power` must be in 1..=[`MAX_NEW_POWER`].
pub fn new_accumulator(power: u32) -> Option<Ptau> {
    if !(1..=MAX_NEW_POWER).contains(&power) {
        return None;
    }
    let n = 1usize << power;
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    Some(Ptau {
        power,
        ceremony_power: power,
        tau_g1: vec![g1; 2 * n - 1],
        tau_g2: vec![g2; n],
        alpha_tau_g1: vec![g1; n],
        beta_tau_g1: vec![g1; n],
        beta_g2: g2,
        contributions: Vec::new(),
        lagrange: None,
    })
}

/// The challenge of the first contribution to a ceremony of 2^`ceremony_power`.
pub fn first_challenge(ceremony_power: u32) -> Hash64 {
    let n = 1usize << ceremony_power;
    let (g1, g2) = (g1_uncompressed(&G1Affine::generator()), g2_uncompressed(&G2Affine::generator()));
    let mut h = Blake2b512::new();
    h.update(Blake2b512::digest([]));
    for (point, count) in [(&g1[..], 2 * n - 1), (&g2[..], n), (&g1[..], n), (&g1[..], n), (&g2[..], 1)] {
        for _ in 0..count {
            h.update(point);
        }
    }
    h.finalize().into()
}

/// The challenge the next contribution to `ptau` answers.
pub fn current_challenge(ptau: &Ptau) -> Hash64 {
    ptau.contributions.last().map_or_else(|| first_challenge(ptau.ceremony_power), |c| c.next_challenge)
}

/// The G2 point a proof of knowledge is checked against: hash_to_G2 of BLAKE2b-512 over the
/// personalization byte (0 tau, 1 alpha, 2 beta), the challenge, s·G1 and x·s·G1.
pub fn g2_sp(personalization: u8, challenge: &Hash64, g1_s: &G1Affine, g1_sx: &G1Affine) -> G2Affine {
    let mut h = Blake2b512::new();
    h.update([personalization]);
    h.update(challenge);
    h.update(g1_uncompressed(g1_s));
    h.update(g1_uncompressed(g1_sx));
    hash_to_g2(&h.finalize())
}

/// A contribution's secret factors (multiplying tau, alpha and beta).
#[derive(Debug, Clone, Copy)]
pub struct PtauSecret {
    /// Factor of tau.
    pub tau: Fr,
    /// Factor of alpha.
    pub alpha: Fr,
    /// Factor of beta.
    pub beta: Fr,
}

/// Draws a contribution key from `rng` as snarkjs `createPTauKey` does: the three factors,
/// then a proof of knowledge for each (s·G1 drawn from the same stream).
pub fn derive_key(rng: &mut ChaCha, challenge: &Hash64) -> (PtauSecret, PtauPubKey) {
    let secret = PtauSecret { tau: fr_from_rng(rng), alpha: fr_from_rng(rng), beta: fr_from_rng(rng) };
    let mut pok = |x: Fr, personalization: u8| {
        let g1_s = g1_from_rng(rng);
        let g1_sx = (g1_s * x).into_affine();
        let g2_spx = (g2_sp(personalization, challenge, &g1_s, &g1_sx) * x).into_affine();
        Pok { g1_s, g1_sx, g2_spx }
    };
    let key = PtauPubKey { tau: pok(secret.tau, 0), alpha: pok(secret.alpha, 1), beta: pok(secret.beta, 2) };
    (secret, key)
}

/// points[i] ← first·inc^i·points[i], in parallel.
fn apply_key<G: CurveGroup<ScalarField = Fr>>(points: &mut [G::Affine], first: Fr, inc: Fr) {
    const CHUNK: usize = 1024;
    let scaled: Vec<G> = points
        .par_chunks(CHUNK)
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            let mut k = first * inc.pow([(c * CHUNK) as u64]);
            chunk.iter().map(move |p| {
                let out = *p * k;
                k *= inc;
                out
            })
        })
        .collect();
    points.copy_from_slice(&G::normalize_batch(&scaled));
}

/// Feeds a section to the response hasher compressed, in the chunks snarkjs hashes it in
/// (2^20 bytes of LEM points per update), so the saved hasher state matches snarkjs's.
fn hash_compressed<T: Sync, const N: usize>(
    h: &mut Blake2bState,
    points: &[T],
    lem_bytes: usize,
    enc: fn(&T) -> [u8; N],
) {
    for chunk in points.chunks((1 << 20) / lem_bytes) {
        let bytes: Vec<u8> = chunk.par_iter().flat_map_iter(enc).collect();
        h.update(&bytes);
    }
}

/// The section points in uncompressed form, as the next challenge hashes them.
fn hash_uncompressed(ptau: &Ptau, response: &Hash64) -> Hash64 {
    let mut h = Blake2b512::new();
    h.update(response);
    let g1s = |h: &mut Blake2b512, ps: &[G1Affine]| {
        let bytes: Vec<u8> = ps.par_iter().flat_map_iter(g1_uncompressed).collect();
        h.update(bytes);
    };
    g1s(&mut h, &ptau.tau_g1);
    let bytes: Vec<u8> = ptau.tau_g2.par_iter().flat_map_iter(g2_uncompressed).collect();
    h.update(bytes);
    g1s(&mut h, &ptau.alpha_tau_g1);
    g1s(&mut h, &ptau.beta_tau_g1);
    h.update(g2_uncompressed(&ptau.beta_g2));
    h.finalize().into()
}

/// The next challenge after the last contribution, recomputed from the file's points and the
/// contribution's saved response hasher; `None` if the saved state is malformed.
pub fn recompute_next_challenge(ptau: &Ptau, last: &PtauContribution) -> Option<Hash64> {
    let mut h = Blake2bState::resume(&last.partial_hash).ok()?;
    h.update(&last.key.uncompressed());
    Some(hash_uncompressed(ptau, &h.finalize()))
}

/// Multiplies the accumulator by `secret`, records the contribution; returns its response hash.
fn apply(
    ptau: &mut Ptau,
    challenge: Hash64,
    (secret, key): (PtauSecret, PtauPubKey),
    name: Option<String>,
    beacon: Option<BeaconParams>,
) -> Hash64 {
    apply_key::<G1Projective>(&mut ptau.tau_g1, Fr::one(), secret.tau);
    apply_key::<G2Projective>(&mut ptau.tau_g2, Fr::one(), secret.tau);
    apply_key::<G1Projective>(&mut ptau.alpha_tau_g1, secret.alpha, secret.tau);
    apply_key::<G1Projective>(&mut ptau.beta_tau_g1, secret.beta, secret.tau);
    ptau.beta_g2 = (ptau.beta_g2 * secret.beta).into_affine();
    ptau.lagrange = None;

    let mut response = Blake2bState::new();
    response.update(&challenge);
    hash_compressed(&mut response, &ptau.tau_g1, 64, g1_compressed);
    hash_compressed(&mut response, &ptau.tau_g2, 128, g2_compressed);
    hash_compressed(&mut response, &ptau.alpha_tau_g1, 64, g1_compressed);
    hash_compressed(&mut response, &ptau.beta_tau_g1, 64, g1_compressed);
    hash_compressed(&mut response, &[ptau.beta_g2], 128, g2_compressed);
    let partial_hash = response.save();
    response.update(&key.uncompressed());
    let response_hash = response.finalize();

    ptau.contributions.push(PtauContribution {
        tau_g1: ptau.tau_g1[1],
        tau_g2: ptau.tau_g2[1],
        alpha_g1: ptau.alpha_tau_g1[0],
        beta_g1: ptau.beta_tau_g1[0],
        beta_g2: ptau.beta_g2,
        key,
        partial_hash,
        next_challenge: hash_uncompressed(ptau, &response_hash),
        name: name.map(|n| n.chars().take(MAX_NAME_CHARS).collect()),
        beacon,
    });
    response_hash
}

fn check_full(ptau: &Ptau) -> Result<Hash64, Phase1Error> {
    if ptau.power != ptau.ceremony_power {
        return Err(Phase1Error::Reduced { power: ptau.power, ceremony: ptau.ceremony_power });
    }
    Ok(current_challenge(ptau))
}

/// Adds a participant's phase-1 contribution (drops any prepared sections); returns the
/// response hash the participant publishes.
pub fn contribute(ptau: &mut Ptau, entropy: &Entropy, name: Option<String>) -> Result<Hash64, Phase1Error> {
    let challenge = check_full(ptau)?;
    let key = derive_key(&mut entropy.rng()?, &challenge);
    Ok(apply(ptau, challenge, key, name, None))
}

/// Adds a beacon contribution whose key is derived from the public `hash` (2^`iterations_exp`
/// SHA-256 rounds, as `snarkjs powersoftau beacon`); returns the response hash.
pub fn beacon(ptau: &mut Ptau, hash: &[u8], iterations_exp: u8, name: Option<String>) -> Result<Hash64, Phase1Error> {
    let challenge = check_full(ptau)?;
    let key = derive_key(&mut beacon_rng(hash, iterations_exp)?, &challenge);
    Ok(apply(ptau, challenge, key, name, Some(BeaconParams { iterations_exp, hash: hash.to_vec() })))
}
