//! Section 10 of a `.zkey`: the circuit hash and the phase-2 contributions, each with its
//! public key (proof of knowledge of the delta factor) and transcript, as snarkjs writes them.

use crate::points::{g1_to_lem, g1_uncompressed, g2_to_lem, g2_uncompressed, read_g1, read_g2};
use ark_bn254::{G1Affine, G2Affine};
use blake2::{Blake2b512, Digest};
use zk402_circuit::binfile::{FormatError, Reader};

/// A BLAKE2b-512 digest as snarkjs uses for circuit, transcript and contribution hashes.
pub type Hash64 = [u8; 64];

/// Parameters of a beacon contribution: the key is derived from `hash` by 2^`iterations_exp`
/// rounds of SHA-256 (see [`crate::beacon`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeaconParams {
    /// log2 of the number of SHA-256 iterations.
    pub iterations_exp: u8,
    /// The public beacon value (for us: a drand round's randomness).
    pub hash: Vec<u8>,
}

/// One phase-2 contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// delta·G1 after this contribution.
    pub delta_after: G1Affine,
    /// s·G1, a random point chosen by the contributor.
    pub g1_s: G1Affine,
    /// x·s·G1, where x is the contribution's secret factor.
    pub g1_sx: G1Affine,
    /// x·sp, where sp = hash_to_G2(transcript).
    pub g2_spx: G2Affine,
    /// BLAKE2b-512 of the circuit hash, the previous contributions' public keys, s and s·x.
    pub transcript: Hash64,
    /// Optional contributor name (at most 255 bytes of UTF-8).
    pub name: Option<String>,
    /// Present exactly for a beacon contribution (snarkjs type 1).
    pub beacon: Option<BeaconParams>,
}

/// Circuit hash and contributions (zkey section 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpcParams {
    /// BLAKE2b-512 over the initial (pre-contribution) key material, as `zkey new` computes it.
    pub cs_hash: Hash64,
    /// Contributions in order.
    pub contributions: Vec<Contribution>,
}

const PARAM_NAME: u8 = 1;
const PARAM_ITERATIONS_EXP: u8 = 2;
const PARAM_BEACON_HASH: u8 = 3;

impl Contribution {
    /// Feeds this contribution's public key and transcript to `hasher` (snarkjs `hashPubKey`).
    pub fn hash_pub_key(&self, hasher: &mut Blake2b512) {
        hasher.update(g1_uncompressed(&self.delta_after));
        hasher.update(g1_uncompressed(&self.g1_s));
        hasher.update(g1_uncompressed(&self.g1_sx));
        hasher.update(g2_uncompressed(&self.g2_spx));
        hasher.update(self.transcript);
    }

    /// The contribution hash a participant publishes: BLAKE2b-512 of its public key.
    pub fn hash(&self) -> Hash64 {
        let mut h = Blake2b512::new();
        self.hash_pub_key(&mut h);
        h.finalize().into()
    }

    fn read(r: &mut Reader<'_>) -> Result<Contribution, FormatError> {
        let delta_after = read_g1(r, "contribution deltaAfter")?;
        let g1_s = read_g1(r, "contribution g1_s")?;
        let g1_sx = read_g1(r, "contribution g1_sx")?;
        let g2_spx = read_g2(r, "contribution g2_spx")?;
        let transcript: Hash64 = r.bytes(64, "contribution transcript")?.try_into().expect("64 bytes");
        let (name, beacon) = read_params(r)?;
        Ok(Contribution { delta_after, g1_s, g1_sx, g2_spx, transcript, name, beacon })
    }

    fn write(&self, out: &mut Vec<u8>) {
        g1_to_lem(&self.delta_after, out);
        g1_to_lem(&self.g1_s, out);
        g1_to_lem(&self.g1_sx, out);
        g2_to_lem(&self.g2_spx, out);
        out.extend_from_slice(&self.transcript);
        write_params(self.name.as_deref(), self.beacon.as_ref(), 255, out);
    }
}

/// Reads a contribution's type (0 = participant, 1 = beacon) and its sorted parameter list
/// (name, beacon iterations, beacon hash), as both `.zkey` and `.ptau` records store them.
pub(crate) fn read_params(r: &mut Reader<'_>) -> Result<(Option<String>, Option<BeaconParams>), FormatError> {
    let kind = r.u32("contribution type")?;
    let len = r.u32("contribution parameter length")? as usize;
    let mut p = Reader::new(r.bytes(len, "contribution parameters")?);
    let (mut name, mut exp, mut hash) = (None, None, None);
    let mut last = 0u8;
    while !p.is_empty() {
        let tag = p.bytes(1, "parameter type")?[0];
        if tag <= last {
            return Err(FormatError::Invalid("contribution parameters are not sorted".into()));
        }
        last = tag;
        match tag {
            PARAM_NAME => {
                let n = p.bytes(1, "name length")?[0] as usize;
                let s = std::str::from_utf8(p.bytes(n, "name")?)
                    .map_err(|_| FormatError::Invalid("contribution name is not UTF-8".into()))?;
                name = Some(s.to_owned());
            }
            PARAM_ITERATIONS_EXP => exp = Some(p.bytes(1, "iterations exponent")?[0]),
            PARAM_BEACON_HASH => {
                let n = p.bytes(1, "beacon hash length")?[0] as usize;
                hash = Some(p.bytes(n, "beacon hash")?.to_vec());
            }
            other => return Err(FormatError::Invalid(format!("unknown contribution parameter {other}"))),
        }
    }
    let beacon = match (kind, exp, hash) {
        (0, None, None) => None,
        (1, Some(iterations_exp), Some(hash)) => Some(BeaconParams { iterations_exp, hash }),
        _ => return Err(FormatError::Invalid(format!("contribution type {kind} with inconsistent parameters"))),
    };
    Ok((name, beacon))
}

/// Writes the type and parameter list read by [`read_params`]; the name is cut to `max_name`
/// bytes on a character boundary.
pub(crate) fn write_params(name: Option<&str>, beacon: Option<&BeaconParams>, max_name: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&u32::from(beacon.is_some()).to_le_bytes());
    let mut params = Vec::new();
    if let Some(name) = name {
        let bytes = truncate_utf8(name, max_name);
        params.push(PARAM_NAME);
        params.push(bytes.len() as u8);
        params.extend_from_slice(bytes);
    }
    if let Some(b) = beacon {
        params.extend_from_slice(&[PARAM_ITERATIONS_EXP, b.iterations_exp, PARAM_BEACON_HASH, b.hash.len() as u8]);
        params.extend_from_slice(&b.hash);
    }
    out.extend_from_slice(&(params.len() as u32).to_le_bytes());
    out.extend_from_slice(&params);
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_utf8(s: &str, max: usize) -> &[u8] {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s.as_bytes()[..end]
}

impl MpcParams {
    /// Parses section 10.
    pub fn read(payload: &[u8]) -> Result<MpcParams, FormatError> {
        let mut r = Reader::new(payload);
        let cs_hash: Hash64 = r.bytes(64, "circuit hash")?.try_into().expect("64 bytes");
        let n = r.u32("contribution count")?;
        // A contribution takes at least 3·64 + 128 + 64 + 8 bytes: bound the allocation.
        if (n as usize).saturating_mul(392) > payload.len() {
            return Err(FormatError::Truncated("contributions"));
        }
        let contributions = (0..n).map(|_| Contribution::read(&mut r)).collect::<Result<Vec<_>, _>>()?;
        if !r.is_empty() {
            return Err(FormatError::Invalid("trailing bytes after contributions".into()));
        }
        Ok(MpcParams { cs_hash, contributions })
    }

    /// Serializes section 10.
    pub fn write(&self) -> Vec<u8> {
        let mut out = self.cs_hash.to_vec();
        out.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
        self.contributions.iter().for_each(|c| c.write(&mut out));
        out
    }

    /// The transcript hasher state contribution number `index` starts from: the circuit hash
    /// followed by the public keys of the contributions before it.
    pub fn transcript_hasher(&self, index: usize) -> Blake2b512 {
        let mut h = Blake2b512::new();
        h.update(self.cs_hash);
        self.contributions[..index].iter().for_each(|c| c.hash_pub_key(&mut h));
        h
    }
}
