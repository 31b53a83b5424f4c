//! Section 7 of a `.ptau`: the phase-1 contribution records, as snarkjs `powersoftau
//! contribute`/`beacon` write them. Each record holds the first points after the contribution
//! (tau·G1, tau·G2, alpha·G1, beta·G1, beta·G2), the contributor's public key (a proof of
//! knowledge for each of tau, alpha, beta), the response hasher's saved state before the key
//! (see [`crate::partial_hash`]), the next challenge hash, and the name/beacon parameters.

use crate::mpc::{BeaconParams, Hash64, read_params, write_params};
use crate::partial_hash::PARTIAL_HASH_BYTES;
use crate::points::{g1_to_lem, g1_uncompressed, g2_to_lem, g2_uncompressed, read_g1, read_g2};
use ark_bn254::{G1Affine, G2Affine};
use zk402_circuit::binfile::{FormatError, Reader};

/// snarkjs keeps the first 64 characters of a phase-1 contributor's name.
pub const MAX_NAME_CHARS: usize = 64;

/// The proof of knowledge of one secret factor x: s·G1, x·s·G1 and x·sp, where sp is hashed
/// to G2 from the challenge, s·G1 and x·s·G1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pok {
    /// s·G1.
    pub g1_s: G1Affine,
    /// x·s·G1.
    pub g1_sx: G1Affine,
    /// x·sp in G2.
    pub g2_spx: G2Affine,
}

/// A phase-1 public key: proofs of knowledge of the tau, alpha and beta factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtauPubKey {
    /// For tau (hash personalization 0).
    pub tau: Pok,
    /// For alpha (personalization 1).
    pub alpha: Pok,
    /// For beta (personalization 2).
    pub beta: Pok,
}

impl PtauPubKey {
    /// The key's uncompressed form (G1 points of tau, alpha, beta, then their G2 points), as
    /// hashed into the response.
    pub fn uncompressed(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(6 * 64 + 3 * 128);
        for k in [&self.tau, &self.alpha, &self.beta] {
            out.extend_from_slice(&g1_uncompressed(&k.g1_s));
            out.extend_from_slice(&g1_uncompressed(&k.g1_sx));
        }
        for k in [&self.tau, &self.alpha, &self.beta] {
            out.extend_from_slice(&g2_uncompressed(&k.g2_spx));
        }
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<PtauPubKey, FormatError> {
        let mut g1 = [G1Affine::default(); 6];
        for p in &mut g1 {
            *p = read_g1(r, "public key G1 point")?;
        }
        let mut g2 = [G2Affine::default(); 3];
        for p in &mut g2 {
            *p = read_g2(r, "public key G2 point")?;
        }
        let pok = |i: usize| Pok { g1_s: g1[2 * i], g1_sx: g1[2 * i + 1], g2_spx: g2[i] };
        Ok(PtauPubKey { tau: pok(0), alpha: pok(1), beta: pok(2) })
    }

    fn write(&self, out: &mut Vec<u8>) {
        for k in [&self.tau, &self.alpha, &self.beta] {
            g1_to_lem(&k.g1_s, out);
            g1_to_lem(&k.g1_sx, out);
        }
        for k in [&self.tau, &self.alpha, &self.beta] {
            g2_to_lem(&k.g2_spx, out);
        }
    }
}

/// One phase-1 contribution record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtauContribution {
    /// tau·G1 after this contribution (second point of section 2).
    pub tau_g1: G1Affine,
    /// tau·G2 after this contribution.
    pub tau_g2: G2Affine,
    /// alpha·G1 after this contribution.
    pub alpha_g1: G1Affine,
    /// beta·G1 after this contribution.
    pub beta_g1: G1Affine,
    /// beta·G2 after this contribution.
    pub beta_g2: G2Affine,
    /// The contributor's public key.
    pub key: PtauPubKey,
    /// Saved response hasher: BLAKE2b over the previous challenge and the compressed new points.
    pub partial_hash: [u8; PARTIAL_HASH_BYTES],
    /// BLAKE2b-512 of the response hash and the uncompressed new points: the next contributor's
    /// challenge.
    pub next_challenge: Hash64,
    /// Contributor name, if any.
    pub name: Option<String>,
    /// Present exactly for a beacon contribution.
    pub beacon: Option<BeaconParams>,
}

impl PtauContribution {
    fn read(r: &mut Reader<'_>) -> Result<PtauContribution, FormatError> {
        let tau_g1 = read_g1(r, "contribution tauG1")?;
        let tau_g2 = read_g2(r, "contribution tauG2")?;
        let alpha_g1 = read_g1(r, "contribution alphaG1")?;
        let beta_g1 = read_g1(r, "contribution betaG1")?;
        let beta_g2 = read_g2(r, "contribution betaG2")?;
        let key = PtauPubKey::read(r)?;
        let partial_hash = r.bytes(PARTIAL_HASH_BYTES, "partial hash")?.try_into().expect("216 bytes");
        let next_challenge = r.bytes(64, "next challenge")?.try_into().expect("64 bytes");
        let (name, beacon) = read_params(r)?;
        Ok(PtauContribution {
            tau_g1,
            tau_g2,
            alpha_g1,
            beta_g1,
            beta_g2,
            key,
            partial_hash,
            next_challenge,
            name,
            beacon,
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        g1_to_lem(&self.tau_g1, out);
        g2_to_lem(&self.tau_g2, out);
        g1_to_lem(&self.alpha_g1, out);
        g1_to_lem(&self.beta_g1, out);
        g2_to_lem(&self.beta_g2, out);
        self.key.write(out);
        out.extend_from_slice(&self.partial_hash);
        out.extend_from_slice(&self.next_challenge);
        write_params(self.name.as_deref(), self.beacon.as_ref(), 255, out);
    }
}

/// Smallest record: five points, the key, partial hash, challenge, type and parameter length.
const MIN_RECORD_BYTES: usize = 3 * 64 + 2 * 128 + 6 * 64 + 3 * 128 + PARTIAL_HASH_BYTES + 64 + 8;

/// Parses section 7.
pub fn read_contributions(payload: &[u8]) -> Result<Vec<PtauContribution>, FormatError> {
    let mut r = Reader::new(payload);
    let n = r.u32("contribution count")? as usize;
    if n.saturating_mul(MIN_RECORD_BYTES) > payload.len() {
        return Err(FormatError::Truncated("phase-1 contributions"));
    }
    let out = (0..n).map(|_| PtauContribution::read(&mut r)).collect::<Result<Vec<_>, _>>()?;
    if !r.is_empty() {
        return Err(FormatError::Invalid("trailing bytes after phase-1 contributions".into()));
    }
    Ok(out)
}

/// Serializes section 7.
pub fn write_contributions(contributions: &[PtauContribution]) -> Vec<u8> {
    let mut out = (contributions.len() as u32).to_le_bytes().to_vec();
    contributions.iter().for_each(|c| c.write(&mut out));
    out
}
