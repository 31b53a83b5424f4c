//! The CU table: measured figures next to the syscall cost model, and the machine-readable lines
//! (`cu_single <n>`, `cu_batch <size> <total> <per_proof>`, `cu_peer_single <n>`).

use crate::probe::Measurement;
use std::fmt::Write;
use zk402_nullifier_set::design::{DESIGN_CAPACITY, DESIGN_LOAD_PERCENT, lamports_per_access};

/// Agave's alt_bn128 prices (confirmed by measurement here).
pub mod price {
    /// First pair of a pairing.
    pub const PAIRING_FIRST: u64 = 36_364;
    /// Each further pair.
    pub const PAIRING_OTHER: u64 = 12_121;
    /// G1 scalar multiplication.
    pub const G1_MUL: u64 = 3_840;
    /// G1 addition.
    pub const G1_ADD: u64 = 334;
}

/// Syscall counts of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ops {
    /// Pairs in the one pairing check.
    pub pairs: u64,
    /// G1 multiplications.
    pub muls: u64,
    /// G1 additions.
    pub adds: u64,
}

impl Ops {
    /// Single verify with `k` unfolded inputs: k muls, k adds, 4 pairs.
    pub fn single(k: u64) -> Ops {
        Ops { pairs: 4, muls: k, adds: k }
    }

    /// Batch of `n` with `k` unfolded inputs: 2(n−1) weight muls (w₀ = 1) on A and C, W·α,
    /// W·base, k input sums; n−1 adds into ΣC, k into the input point; n+3 pairs.
    pub fn batch(n: u64, k: u64) -> Ops {
        Ops { pairs: n + 3, muls: 2 * (n - 1) + 2 + k, adds: n - 1 + k }
    }

    /// Their price in the cost model.
    pub fn cost(&self) -> u64 {
        price::PAIRING_FIRST
            + (self.pairs - 1) * price::PAIRING_OTHER
            + self.muls * price::G1_MUL
            + self.adds * price::G1_ADD
    }

    /// What the pairing syscall charges beyond the per-pair prices: Agave adds
    /// sha256_base_cost (85) + the input length (192 per pair) + the output length (32).
    pub fn pairing_bytes(&self) -> u64 {
        85 + 192 * self.pairs + 32
    }
}

/// One measured case.
#[derive(Debug, Clone)]
pub struct Row {
    /// What ran.
    pub label: String,
    /// Proofs verified.
    pub proofs: u64,
    /// Its syscalls.
    pub ops: Ops,
    /// The measurement.
    pub cu: Measurement,
}

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What produced the key and proofs.
    pub source: String,
    /// Core single verify (policy_hash folded).
    pub single: Option<Row>,
    /// Core single verify with nothing folded (same work as the peer).
    pub single_unfolded: Option<Row>,
    /// groth16-solana on the same proof.
    pub peer: Option<Row>,
    /// Core batches.
    pub batches: Vec<Row>,
}

impl Report {
    /// The human table then the machine-readable lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "fixture: {}", self.source);
        let _ = writeln!(
            out,
            "verify CU = the verification call alone (program meter); record = recording the nullifiers into a \
             nullifier shard at 60 % load (zk402-nullifier-set's `record`); total = verify + record; instruction \
             CU = the whole probe instruction\n"
        );
        let _ = writeln!(
            out,
            "{:<40} {:>6} {:>11} {:>8} {:>7} {:>8} {:>9} {:>8} {:>7} | {:>7} {:>7} {:>7} {:>7}",
            "case",
            "proofs",
            "instruction",
            "verify",
            "record",
            "total",
            "per proof",
            "model",
            "extra",
            "pairing",
            "weights",
            "scalars",
            "other"
        );
        let rows = [&self.single, &self.single_unfolded, &self.peer].into_iter().flatten().chain(&self.batches);
        for r in rows {
            let (model, c) = (r.ops.cost(), r.cu.costs);
            let extra = c.verify as i64 - model as i64;
            let pairing = r.ops.pairing_bytes();
            let other = extra - (pairing + c.weights + c.scalars) as i64;
            let _ = writeln!(
                out,
                "{:<40} {:>6} {:>11} {:>8} {:>7} {:>8} {:>9} {:>8} {:>7} | {:>7} {:>7} {:>7} {:>7}",
                r.label,
                r.proofs,
                r.cu.instruction,
                c.verify,
                c.record,
                c.verify + c.record,
                (c.verify + c.record) / r.proofs,
                model,
                extra,
                pairing,
                c.weights,
                c.scalars,
                other
            );
        }
        let _ = writeln!(
            out,
            "\nmodel = the issue's syscall prices (pairing 36,364 + 12,121/extra pair, G1 mul 3,840, G1 add 334); \
             extra = verify − model, split into: pairing = the pairing syscall's per-byte charge (85 + 192/pair + \
             32); weights = Fiat–Shamir transcript and SHA-256 (measured); scalars = Σwᵢ·xᵢⱼ mod r (measured); \
             other = the rest (buffers, point copies, input checks, syscall wrappers)."
        );
        if let (Some(peer), Some(unfolded), Some(single)) = (&self.peer, &self.single_unfolded, &self.single) {
            let _ = writeln!(
                out,
                "\npeer ratio (groth16-solana / core): {:.3} vs core unfolded, {:.3} vs core with policy_hash folded",
                peer.cu.costs.verify as f64 / unfolded.cu.costs.verify as f64,
                peer.cu.costs.verify as f64 / single.cu.costs.verify as f64
            );
        }
        out.push('\n');
        if let Some(r) = &self.single {
            let _ = writeln!(out, "cu_single {}", r.cu.costs.verify + r.cu.costs.record);
        }
        if let Some(r) = &self.peer {
            let _ = writeln!(out, "cu_peer_single {}", r.cu.costs.verify);
        }
        for r in &self.batches {
            let total = r.cu.costs.verify + r.cu.costs.record;
            let _ = writeln!(out, "cu_batch {} {} {}", r.proofs, total, total / r.proofs);
        }
        let per_access = lamports_per_access(DESIGN_CAPACITY, DESIGN_LOAD_PERCENT).unwrap_or(0);
        let _ = writeln!(out, "lamports_per_access {per_access}");
        out
    }
}
