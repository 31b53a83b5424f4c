//! The proving key held in memory for the life of the process: the zkey's points and
//! coefficients rearranged for proving, the evaluation domain with its coset powers, and the
//! prepared verifying key for the self-check, and every point set of the zkey with its
//! fixed-base window multiples ([`FixedBaseMsm`]). Built once at start; requests only read it.

use crate::fft::CosetFft;
use crate::msm::FixedBaseMsm;
use ark_bn254::{Bn254, G1Affine, G2Affine, g1, g2};
use ark_groth16::{PreparedVerifyingKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zk402_ceremony::{Matrix, Zkey, ZkeyError};
use zk402_circuit::Fr;

/// One non-zero matrix entry: (constraint row, wire, value).
pub type Entry = (u32, u32, Fr);

/// Why a zkey cannot be used to prove.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file is not a valid Groth16 BN254 zkey.
    #[error(transparent)]
    Zkey(#[from] ZkeyError),
    /// The domain is too large for the field's 2-adicity (the coset needs a 2n-th root).
    #[error("domain size {0} has no coset of 2n-th roots in F_r")]
    Domain(u32),
    /// A point set's length does not match the header (wires, public signals, domain).
    #[error("zkey section {0} has the wrong number of points")]
    Shape(&'static str),
}

/// A Groth16 proving key over BN254 ready for proving (see the module docs).
pub struct ProvingKey {
    /// Wires, including wire 0.
    pub n_vars: usize,
    /// Public signals (wires 1..=n_public).
    pub n_public: usize,
    /// The transform from the n-th roots of unity the QAP is interpolated on to their odd
    /// coset (n = domain size).
    pub fft: CosetFft,
    /// Non-zero entries of A, sorted by row.
    pub a_entries: Vec<Entry>,
    /// Non-zero entries of B, sorted by row.
    pub b_entries: Vec<Entry>,
    /// alpha·G1.
    pub alpha_g1: G1Affine,
    /// beta·G1.
    pub beta_g1: G1Affine,
    /// beta·G2.
    pub beta_g2: G2Affine,
    /// delta·G1.
    pub delta_g1: G1Affine,
    /// delta·G2.
    pub delta_g2: G2Affine,
    /// A_i(tau)·G1 per wire, with its window multiples.
    pub a: FixedBaseMsm<g1::Config>,
    /// B_i(tau)·G1 per wire, with its window multiples.
    pub b1: FixedBaseMsm<g1::Config>,
    /// B_i(tau)·G2 per wire, with its window multiples.
    pub b2: FixedBaseMsm<g2::Config>,
    /// The private-wire query (one point per wire after the public ones) followed by the H
    /// query (one point per evaluation on the odd coset), with their window multiples: both
    /// sums go into C, so one MSM over the private wires then the quotient's evaluations.
    pub c_h: FixedBaseMsm<g1::Config>,
    /// The verifying key the zkey implies (what snarkjs exports).
    pub vk: VerifyingKey<Bn254>,
    /// `vk` prepared for pairing checks.
    pub pvk: PreparedVerifyingKey<Bn254>,
    /// SHA-256 of the zkey file.
    pub zkey_sha256: [u8; 32],
}

/// What a [`ProvingKey`] is made of apart from what is cheap to recompute (the coset
/// transform, the prepared verifying key): the zkey's points and entries, the window tables
/// built from them, and the zkey's hash. The proving-key cache ([`crate::cache`]) stores this.
pub struct KeyParts {
    /// Public signals (wires 1..=n_public).
    pub n_public: usize,
    /// Evaluation domain size n.
    pub domain_size: usize,
    /// beta·G1.
    pub beta_g1: G1Affine,
    /// delta·G1.
    pub delta_g1: G1Affine,
    /// The verifying key (alpha·G1, beta·G2, gamma·G2, delta·G2, the public-input query).
    pub vk: VerifyingKey<Bn254>,
    /// Non-zero entries of A, sorted by row.
    pub a_entries: Vec<Entry>,
    /// Non-zero entries of B, sorted by row.
    pub b_entries: Vec<Entry>,
    /// See [`ProvingKey::a`].
    pub a: FixedBaseMsm<g1::Config>,
    /// See [`ProvingKey::b1`].
    pub b1: FixedBaseMsm<g1::Config>,
    /// See [`ProvingKey::b2`].
    pub b2: FixedBaseMsm<g2::Config>,
    /// See [`ProvingKey::c_h`].
    pub c_h: FixedBaseMsm<g1::Config>,
    /// SHA-256 of the zkey file.
    pub zkey_sha256: [u8; 32],
}

impl ProvingKey {
    /// Parses and validates a snarkjs `.zkey` and prepares it for proving.
    pub fn from_zkey_bytes(bytes: &[u8]) -> Result<ProvingKey, KeyError> {
        let zkey = Zkey::read(bytes)?;
        let zkey_sha256 = Sha256::digest(bytes).into();
        ProvingKey::from_zkey(zkey, zkey_sha256)
    }

    /// Prepares a parsed zkey; `zkey_sha256` identifies the file it came from.
    pub fn from_zkey(zkey: Zkey, zkey_sha256: [u8; 32]) -> Result<ProvingKey, KeyError> {
        let n = zkey.domain_size;
        let n_vars = zkey.n_vars as usize;
        let private = n_vars.checked_sub(zkey.n_public as usize + 1).ok_or(KeyError::Shape("C"))?;
        // Checked before the tables are built (the expensive part), and again by `from_parts`.
        for (name, len, expected) in [
            ("A", zkey.a.len(), n_vars),
            ("B1", zkey.b1.len(), n_vars),
            ("B2", zkey.b2.len(), n_vars),
            ("C", zkey.c.len(), private),
            ("H", zkey.h.len(), n as usize),
        ] {
            if len != expected {
                return Err(KeyError::Shape(name));
            }
        }
        CosetFft::new(n as usize).ok_or(KeyError::Domain(n))?;
        let (mut a_entries, mut b_entries) = (Vec::new(), Vec::new());
        for coeff in &zkey.coeffs {
            let entry = (coeff.constraint, coeff.signal, coeff.value);
            match coeff.matrix {
                Matrix::A => a_entries.push(entry),
                Matrix::B => b_entries.push(entry),
            }
        }
        a_entries.sort_by_key(|e| e.0);
        b_entries.sort_by_key(|e| e.0);
        let vk = VerifyingKey {
            alpha_g1: zkey.alpha_g1,
            beta_g2: zkey.beta_g2,
            gamma_g2: zkey.gamma_g2,
            delta_g2: zkey.delta_g2,
            gamma_abc_g1: zkey.ic,
        };
        ProvingKey::from_parts(KeyParts {
            n_public: zkey.n_public as usize,
            domain_size: n as usize,
            beta_g1: zkey.beta_g1,
            delta_g1: zkey.delta_g1,
            vk,
            a_entries,
            b_entries,
            a: FixedBaseMsm::new(&zkey.a),
            b1: FixedBaseMsm::new(&zkey.b1),
            b2: FixedBaseMsm::new(&zkey.b2),
            c_h: FixedBaseMsm::new(&[zkey.c, zkey.h].concat()),
            zkey_sha256,
        })
    }

    /// Assembles a key from its parts, checking that they fit together: as many bases in A,
    /// B1 and B2 as wires, private wires plus n in C‖H, n_public + 1 points in the public-input
    /// query, every entry inside the domain and the wires.
    pub fn from_parts(parts: KeyParts) -> Result<ProvingKey, KeyError> {
        let KeyParts {
            n_public,
            domain_size,
            beta_g1,
            delta_g1,
            vk,
            a_entries,
            b_entries,
            a,
            b1,
            b2,
            c_h,
            zkey_sha256,
        } = parts;
        let n_vars = a.len();
        let private = n_vars.checked_sub(n_public + 1).ok_or(KeyError::Shape("C"))?;
        for (name, len, expected) in [
            ("B1", b1.len(), n_vars),
            ("B2", b2.len(), n_vars),
            ("C and H", c_h.len(), private.saturating_add(domain_size)),
            ("IC", vk.gamma_abc_g1.len(), n_public + 1),
        ] {
            if len != expected {
                return Err(KeyError::Shape(name));
            }
        }
        let inside = |entries: &[Entry]| {
            entries.iter().all(|&(row, wire, _)| (row as usize) < domain_size && (wire as usize) < n_vars)
        };
        if !inside(&a_entries) || !inside(&b_entries) {
            return Err(KeyError::Shape("coefficients"));
        }
        let n = u32::try_from(domain_size).map_err(|_| KeyError::Domain(u32::MAX))?;
        let fft = CosetFft::new(domain_size).ok_or(KeyError::Domain(n))?;
        let pvk = ark_groth16::prepare_verifying_key(&vk);
        Ok(ProvingKey {
            n_vars,
            n_public,
            fft,
            a_entries,
            b_entries,
            alpha_g1: vk.alpha_g1,
            beta_g1,
            beta_g2: vk.beta_g2,
            delta_g1,
            delta_g2: vk.delta_g2,
            a,
            b1,
            b2,
            c_h,
            vk,
            pvk,
            zkey_sha256,
        })
    }
}
