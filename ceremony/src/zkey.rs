//! The snarkjs Groth16 proving key (`.zkey`, iden3 container "zkey" version 1), read and
//! written byte for byte.
//!
//! Sections: 1 protocol (1 = Groth16), 2 header (field primes, sizes, alpha/beta/gamma/delta),
//! 3 IC, 4 coefficients of A and B, 5 A, 6 B1, 7 B2, 8 C (the "L" query, private wires only),
//! 9 H, 10 MPC parameters. Points are stored in LEM form (see [`crate::points`]); coefficient
//! values are stored as v·R² mod r (R = 2^256), little-endian.

use crate::mpc::MpcParams;
use crate::points::{
    G1_BYTES, G2_BYTES, g1_section, g1_to_lem, g1s_to_lem, g2_section, g2_to_lem, g2s_to_lem, read_g1, read_g2,
};
use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, Field, PrimeField};
use zk402_circuit::binfile::{BinFile, FormatError, Reader, write_header, write_section};
use zk402_circuit::field::{fr_from_le_bytes, fr_to_le_bytes};

/// Section order `snarkjs zkey new` writes.
pub const NEW_SECTION_ORDER: [u32; 10] = [1, 2, 4, 3, 9, 8, 5, 6, 7, 10];
/// Section order `snarkjs zkey contribute`/`beacon` write (ascending).
pub const CONTRIBUTED_SECTION_ORDER: [u32; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const GROTH16: u32 = 1;
const COEFF_BYTES: usize = 12 + 32;

/// Why a `.zkey` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZkeyError {
    /// Container or section content is malformed.
    #[error("zkey: {0}")]
    Format(#[from] FormatError),
    /// The key is for another proving system (1 = Groth16; 2 PLONK, 10 FFLONK).
    #[error("zkey: protocol {0} is not Groth16")]
    NotGroth16(u32),
    /// The key is for another curve than BN254.
    #[error("zkey: not a BN254 key ({0})")]
    WrongCurve(&'static str),
}

/// Which QAP matrix a coefficient belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    /// The left factor A.
    A = 0,
    /// The right factor B.
    B = 1,
}

/// One non-zero entry of the A or B matrix: `value` at (constraint, signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coeff {
    /// A or B.
    pub matrix: Matrix,
    /// Row: constraint index (rows ≥ the r1cs constraint count bind the public inputs).
    pub constraint: u32,
    /// Column: wire index.
    pub signal: u32,
    /// The coefficient as a plain field element.
    pub value: Fr,
}

/// A parsed Groth16 `.zkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zkey {
    /// Number of wires including wire 0 (the constant 1).
    pub n_vars: u32,
    /// Number of public signals (not counting wire 0).
    pub n_public: u32,
    /// Evaluation domain size (a power of two).
    pub domain_size: u32,
    /// alpha·G1.
    pub alpha_g1: G1Affine,
    /// beta·G1.
    pub beta_g1: G1Affine,
    /// beta·G2.
    pub beta_g2: G2Affine,
    /// gamma·G2 (snarkjs keeps gamma = 1, the generator).
    pub gamma_g2: G2Affine,
    /// delta·G1 (changed by every contribution).
    pub delta_g1: G1Affine,
    /// delta·G2 (changed by every contribution).
    pub delta_g2: G2Affine,
    /// Public-input query: `n_public + 1` points (beta·A_i + alpha·B_i + C_i)(tau)/gamma.
    pub ic: Vec<G1Affine>,
    /// Non-zero entries of A and B, values as plain field elements.
    pub coeffs: Vec<Coeff>,
    /// A_i(tau)·G1 for every wire.
    pub a: Vec<G1Affine>,
    /// B_i(tau)·G1 for every wire.
    pub b1: Vec<G1Affine>,
    /// B_i(tau)·G2 for every wire.
    pub b2: Vec<G2Affine>,
    /// Private-wire query (`n_vars - n_public - 1` points) (beta·A_i + alpha·B_i + C_i)(tau)/delta.
    pub c: Vec<G1Affine>,
    /// H query: `domain_size` points for the quotient polynomial, divided by delta.
    pub h: Vec<G1Affine>,
    /// Circuit hash and contributions.
    pub mpc: MpcParams,
    /// Order of the sections in the file (a permutation of 1..=10), kept for byte-exact writes.
    pub section_order: [u32; 10],
}

fn prime_bytes<F: PrimeField>() -> Vec<u8> {
    let mut v = F::MODULUS.to_bytes_le();
    v.resize(32, 0);
    v
}

/// R² mod r, by which snarkjs scales stored coefficients.
fn r_squared() -> Fr {
    Fr::from(2u64).pow([512])
}

impl Zkey {
    /// Parses a `.zkey`. Every point is checked (on the curve, G2 in the subgroup), every
    /// count and index bounded by the file size.
    pub fn read(bytes: &[u8]) -> Result<Zkey, ZkeyError> {
        let file = BinFile::parse(bytes, b"zkey")?;
        if file.version != 1 {
            return Err(FormatError::Invalid(format!("zkey version {}, expected 1", file.version)).into());
        }
        let mut section_order = [0u32; 10];
        if file.sections.len() != 10 {
            return Err(FormatError::Invalid(format!("{} sections, expected 10", file.sections.len())).into());
        }
        for (slot, (id, _)) in section_order.iter_mut().zip(&file.sections) {
            *slot = *id;
        }
        let mut sorted = section_order;
        sorted.sort_unstable();
        if sorted != CONTRIBUTED_SECTION_ORDER {
            return Err(FormatError::Invalid(format!("sections {section_order:?} are not 1..=10 once each")).into());
        }

        let mut r = Reader::new(file.section(1)?);
        let protocol = r.u32("protocol")?;
        if protocol != GROTH16 {
            return Err(ZkeyError::NotGroth16(protocol));
        }
        expect_end(&r, "protocol section")?;

        let mut r = Reader::new(file.section(2)?);
        if r.u32("n8q")? != 32 || r.bytes(32, "q")? != prime_bytes::<Fq>() {
            return Err(ZkeyError::WrongCurve("base field"));
        }
        if r.u32("n8r")? != 32 || r.bytes(32, "r")? != prime_bytes::<Fr>() {
            return Err(ZkeyError::WrongCurve("scalar field"));
        }
        let n_vars = r.u32("nVars")?;
        let n_public = r.u32("nPublic")?;
        let domain_size = r.u32("domainSize")?;
        if !domain_size.is_power_of_two() || u64::from(n_public) + 1 > u64::from(n_vars) {
            return Err(FormatError::Invalid("inconsistent nVars/nPublic/domainSize".into()).into());
        }
        let alpha_g1 = read_g1(&mut r, "alpha1")?;
        let beta_g1 = read_g1(&mut r, "beta1")?;
        let beta_g2 = read_g2(&mut r, "beta2")?;
        let gamma_g2 = read_g2(&mut r, "gamma2")?;
        let delta_g1 = read_g1(&mut r, "delta1")?;
        let delta_g2 = read_g2(&mut r, "delta2")?;
        expect_end(&r, "header section")?;

        let coeffs = read_coeffs(file.section(4)?, n_vars, domain_size)?;
        let n_vars_us = n_vars as usize;
        let ic = g1_section(file.section(3)?, n_public as usize + 1, "IC")?;
        let a = g1_section(file.section(5)?, n_vars_us, "A")?;
        let b1 = g1_section(file.section(6)?, n_vars_us, "B1")?;
        let b2 = g2_section(file.section(7)?, n_vars_us, "B2")?;
        let c = g1_section(file.section(8)?, n_vars_us - n_public as usize - 1, "C")?;
        let h = g1_section(file.section(9)?, domain_size as usize, "H")?;
        let mpc = MpcParams::read(file.section(10)?)?;
        Ok(Zkey {
            n_vars,
            n_public,
            domain_size,
            alpha_g1,
            beta_g1,
            beta_g2,
            gamma_g2,
            delta_g1,
            delta_g2,
            ic,
            coeffs,
            a,
            b1,
            b2,
            c,
            h,
            mpc,
            section_order,
        })
    }

    /// Serializes in `section_order`; a file read with [`Zkey::read`] is reproduced exactly.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size_hint());
        write_header(&mut out, b"zkey", 1, 10);
        for id in self.section_order {
            write_section(&mut out, id, &self.section(id));
        }
        out
    }

    fn size_hint(&self) -> usize {
        12 + 10 * 12
            + 300
            + self.coeffs.len() * COEFF_BYTES
            + (self.ic.len() + self.a.len() + self.b1.len() + self.c.len() + self.h.len()) * G1_BYTES
            + self.b2.len() * G2_BYTES
    }

    /// The payload of one section.
    fn section(&self, id: u32) -> Vec<u8> {
        match id {
            1 => GROTH16.to_le_bytes().to_vec(),
            2 => self.header_section(),
            3 => g1s_to_lem(&self.ic),
            4 => {
                let r2 = r_squared();
                let mut out = Vec::with_capacity(4 + self.coeffs.len() * COEFF_BYTES);
                out.extend_from_slice(&(self.coeffs.len() as u32).to_le_bytes());
                for c in &self.coeffs {
                    out.extend_from_slice(&(c.matrix as u32).to_le_bytes());
                    out.extend_from_slice(&c.constraint.to_le_bytes());
                    out.extend_from_slice(&c.signal.to_le_bytes());
                    out.extend_from_slice(&fr_to_le_bytes(&(c.value * r2)));
                }
                out
            }
            5 => g1s_to_lem(&self.a),
            6 => g1s_to_lem(&self.b1),
            7 => g2s_to_lem(&self.b2),
            8 => g1s_to_lem(&self.c),
            9 => g1s_to_lem(&self.h),
            10 => self.mpc.write(),
            _ => unreachable!("section ids are 1..=10"),
        }
    }

    fn header_section(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * 36 + 12 + 3 * G1_BYTES + 3 * G2_BYTES);
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&prime_bytes::<Fq>());
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&prime_bytes::<Fr>());
        for v in [self.n_vars, self.n_public, self.domain_size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        g1_to_lem(&self.alpha_g1, &mut out);
        g1_to_lem(&self.beta_g1, &mut out);
        g2_to_lem(&self.beta_g2, &mut out);
        g2_to_lem(&self.gamma_g2, &mut out);
        g1_to_lem(&self.delta_g1, &mut out);
        g2_to_lem(&self.delta_g2, &mut out);
        out
    }

    /// The payload of one section as [`Zkey::write`] emits it (for section-wise comparisons).
    pub fn section_bytes(&self, id: u32) -> Option<Vec<u8>> {
        (1..=10).contains(&id).then(|| self.section(id))
    }
}

fn expect_end(r: &Reader<'_>, what: &'static str) -> Result<(), FormatError> {
    if r.is_empty() { Ok(()) } else { Err(FormatError::Invalid(format!("trailing bytes in {what}"))) }
}

fn read_coeffs(payload: &[u8], n_vars: u32, domain_size: u32) -> Result<Vec<Coeff>, FormatError> {
    let mut r = Reader::new(payload);
    let n = r.u32("coefficient count")? as usize;
    if n.saturating_mul(COEFF_BYTES) != payload.len() - 4 {
        return Err(FormatError::Invalid("coefficient section size does not match its count".into()));
    }
    let r2_inv = r_squared().inverse().expect("R² is invertible");
    (0..n)
        .map(|_| {
            let matrix = match r.u32("matrix")? {
                0 => Matrix::A,
                1 => Matrix::B,
                m => return Err(FormatError::Invalid(format!("coefficient matrix {m} is not A (0) or B (1)"))),
            };
            let constraint = r.u32("constraint")?;
            let signal = r.u32("signal")?;
            if constraint >= domain_size || signal >= n_vars {
                return Err(FormatError::Invalid(format!("coefficient ({constraint}, {signal}) out of range")));
            }
            let raw: &[u8; 32] = r.bytes(32, "coefficient value")?.try_into().expect("32 bytes");
            let stored = fr_from_le_bytes(raw).map_err(|_| FormatError::Invalid("coefficient >= r".into()))?;
            Ok(Coeff { matrix, constraint, signal, value: stored * r2_inv })
        })
        .collect()
}
