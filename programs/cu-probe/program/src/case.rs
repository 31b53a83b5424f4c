//! The instruction data of the probe: one verification case, fixed-size fields, no padding.
//!
//! ```text
//! op u8 | n_ic u8 | α 64 | β 128 | γ 128 | δ 128 | IC n_ic·64 | folded u8 | base 64
//!       | n_proofs u8 | n_proofs × (proof 256 | (n_ic − 1 − folded) × input 32)
//! ```
//!
//! Points are in the alt_bn128 syscall encoding (big-endian, G2 imaginary part first), proofs
//! are −A‖B‖C ([`Proof`]), inputs 32-byte big-endian; `base` is the [`InputBase`] point with
//! `folded` leading inputs folded into IC₀.
//!
//! No `Vec` and no multiplication that can overflow: upstream LLVM's BPF backend cannot emit
//! the `__multi3` call that a runtime-sized `Vec` allocation or a `checked_mul` lowers to, so
//! the proofs live in a fixed-capacity boxed array.

use crate::error::ProbeError;
use alloc::boxed::Box;
use zk402_verifier_core::encoding::{PROOF_LEN, Proof};
use zk402_verifier_core::{InputBase, VerifyingKey};

/// What the probe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// zk402-verifier-core `verify` of the single proof.
    Verify = 0,
    /// zk402-verifier-core `verify_batch` of every proof.
    VerifyBatch = 1,
    /// groth16-solana's verifier on the single proof (needs `folded` = 0: it takes every input).
    PeerVerify = 2,
}

impl Op {
    fn from_byte(b: u8) -> Result<Op, ProbeError> {
        match b {
            0 => Ok(Op::Verify),
            1 => Ok(Op::VerifyBatch),
            2 => Ok(Op::PeerVerify),
            _ => Err(ProbeError::Malformed),
        }
    }
}

/// Most proofs in one case (the verifier program batches at most 10).
pub const MAX_PROOFS: usize = 16;

/// The filler of unused proof slots.
pub(crate) const NO_PROOF: Proof = Proof { a_neg: [0; 64], b: [0; 128], c: [0; 64] };

/// A decoded case, borrowing the key, the IC points and the inputs from the instruction data.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    /// What to run.
    pub op: Op,
    /// The verifying key.
    pub vk: VerifyingKey<'a>,
    /// IC₀ with the leading inputs folded in.
    pub base: InputBase,
    proofs: Box<[Proof; MAX_PROOFS]>,
    inputs: [&'a [[u8; 32]]; MAX_PROOFS],
    len: usize,
}

/// Reads fixed-size fields off the front of the data.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn array<const N: usize>(&mut self) -> Result<&'a [u8; N], ProbeError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(ProbeError::Malformed)?;
        self.0 = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, ProbeError> {
        Ok(self.array::<1>()?[0])
    }

    /// `count` is at most 255 (a byte), so `count · N` cannot overflow.
    fn chunks<const N: usize>(&mut self, count: u8) -> Result<&'a [[u8; N]], ProbeError> {
        let len = usize::from(count) * N;
        if self.0.len() < len {
            return Err(ProbeError::Malformed);
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head.as_chunks::<N>().0)
    }
}

impl<'a> Case<'a> {
    /// A case of the given proofs (at most [`MAX_PROOFS`]), each with its unfolded inputs.
    pub fn new(
        op: Op,
        vk: VerifyingKey<'a>,
        base: InputBase,
        proofs: &[(Proof, &'a [[u8; 32]])],
    ) -> Result<Case<'a>, ProbeError> {
        let mut case = Case::empty(op, vk, base);
        for (proof, inputs) in proofs {
            case.push(*proof, inputs)?;
        }
        Ok(case)
    }

    /// A case of one proof.
    pub fn single(op: Op, vk: VerifyingKey<'a>, base: InputBase, proof: Proof, inputs: &'a [[u8; 32]]) -> Case<'a> {
        let mut case = Case::empty(op, vk, base);
        case.proofs[0] = proof;
        case.inputs[0] = inputs;
        case.len = 1;
        case
    }

    fn empty(op: Op, vk: VerifyingKey<'a>, base: InputBase) -> Case<'a> {
        Case { op, vk, base, proofs: Box::new([NO_PROOF; MAX_PROOFS]), inputs: [&[]; MAX_PROOFS], len: 0 }
    }

    fn push(&mut self, proof: Proof, inputs: &'a [[u8; 32]]) -> Result<(), ProbeError> {
        if self.len == MAX_PROOFS {
            return Err(ProbeError::Malformed);
        }
        self.proofs[self.len] = proof;
        self.inputs[self.len] = inputs;
        self.len += 1;
        Ok(())
    }

    /// Number of proofs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the case has no proof.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Proof `i` and its unfolded inputs.
    pub fn proof(&self, i: usize) -> Option<(&Proof, &'a [[u8; 32]])> {
        (i < self.len).then(|| (&self.proofs[i], self.inputs[i]))
    }

    /// Proof `i`, mutable (to tamper with it).
    pub fn proof_mut(&mut self, i: usize) -> Option<&mut Proof> {
        if i < self.len { Some(&mut self.proofs[i]) } else { None }
    }

    /// Decodes instruction data; any size mismatch (short, trailing bytes, folded > inputs) is
    /// [`ProbeError::Malformed`].
    pub fn decode(data: &'a [u8]) -> Result<Case<'a>, ProbeError> {
        let mut r = Reader(data);
        let op = Op::from_byte(r.byte()?)?;
        let n_ic = r.byte()?;
        let (alpha_g1, beta_g2, gamma_g2, delta_g2) = (r.array()?, r.array()?, r.array()?, r.array()?);
        let ic = r.chunks::<64>(n_ic)?;
        let folded = r.byte()?;
        let base = InputBase { point: *r.array()?, folded: usize::from(folded) };
        let remaining = n_ic.checked_sub(1).and_then(|n| n.checked_sub(folded)).ok_or(ProbeError::Malformed)?;
        let vk = VerifyingKey { alpha_g1, beta_g2, gamma_g2, delta_g2, ic };
        let mut case = Case::empty(op, vk, base);
        for _ in 0..r.byte()? {
            let proof = Proof::from_bytes(r.array::<PROOF_LEN>()?);
            case.push(proof, r.chunks::<32>(remaining)?)?;
        }
        if !r.0.is_empty() {
            return Err(ProbeError::Malformed);
        }
        Ok(case)
    }

    /// The instruction data of this case.
    pub fn encode(&self) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::new();
        out.push(self.op as u8);
        out.push(self.vk.ic.len() as u8);
        for part in [&self.vk.alpha_g1[..], self.vk.beta_g2, self.vk.gamma_g2, self.vk.delta_g2] {
            out.extend_from_slice(part);
        }
        self.vk.ic.iter().for_each(|p| out.extend_from_slice(p));
        out.push(self.base.folded as u8);
        out.extend_from_slice(&self.base.point);
        out.push(self.len as u8);
        for (proof, inputs) in self.proofs.iter().zip(self.inputs).take(self.len) {
            out.extend_from_slice(&proof.to_bytes());
            inputs.iter().for_each(|x| out.extend_from_slice(x));
        }
        out
    }
}
