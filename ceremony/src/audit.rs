//! The auditor's full check: the ptau's phase-1 contributions ([`crate::phase1_verify`]), the
//! zkey against the r1cs and that ptau ([`crate::verify`]), and — when the drand round is
//! given — that the final beacon's value is that round's verified randomness.

use crate::drand_round::VerifiedRound;
use crate::phase1_verify::{Phase1Report, Phase1VerifyError, verify_ptau};
use crate::prepare::prepare;
use crate::progress::Progress;
use crate::ptau::Ptau;
use crate::verify::{VerifyError, VerifyReport, hex, verify};
use crate::zkey::Zkey;
use serde::Serialize;
use zk402_circuit::r1cs::R1cs;

/// Why an audit fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The ptau fails its phase-1 checks.
    #[error(transparent)]
    Phase1(#[from] Phase1VerifyError),
    /// The zkey fails its phase-2 checks.
    #[error(transparent)]
    Phase2(#[from] VerifyError),
    /// A drand round was given but the last contribution is not a beacon.
    #[error("a drand round was given but the last phase-2 contribution is not a beacon")]
    NoBeacon,
    /// The final beacon's value is not the given round's randomness.
    #[error("the final beacon's value is not the randomness of drand round {0}")]
    BeaconRound(u64),
}

/// The drand round the final beacon was checked against.
#[derive(Debug, Clone, Serialize)]
pub struct DrandCheck {
    /// Round number.
    pub round: u64,
    /// Its verified randomness (hex), equal to the beacon value.
    pub randomness: String,
}

/// Everything the audit checked.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Phase 1 (the ptau).
    pub phase1: Phase1Report,
    /// Phase 2 (the zkey).
    pub phase2: VerifyReport,
    /// The drand round behind the final beacon, when given.
    pub drand: Option<DrandCheck>,
}

impl AuditReport {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = self.phase1.to_text() + &self.phase2.to_text();
        if let Some(d) = &self.drand {
            s += &format!(
                "final beacon = randomness of drand quicknet round {} ({}), signature verified\n",
                d.round, d.randomness
            );
        }
        s
    }
}

/// Runs every check. An unprepared ptau is prepared in memory after its phase-1 checks.
pub fn audit(
    r1cs: &R1cs,
    mut ptau: Ptau,
    zkey: &Zkey,
    drand: Option<&VerifiedRound>,
    progress: &Progress,
) -> Result<AuditReport, AuditError> {
    progress.step("checking the ptau's phase-1 contributions");
    let phase1 = verify_ptau(&ptau)?;
    if ptau.lagrange.is_none() {
        prepare(&mut ptau, progress);
    }
    let phase2 = verify(r1cs, &ptau, zkey, progress)?;
    let drand = match drand {
        None => None,
        Some(round) => {
            let last = zkey.mpc.contributions.last().and_then(|c| c.beacon.as_ref()).ok_or(AuditError::NoBeacon)?;
            if last.hash != round.randomness {
                return Err(AuditError::BeaconRound(round.round));
            }
            Some(DrandCheck { round: round.round, randomness: hex(&round.randomness) })
        }
    };
    Ok(AuditReport { phase1, phase2, drand })
}
