//! Phase-2 contributions: multiply delta by a secret x (and divide the L/C and H queries by
//! it), recording the proof of knowledge. The secret comes from OS randomness mixed with the
//! participant's text, or — for the final beacon — from a public value anyone can re-derive.

use crate::beacon::{BeaconError, beacon_rng};
use crate::chacha::ChaCha;
use crate::keygen::DeltaKey;
use crate::mpc::{BeaconParams, Contribution, Hash64};
use crate::zkey::{CONTRIBUTED_SECTION_ORDER, Zkey};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::Field;
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

/// Where a contribution's randomness comes from.
#[derive(Debug, Clone)]
pub enum Entropy {
    /// 64 bytes from the operating system's RNG, hashed with the participant's text.
    Os {
        /// Optional extra text typed by the participant.
        text: Vec<u8>,
    },
    /// INSECURE, for reproducible test ceremonies only: the given bytes replace the OS
    /// randomness, so anyone knowing them knows the secret. Recorded in the transcript.
    InsecureTest {
        /// The fixed seed bytes.
        seed: Vec<u8>,
    },
}

impl Entropy {
    /// The ChaCha stream the key is drawn from: BLAKE2b-512(random ‖ text), as snarkjs seeds it.
    pub fn rng(&self) -> Result<ChaCha, getrandom::Error> {
        let mut h = Blake2b512::new();
        match self {
            Entropy::Os { text } => {
                let mut random = [0u8; 64];
                getrandom::fill(&mut random)?;
                h.update(random);
                h.update(text);
            }
            Entropy::InsecureTest { seed } => h.update(seed),
        }
        Ok(ChaCha::from_hash(&h.finalize()))
    }
}

fn scale_g1(points: &mut [G1Affine], k: Fr) {
    let scaled: Vec<G1Projective> = points.par_iter().map(|p| *p * k).collect();
    points.copy_from_slice(&G1Projective::normalize_batch(&scaled));
}

/// Applies `key` to the zkey and appends the contribution record; returns its hash.
fn apply(zkey: &mut Zkey, key: DeltaKey, name: Option<String>, beacon: Option<BeaconParams>) -> Hash64 {
    zkey.delta_g1 = (zkey.delta_g1 * key.x).into_affine();
    zkey.delta_g2 = (zkey.delta_g2 * key.x).into_affine();
    let inv = key.x.inverse().expect("a sampled scalar is non-zero with overwhelming probability");
    scale_g1(&mut zkey.c, inv);
    scale_g1(&mut zkey.h, inv);
    let c = Contribution {
        delta_after: zkey.delta_g1,
        g1_s: key.g1_s,
        g1_sx: key.g1_sx,
        g2_spx: key.g2_spx,
        transcript: key.transcript,
        name,
        beacon,
    };
    let hash = c.hash();
    zkey.mpc.contributions.push(c);
    zkey.section_order = CONTRIBUTED_SECTION_ORDER;
    hash
}

/// Adds a participant's contribution; returns the contribution hash to publish.
pub fn contribute(zkey: &mut Zkey, entropy: &Entropy, name: Option<String>) -> Result<Hash64, getrandom::Error> {
    let mut rng = entropy.rng()?;
    let key = DeltaKey::derive(&mut rng, zkey.mpc.transcript_hasher(zkey.mpc.contributions.len()));
    Ok(apply(zkey, key, name, None))
}

/// Adds the final beacon contribution derived from a public value (e.g. drand randomness).
pub fn beacon(zkey: &mut Zkey, hash: &[u8], iterations_exp: u8, name: Option<String>) -> Result<Hash64, BeaconError> {
    let mut rng = beacon_rng(hash, iterations_exp)?;
    let key = DeltaKey::derive(&mut rng, zkey.mpc.transcript_hasher(zkey.mpc.contributions.len()));
    Ok(apply(zkey, key, name, Some(BeaconParams { iterations_exp, hash: hash.to_vec() })))
}
