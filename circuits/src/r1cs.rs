//! Reader for circom's `.r1cs` (iden3 binary format, version 1) and the satisfaction check
//! A·w ∘ B·w = C·w that decides whether a witness is valid — independent of the witness
//! calculator, which may or may not enforce the circuit's `===` assertions.

use crate::binfile::{BinFile, FormatError, Reader, expect_bn254_scalar_field};
use crate::field::Fr;
use ark_ff::{One, Zero};

const HEADER: u32 = 1;
const CONSTRAINTS: u32 = 2;
const WIRE_TO_LABEL: u32 = 3;

/// A linear combination: (wire index, coefficient) terms.
pub type LinearCombination = Vec<(u32, Fr)>;

/// One rank-1 constraint ⟨a, w⟩ · ⟨b, w⟩ = ⟨c, w⟩.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Left factor.
    pub a: LinearCombination,
    /// Right factor.
    pub b: LinearCombination,
    /// Product.
    pub c: LinearCombination,
}

/// A constraint system over BN254's scalar field, as circom wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1cs {
    /// Number of wires, including wire 0 (the constant 1).
    pub n_wires: u32,
    /// Public outputs (wires 1..=n_pub_out).
    pub n_pub_out: u32,
    /// Public inputs (the wires after the outputs).
    pub n_pub_in: u32,
    /// Private inputs.
    pub n_prv_in: u32,
    /// Number of labels (signals before optimisation) in the `.sym` file.
    pub n_labels: u64,
    /// The constraints.
    pub constraints: Vec<Constraint>,
    /// For each wire, its label id.
    pub wire_to_label: Vec<u64>,
}

/// Why a witness is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum R1csError {
    /// The witness has the wrong number of wires.
    #[error("witness has {got} wires, the circuit has {expected}")]
    WrongLength {
        /// Wires in the circuit.
        expected: usize,
        /// Wires supplied.
        got: usize,
    },
    /// Wire 0 must be the constant 1.
    #[error("wire 0 is not 1")]
    ConstantWireNotOne,
    /// At least one constraint does not hold.
    #[error("{count} constraint(s) unsatisfied, first #{first}")]
    Unsatisfied {
        /// Index of the first failing constraint.
        first: usize,
        /// How many fail.
        count: usize,
    },
}

impl R1cs {
    /// Parses a `.r1cs` file; every wire index and coefficient is validated.
    pub fn parse(bytes: &[u8]) -> Result<R1cs, FormatError> {
        let file = BinFile::parse(bytes, b"r1cs")?;
        if file.version != 1 {
            return Err(FormatError::Invalid(format!("r1cs version {}, expected 1", file.version)));
        }
        let mut h = Reader::new(file.section(HEADER)?);
        expect_bn254_scalar_field(&mut h)?;
        let n_wires = h.u32("nWires")?;
        let n_pub_out = h.u32("nPubOut")?;
        let n_pub_in = h.u32("nPubIn")?;
        let n_prv_in = h.u32("nPrvIn")?;
        let n_labels = h.u64("nLabels")?;
        let m = h.u32("mConstraints")?;
        let io = u64::from(n_pub_out) + u64::from(n_pub_in) + u64::from(n_prv_in);
        if n_wires == 0 || io >= u64::from(n_wires) {
            return Err(FormatError::Invalid("wire counts are inconsistent".into()));
        }

        let payload = file.section(CONSTRAINTS)?;
        // Each constraint takes at least 12 bytes (three term counts): bound the allocation.
        if (m as usize).saturating_mul(12) > payload.len() {
            return Err(FormatError::Truncated("constraints"));
        }
        let mut r = Reader::new(payload);
        let lc = |r: &mut Reader<'_>| -> Result<LinearCombination, FormatError> {
            let n = r.u32("term count")? as usize;
            if n.saturating_mul(36) > payload.len() {
                return Err(FormatError::Truncated("terms"));
            }
            (0..n)
                .map(|_| {
                    let wire = r.u32("wire id")?;
                    if wire >= n_wires {
                        return Err(FormatError::Invalid(format!("wire {wire} out of range")));
                    }
                    Ok((wire, r.fr("coefficient")?))
                })
                .collect()
        };
        let constraints = (0..m)
            .map(|_| Ok(Constraint { a: lc(&mut r)?, b: lc(&mut r)?, c: lc(&mut r)? }))
            .collect::<Result<Vec<_>, FormatError>>()?;
        if !r.is_empty() {
            return Err(FormatError::Invalid("trailing bytes after constraints".into()));
        }

        let map = file.section(WIRE_TO_LABEL)?;
        if map.len() != n_wires as usize * 8 {
            return Err(FormatError::Invalid("wire-to-label map has the wrong size".into()));
        }
        let wire_to_label = map.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        Ok(R1cs { n_wires, n_pub_out, n_pub_in, n_prv_in, n_labels, constraints, wire_to_label })
    }

    /// Number of public signals (outputs then inputs), as snarkjs counts `nPublic`.
    pub fn n_public(&self) -> usize {
        (self.n_pub_out + self.n_pub_in) as usize
    }

    /// Indices of all constraints the witness violates (after checking its shape).
    pub fn unsatisfied(&self, witness: &[Fr]) -> Result<Vec<usize>, R1csError> {
        if witness.len() != self.n_wires as usize {
            return Err(R1csError::WrongLength { expected: self.n_wires as usize, got: witness.len() });
        }
        if !witness[0].is_one() {
            return Err(R1csError::ConstantWireNotOne);
        }
        let eval = |lc: &LinearCombination| lc.iter().fold(Fr::zero(), |acc, (w, k)| acc + *k * witness[*w as usize]);
        Ok(self
            .constraints
            .iter()
            .enumerate()
            .filter(|(_, c)| eval(&c.a) * eval(&c.b) != eval(&c.c))
            .map(|(i, _)| i)
            .collect())
    }

    /// Accepts a witness only if it satisfies every constraint.
    pub fn check(&self, witness: &[Fr]) -> Result<(), R1csError> {
        let failing = self.unsatisfied(witness)?;
        match failing.first() {
            None => Ok(()),
            Some(&first) => Err(R1csError::Unsatisfied { first, count: failing.len() }),
        }
    }
}
