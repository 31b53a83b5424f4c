//! The measurement run: every case of the report on the SBF program, plus rejection checks
//! that show the program really verifies (a proof with another proof's C must fail).

use crate::fixture::{Fixture, FixtureError};
use crate::probe::{Probe, ProbeError};
use crate::report::{Ops, Report, Row};
use zk402_cu_probe::error::PEER_ERROR_BASE;
use zk402_cu_probe::{Case, Op};
use zk402_verifier_core::VerifyError;

/// groth16-solana's code for a failed pairing check.
const PEER_PROOF_INVALID: u32 = 1;

/// Why the measurement run failed.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// The fixture cannot make a case.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// A valid case failed on the program.
    #[error("{case}: {source}")]
    Probe {
        /// The case.
        case: String,
        /// What went wrong.
        source: ProbeError,
    },
    /// A tampered case was not rejected with the expected code.
    #[error("{case}: expected rejection with code {expected}, got {got:?}")]
    NotRejected {
        /// The case.
        case: String,
        /// The expected custom error code.
        expected: u32,
        /// What happened instead.
        got: Result<u64, ProbeError>,
    },
}

fn row(probe: &Probe, label: String, case: &Case<'_>, ops: Ops) -> Result<Row, MeasureError> {
    let cu = probe.run(case).map_err(|source| MeasureError::Probe { case: label.clone(), source })?;
    Ok(Row { label, proofs: case.len() as u64, ops, cu })
}

/// Replaces the last proof's C by the first proof's C (a valid point, a wrong proof) and
/// expects the program to reject with `expected`.
fn expect_rejected(probe: &Probe, label: &str, mut case: Case<'_>, expected: u32) -> Result<(), MeasureError> {
    let last = case.len().saturating_sub(1);
    let first = case.proof(0).map(|(p, _)| *p);
    if let (Some(first), Some(proof)) = (first, case.proof_mut(last)) {
        proof.c = if last == 0 { first.a_neg } else { first.c };
    }
    match probe.run(&case) {
        Err(ProbeError::Rejected(code)) if code == expected => Ok(()),
        got => Err(MeasureError::NotRejected { case: label.into(), expected, got: got.map(|m| m.costs.verify) }),
    }
}

/// Measures the single verify (folded and unfolded), the peer, and a batch of each size.
pub fn measure(probe: &Probe, fixture: &Fixture, batch_sizes: &[usize]) -> Result<Report, MeasureError> {
    let k = (fixture.ic.len() - 1 - fixture.folded_inputs.len()) as u64;
    let all = k + fixture.folded_inputs.len() as u64;
    let folded_label = format!("core verify ({} input(s) folded)", fixture.folded_inputs.len());
    let unfolded = fixture.unfolded(Op::Verify)?;
    let peer = fixture.unfolded(Op::PeerVerify)?;
    let mut report = Report {
        source: fixture.source.clone(),
        single: Some(row(probe, folded_label, &fixture.single()?, Ops::single(k))?),
        single_unfolded: Some(row(
            probe,
            "core verify (nothing folded)".into(),
            &unfolded.case(fixture),
            Ops::single(all),
        )?),
        peer: Some(row(probe, "groth16-solana 0.3.1 verify (peer)".into(), &peer.case(fixture), Ops::single(all))?),
        batches: Vec::new(),
    };
    for &n in batch_sizes {
        let label = format!("core verify_batch of {n}");
        report.batches.push(row(probe, label, &fixture.batch(n)?, Ops::batch(n as u64, k))?);
    }

    let invalid = VerifyError::ProofInvalid.code();
    expect_rejected(probe, "tampered single", fixture.single()?, invalid)?;
    expect_rejected(probe, "tampered peer", peer.case(fixture), PEER_ERROR_BASE + PEER_PROOF_INVALID)?;
    if let Some(&n) = batch_sizes.iter().max() {
        expect_rejected(probe, "batch with one bad proof", fixture.batch(n)?, invalid)?;
    }
    Ok(report)
}
