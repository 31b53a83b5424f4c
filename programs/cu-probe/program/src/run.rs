//! Runs a decoded case: the core's single or batch verification, or the peer's.

use crate::case::{Case, MAX_PROOFS, NO_PROOF, Op};
use crate::error::ProbeError;
use alloc::boxed::Box;
use groth16_solana::groth16::{Groth16Verifier, Groth16Verifyingkey};
use zk402_nullifier_set::{Cell, ShardHeader, ShardMut, account_len, record};
use zk402_verifier_core::batch::{BatchItem, verify_batch, weights};
use zk402_verifier_core::encoding::Proof;
use zk402_verifier_core::scalar::{Accumulator, weight_sum};
use zk402_verifier_core::verify;

/// Public inputs of the payment circuit, the only count the peer path is instantiated for
/// (groth16-solana takes them as a fixed-size array).
pub const PEER_INPUTS: usize = 4;

/// Work prepared from a case before the measured region: everything but the verification.
pub enum Prepared<'a> {
    /// One proof for the core's `verify`.
    Verify(&'a Case<'a>),
    /// The first `.1` batch items for the core's `verify_batch`.
    Batch(&'a Case<'a>, Box<[BatchItem<'a>; MAX_PROOFS]>, usize),
    /// The peer's key (boxed: it holds copies of the points) and the proof's full inputs.
    Peer(&'a Proof, Box<Groth16Verifyingkey<'a>>, &'a [[u8; 32]; PEER_INPUTS]),
}

/// Builds what the verification call needs (the peer's key holds copies of the points, as a
/// program with a compiled-in key would have them).
pub fn prepare<'a>(case: &'a Case<'a>) -> Result<Prepared<'a>, ProbeError> {
    match case.op {
        Op::Verify if case.len() == 1 => Ok(Prepared::Verify(case)),
        Op::VerifyBatch => {
            let mut items = Box::new([BatchItem { proof: &NO_PROOF, inputs: &[] }; MAX_PROOFS]);
            for (i, item) in items.iter_mut().enumerate().take(case.len()) {
                let (proof, inputs) = case.proof(i).ok_or(ProbeError::Malformed)?;
                *item = BatchItem { proof, inputs };
            }
            Ok(Prepared::Batch(case, items, case.len()))
        }
        Op::PeerVerify if case.len() == 1 && case.base.folded == 0 => {
            let (proof, inputs) = case.proof(0).ok_or(ProbeError::Malformed)?;
            let inputs = inputs.try_into().map_err(|_| ProbeError::Malformed)?;
            let vk = Box::new(Groth16Verifyingkey {
                nr_pubinputs: PEER_INPUTS,
                vk_alpha_g1: *case.vk.alpha_g1,
                vk_beta_g2: *case.vk.beta_g2,
                vk_gamma_g2: *case.vk.gamma_g2,
                vk_delta_g2: *case.vk.delta_g2,
                vk_ic: case.vk.ic,
                vk_commitment: None,
            });
            Ok(Prepared::Peer(proof, vk, inputs))
        }
        _ => Err(ProbeError::Malformed),
    }
}

/// Cells of the probe's nullifier shard (held in the heap: a load costs the same CU there as
/// in an account).
pub const SHARD_CAPACITY: u32 = 1_024;
const SHARD_WORDS: usize = match account_len(SHARD_CAPACITY) {
    Some(len) => len / 8,
    None => panic!("invalid probe capacity"),
};
/// The probe shard's policy.
const POLICY: [u8; 32] = [7; 32];
/// The cluster clock of the recording (unix seconds) and a receipt's lifetime after it.
const CLOCK: i64 = 1_800_000_000;
const LIFETIME: i64 = 3_600 + 60;

/// A shard of [`SHARD_CAPACITY`] cells at the design load: every cell `i` with `i % 5 < 3`
/// (60 %) live past the measured recording.
fn loaded_shard() -> Box<[u64; SHARD_WORDS]> {
    let mut words: Box<[u64; SHARD_WORDS]> = bytemuck::zeroed_box();
    let data: &mut [u8] = bytemuck::cast_slice_mut(&mut words[..]);
    let header = ShardHeader::new(POLICY, [0; 32], CLOCK - 10, SHARD_CAPACITY, 0);
    if let Ok(shard) = ShardMut::init(data, header) {
        for (i, cell) in shard.cells.iter_mut().enumerate() {
            if i % 5 < 3 {
                *cell = Cell { tag: i as u32, until: u32::MAX };
            }
        }
    }
    words
}

/// Compute units of a case, each region net of the meter's own cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Costs {
    /// The verification call.
    pub verify: u64,
    /// Recording every proof's nullifier into a nullifier shard (`zk402_nullifier_set::record`,
    /// as the program runs it; single and batch cases).
    pub record: u64,
    /// Batch only, measured apart from the verification: the core's `weights` (transcript and
    /// SHA-256 syscalls).
    pub weights: u64,
    /// Batch only, measured apart: the scalar sums W = Σ wᵢ and Sⱼ = Σ wᵢ·xᵢⱼ mod r, done as
    /// the core's `verify_batch` does them.
    pub scalars: u64,
}

impl Costs {
    /// Size of [`Costs::to_bytes`].
    pub const LEN: usize = 32;

    /// verify ‖ record ‖ weights ‖ scalars, 8 bytes little-endian each: the program's return data.
    pub fn to_bytes(&self) -> [u8; Costs::LEN] {
        let mut out = [0u8; Costs::LEN];
        for (chunk, v) in out.chunks_exact_mut(8).zip([self.verify, self.record, self.weights, self.scalars]) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Parses [`Costs::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<Costs> {
        let bytes: &[u8; Costs::LEN] = bytes.try_into().ok()?;
        let (chunks, _) = bytes.as_chunks::<8>();
        Some(Costs {
            verify: u64::from_le_bytes(chunks[0]),
            record: u64::from_le_bytes(chunks[1]),
            weights: u64::from_le_bytes(chunks[2]),
            scalars: u64::from_le_bytes(chunks[3]),
        })
    }
}

/// W (an exact integer) and every Sⱼ mod r: the scalar work of a batch.
fn scalar_sums(items: &[BatchItem<'_>], w: &[u128]) -> [u8; 32] {
    let mut digest = weight_sum(w);
    for j in 0..items.first().map_or(0, |item| item.inputs.len()) {
        let mut sum = Accumulator::new();
        for (item, wi) in items.iter().zip(w) {
            sum.add_product(*wi, &item.inputs[j]);
        }
        // Folded into the result so the work cannot be optimized away.
        digest.iter_mut().zip(sum.reduce()).for_each(|(d, s)| *d ^= s);
    }
    digest
}

impl Prepared<'_> {
    /// Runs the case between reads of `meter` (the remaining compute units; its own cost is
    /// calibrated by two back-to-back reads and taken off every region).
    pub fn measure(&self, meter: impl Fn() -> u64) -> Result<Costs, ProbeError> {
        let region = |f: &mut dyn FnMut() -> Result<(), ProbeError>| -> Result<u64, ProbeError> {
            let (m0, m1) = (meter(), meter());
            let before = meter();
            f()?;
            let after = meter();
            Ok((before - after).saturating_sub(m0 - m1))
        };
        let mut costs = Costs::default();
        if let Prepared::Batch(case, items, len) = self {
            let items = &items[..*len];
            let mut w = alloc::vec::Vec::new();
            costs.weights = region(&mut || {
                w = weights(&case.vk, &case.base, items);
                Ok(())
            })?;
            costs.scalars = region(&mut || {
                core::hint::black_box(scalar_sums(items, &w));
                Ok(())
            })?;
        }
        costs.verify = region(&mut || self.verify())?;
        if let Some((case, count)) = self.recorded() {
            let mut shard = loaded_shard();
            let data: &mut [u8] = bytemuck::cast_slice_mut(&mut shard[..]);
            costs.record = region(&mut || {
                for i in 0..count {
                    let (_, inputs) = case.proof(i).ok_or(ProbeError::Malformed)?;
                    // The nullifier is the second-to-last public input.
                    let nullifier =
                        inputs.len().checked_sub(2).and_then(|j| inputs.get(j)).ok_or(ProbeError::Malformed)?;
                    record(data, &POLICY, 1, nullifier, CLOCK, CLOCK + LIFETIME).map_err(|_| ProbeError::Record)?;
                }
                Ok(())
            })?;
        }
        Ok(costs)
    }

    /// The case and proof count whose nullifiers the program would record (not the peer's).
    fn recorded(&self) -> Option<(&Case<'_>, usize)> {
        match self {
            Prepared::Verify(case) => Some((case, 1)),
            Prepared::Batch(case, _, len) => Some((case, *len)),
            Prepared::Peer(..) => None,
        }
    }

    /// The verification itself.
    pub fn verify(&self) -> Result<(), ProbeError> {
        match self {
            Prepared::Verify(case) => {
                let (proof, inputs) = case.proof(0).ok_or(ProbeError::Malformed)?;
                Ok(verify(&case.vk, &case.base, proof, inputs)?)
            }
            Prepared::Batch(case, items, len) => Ok(verify_batch(&case.vk, &case.base, &items[..*len])?),
            Prepared::Peer(proof, vk, inputs) => Groth16Verifier::new(&proof.a_neg, &proof.b, &proof.c, inputs, vk)
                .and_then(|mut v| v.verify())
                .map_err(|e| ProbeError::Peer(e.into())),
        }
    }
}

/// Decodes, prepares and verifies: the whole instruction, as the host runs it natively.
pub fn run(data: &[u8]) -> Result<(), ProbeError> {
    let case = Case::decode(data)?;
    prepare(&case)?.verify()
}
