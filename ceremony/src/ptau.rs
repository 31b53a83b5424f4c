//! The snarkjs powers-of-tau file (`.ptau`, iden3 container "ptau" version 1), read and
//! written byte for byte, including the Lagrange-basis sections `prepare phase2` adds.
//!
//! Sections: 1 header (n8, q, power, ceremony power), 2 tau^i·G1 (2^(power+1) − 1 points),
//! 3 tau^i·G2, 4 alpha·tau^i·G1, 5 beta·tau^i·G1 (2^power each), 6 beta·G2, 7 contributions
//! (see [`crate::ptau_contributions`]), and when prepared 12–15: for p = 0..=power (and power+1 for section 12)
//! the Lagrange basis of size 2^p evaluated at tau, i.e. the inverse FFT of the first 2^p
//! points of sections 2–5 (for p = power+1 the missing last power is taken as zero).

use crate::points::{G1_BYTES, g1_section, g1s_to_lem, g2_section, g2s_to_lem};
use crate::ptau_contributions::{PtauContribution, read_contributions, write_contributions};
use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use zk402_circuit::binfile::{BinFile, FormatError, Reader, write_header, write_section};

/// Largest power accepted when reading (BN254's 2-adicity is 28; snarkjs ptaus go to 28).
pub const MAX_POWER: u32 = 28;

/// The Lagrange-basis sections 12–15 of a prepared ptau.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lagrange {
    /// Section 12: for p = 0..=power+1, the 2^p Lagrange points of tau in G1.
    pub tau_g1: Vec<G1Affine>,
    /// Section 13: for p = 0..=power, in G2.
    pub tau_g2: Vec<G2Affine>,
    /// Section 14: for p = 0..=power, alpha times the Lagrange points in G1.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// Section 15: for p = 0..=power, beta times the Lagrange points in G1.
    pub beta_tau_g1: Vec<G1Affine>,
}

/// A parsed `.ptau`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ptau {
    /// log2 of the number of tau powers in G2 (and of alpha/beta powers).
    pub power: u32,
    /// The power of the ceremony the file came from (≥ `power` for truncated files).
    pub ceremony_power: u32,
    /// tau^i·G1, i < 2^(power+1) − 1.
    pub tau_g1: Vec<G1Affine>,
    /// tau^i·G2, i < 2^power.
    pub tau_g2: Vec<G2Affine>,
    /// alpha·tau^i·G1, i < 2^power.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// beta·tau^i·G1, i < 2^power.
    pub beta_tau_g1: Vec<G1Affine>,
    /// beta·G2.
    pub beta_g2: G2Affine,
    /// Section 7: the phase-1 contribution records.
    pub contributions: Vec<PtauContribution>,
    /// Sections 12–15, present once prepared for phase 2.
    pub lagrange: Option<Lagrange>,
}

/// Section ids of a prepared ptau in the order snarkjs writes them.
const PREPARED_ORDER: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15];

/// Points in the concatenated Lagrange sections for p = 0..=last: 2^(last+1) − 1.
fn lagrange_len(last: u32) -> usize {
    (1usize << (last + 1)) - 1
}

impl Ptau {
    /// Parses a `.ptau`; every point is checked.
    pub fn read(bytes: &[u8]) -> Result<Ptau, FormatError> {
        let file = BinFile::parse(bytes, b"ptau")?;
        if file.version != 1 {
            return Err(FormatError::Invalid(format!("ptau version {}, expected 1", file.version)));
        }
        let ids: Vec<u32> = file.sections.iter().map(|(id, _)| *id).collect();
        let prepared = match ids.as_slice() {
            [1, 2, 3, 4, 5, 6, 7] => false,
            ids if ids == PREPARED_ORDER => true,
            other => return Err(FormatError::Invalid(format!("unexpected ptau sections {other:?}"))),
        };
        let mut h = Reader::new(file.section(1)?);
        let mut q = Fq::MODULUS.to_bytes_le();
        q.resize(32, 0);
        if h.u32("n8")? != 32 || h.bytes(32, "q")? != q.as_slice() {
            return Err(FormatError::Invalid("not a BN254 ptau".into()));
        }
        let power = h.u32("power")?;
        let ceremony_power = h.u32("ceremony power")?;
        if !h.is_empty() || power == 0 || power > MAX_POWER {
            return Err(FormatError::Invalid(format!("bad header (power {power})")));
        }
        let n = 1usize << power;
        // Bound every allocation by the file size before parsing points.
        if bytes.len() < (3 * n - 1) * G1_BYTES {
            return Err(FormatError::Truncated("powers of tau"));
        }
        let tau_g1 = g1_section(file.section(2)?, 2 * n - 1, "tauG1")?;
        let tau_g2 = g2_section(file.section(3)?, n, "tauG2")?;
        let alpha_tau_g1 = g1_section(file.section(4)?, n, "alphaTauG1")?;
        let beta_tau_g1 = g1_section(file.section(5)?, n, "betaTauG1")?;
        let beta_g2 = g2_section(file.section(6)?, 1, "betaG2")?[0];
        let contributions = read_contributions(file.section(7)?)?;
        let lagrange = if prepared {
            Some(Lagrange {
                tau_g1: g1_section(file.section(12)?, lagrange_len(power + 1), "Lagrange tauG1")?,
                tau_g2: g2_section(file.section(13)?, lagrange_len(power), "Lagrange tauG2")?,
                alpha_tau_g1: g1_section(file.section(14)?, lagrange_len(power), "Lagrange alphaTauG1")?,
                beta_tau_g1: g1_section(file.section(15)?, lagrange_len(power), "Lagrange betaTauG1")?,
            })
        } else {
            None
        };
        Ok(Ptau { power, ceremony_power, tau_g1, tau_g2, alpha_tau_g1, beta_tau_g1, beta_g2, contributions, lagrange })
    }

    /// Serializes the file as snarkjs lays it out.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let sections = if self.lagrange.is_some() { 11 } else { 7 };
        write_header(&mut out, b"ptau", 1, sections);
        let mut header = 32u32.to_le_bytes().to_vec();
        let mut q = Fq::MODULUS.to_bytes_le();
        q.resize(32, 0);
        header.extend_from_slice(&q);
        header.extend_from_slice(&self.power.to_le_bytes());
        header.extend_from_slice(&self.ceremony_power.to_le_bytes());
        write_section(&mut out, 1, &header);
        write_section(&mut out, 2, &g1s_to_lem(&self.tau_g1));
        write_section(&mut out, 3, &g2s_to_lem(&self.tau_g2));
        write_section(&mut out, 4, &g1s_to_lem(&self.alpha_tau_g1));
        write_section(&mut out, 5, &g1s_to_lem(&self.beta_tau_g1));
        write_section(&mut out, 6, &g2s_to_lem(&[self.beta_g2]));
        write_section(&mut out, 7, &write_contributions(&self.contributions));
        if let Some(l) = &self.lagrange {
            write_section(&mut out, 12, &g1s_to_lem(&l.tau_g1));
            write_section(&mut out, 13, &g2s_to_lem(&l.tau_g2));
            write_section(&mut out, 14, &g1s_to_lem(&l.alpha_tau_g1));
            write_section(&mut out, 15, &g1s_to_lem(&l.beta_tau_g1));
        }
        out
    }

    /// The Lagrange points of size 2^p within a concatenated Lagrange section.
    pub fn lagrange_slice<T>(section: &[T], p: u32) -> &[T] {
        let start = (1usize << p) - 1;
        &section[start..start + (1usize << p)]
    }
}
