//! The auditor's full check of a ceremony and of the key a program compiles in:
//! - each phase has a contribution besides beacons (a beacon's secret is public);
//! - every beacon's value is the verified randomness of the given drand round (phase-1
//!   beacons of an imported ptau may be exempted explicitly, and the report lists them);
//! - the program's verifying key is, byte for byte, what `zk402-ceremony export rust` makes
//!   from the zkey;
//! - the ptau's phase-1 contributions ([`crate::phase1_verify`]) and the zkey against the r1cs
//!   and that ptau ([`crate::verify`]).
//!
//! The cheap structural checks run first, so a forgeable setup is refused in milliseconds.

use crate::drand_round::VerifiedRound;
use crate::export::rust_constants;
use crate::mpc::BeaconParams;
use crate::phase1_verify::{self, Phase1Report, Phase1VerifyError, verify_ptau};
use crate::prepare::prepare;
use crate::progress::Progress;
use crate::ptau::Ptau;
use crate::verify::{self, VerifyError, VerifyReport, hex, verify};
use crate::zkey::{Zkey, ZkeyError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zk402_circuit::r1cs::R1cs;

/// A beacon contribution: its phase (1 = ptau, 2 = zkey) and 1-based position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BeaconRef {
    /// 1 (ptau) or 2 (zkey).
    pub phase: u8,
    /// 1-based position among the phase's contributions.
    pub index: usize,
}

impl std::fmt::Display for BeaconRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "phase-{} contribution #{}", self.phase, self.index)
    }
}

/// Why an audit fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The zkey file does not parse.
    #[error("zkey: {0}")]
    Zkey(#[from] ZkeyError),
    /// The ptau fails its phase-1 checks.
    #[error(transparent)]
    Phase1(#[from] Phase1VerifyError),
    /// The zkey fails its phase-2 checks.
    #[error(transparent)]
    Phase2(#[from] VerifyError),
    /// A beacon is present but no drand round was given to check its value against.
    #[error(
        "{0} is a beacon but no drand round was given: give the round its value must come from \
         (--drand-json, or --round and --signature)"
    )]
    MissingDrandRound(BeaconRef),
    /// A beacon's value is not the given round's randomness.
    #[error("{0}: the beacon's value is not the randomness of drand round {1}")]
    BeaconRound(BeaconRef, u64),
    /// A drand round was given but no checked beacon carries its randomness.
    #[error("drand round {0} was given but no beacon carries its randomness")]
    UnusedRound(u64),
    /// The program's verifying key is not the export of the verified zkey.
    #[error(
        "the program's verifying key differs from the Rust constants exported from the verified zkey: \
         first difference at line {line} ({item})"
    )]
    ProgramKey {
        /// 1-based line of the first difference.
        line: usize,
        /// What that line of the export holds: the header or a constant's name.
        item: String,
    },
}

/// Where phase-1 beacon values must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase1Beacons {
    /// The given drand round, as in phase 2 (a ptau made with this tool).
    Drand,
    /// Not checked: an imported public ptau whose beacon came from elsewhere (attested by that
    /// ceremony's own records). Its secrets still need a non-beacon contribution; the report
    /// lists the unchecked beacons.
    NotDrand,
}

/// The drand round the beacons were checked against.
#[derive(Debug, Clone, Serialize)]
pub struct DrandCheck {
    /// Round number.
    pub round: u64,
    /// Its verified randomness (hex), equal to each listed beacon's value.
    pub randomness: String,
    /// The beacons carrying it.
    pub beacons: Vec<BeaconRef>,
}

/// The program's verifying key, compared with the export of the verified zkey.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramKeyCheck {
    /// The zkey file name the export names.
    pub zkey_file: String,
    /// SHA-256 of the program's key file (hex), equal to the export's.
    pub sha256: String,
}

/// Everything the audit checked.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Phase 1 (the ptau).
    pub phase1: Phase1Report,
    /// Phase 2 (the zkey).
    pub phase2: VerifyReport,
    /// The drand round behind the beacons, when there are any.
    pub drand: Option<DrandCheck>,
    /// Phase-1 beacons exempted from the drand check ([`Phase1Beacons::NotDrand`]).
    pub phase1_beacons_not_drand: Vec<BeaconRef>,
    /// The program's key: byte for byte the export of the zkey.
    pub program_key: ProgramKeyCheck,
}

impl AuditReport {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = self.phase1.to_text() + &self.phase2.to_text();
        if let Some(d) = &self.drand {
            let beacons = d.beacons.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            s += &format!(
                "beacons {beacons} = randomness of drand quicknet round {} ({}), signature verified\n",
                d.round, d.randomness
            );
        }
        for b in &self.phase1_beacons_not_drand {
            s += &format!("{b}: beacon value NOT checked against drand (imported ptau)\n");
        }
        s += &format!(
            "program key (sha256 {}) = `zk402-ceremony export rust` of {}, byte for byte\n",
            self.program_key.sha256, self.program_key.zkey_file
        );
        s
    }
}

/// What an audit reads.
#[derive(Debug)]
pub struct AuditInputs<'a> {
    /// The circuit.
    pub r1cs: &'a R1cs,
    /// The ptau (prepared in memory after its phase-1 checks if it is not).
    pub ptau: Ptau,
    /// The zkey's file name, as the export names it.
    pub zkey_name: &'a str,
    /// The zkey file.
    pub zkey_bytes: &'a [u8],
    /// The Rust constants file the program compiles in.
    pub program_key: &'a [u8],
    /// The drand round every beacon's value must be (required when there is a beacon).
    pub drand: Option<&'a VerifiedRound>,
    /// Whether phase-1 beacons are checked against the drand round.
    pub phase1_beacons: Phase1Beacons,
}

/// The beacons among a phase's contributions, with their positions.
fn beacons<'a>(
    phase: u8,
    contributions: impl Iterator<Item = Option<&'a BeaconParams>>,
) -> impl Iterator<Item = (BeaconRef, &'a BeaconParams)> {
    contributions.enumerate().filter_map(move |(i, b)| b.map(|b| (BeaconRef { phase, index: i + 1 }, b)))
}

/// Checks every beacon against `drand`: each phase-2 beacon, and each phase-1 beacon unless
/// exempted. Returns the round's check (if any beacon was checked) and the exempted beacons.
fn check_beacons(
    ptau: &Ptau,
    zkey: &Zkey,
    drand: Option<&VerifiedRound>,
    phase1_beacons: Phase1Beacons,
) -> Result<(Option<DrandCheck>, Vec<BeaconRef>), AuditError> {
    let phase1 = beacons(1, ptau.contributions.iter().map(|c| c.beacon.as_ref()));
    let phase2 = beacons(2, zkey.mpc.contributions.iter().map(|c| c.beacon.as_ref()));
    let (checked, exempt): (Vec<_>, Vec<_>) =
        phase1.chain(phase2).partition(|(r, _)| r.phase == 2 || phase1_beacons == Phase1Beacons::Drand);
    let exempt = exempt.into_iter().map(|(r, _)| r).collect();
    let Some(round) = drand else {
        return match checked.first() {
            Some((r, _)) => Err(AuditError::MissingDrandRound(*r)),
            None => Ok((None, exempt)),
        };
    };
    if checked.is_empty() {
        return Err(AuditError::UnusedRound(round.round));
    }
    if let Some((r, _)) = checked.iter().find(|(_, b)| b.hash != round.randomness) {
        return Err(AuditError::BeaconRound(*r, round.round));
    }
    let beacons = checked.into_iter().map(|(r, _)| r).collect();
    Ok((Some(DrandCheck { round: round.round, randomness: hex(&round.randomness), beacons }), exempt))
}

/// The first line (1-based) where `actual` differs from the export `expected`, and the item
/// of the export that line belongs to; `None` when they are equal.
fn first_difference(expected: &str, actual: &[u8]) -> Option<(usize, String)> {
    if expected.as_bytes() == actual {
        return None;
    }
    let exp: Vec<&str> = expected.split('\n').collect();
    let act: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let line = exp.iter().zip(&act).position(|(e, a)| e.as_bytes() != *a).unwrap_or(exp.len().min(act.len()));
    // The line belongs to the item that ends at or after it: a header comment line (`//`, not
    // a `///` doc comment), or the constant whose definition (doc, `pub const`, elements) ends
    // with a line ending in `;`.
    let mut name = None;
    for (i, l) in exp.iter().enumerate() {
        if let Some(rest) = l.strip_prefix("pub const ") {
            name = rest.split(':').next();
        }
        if i < line {
            continue;
        }
        if l.starts_with("//") && !l.starts_with("///") {
            return Some((line + 1, "the header naming the source zkey and its sha256".into()));
        }
        if (l.starts_with("pub const ") || *l == "];") && l.ends_with(';') {
            return Some((line + 1, name.unwrap_or_default().to_owned()));
        }
    }
    Some((line + 1, "past the end of the export".into()))
}

/// Runs every check; the report states each one.
pub fn audit(inputs: AuditInputs<'_>, progress: &Progress) -> Result<AuditReport, AuditError> {
    let AuditInputs { r1cs, mut ptau, zkey_name, zkey_bytes, program_key, drand, phase1_beacons } = inputs;
    let zkey = Zkey::read(zkey_bytes)?;
    progress.step("checking that each phase has a contribution besides beacons");
    phase1_verify::secret_contributions(&ptau)?;
    verify::secret_contributions(&zkey)?;
    progress.step("checking the beacons against the drand round");
    let (drand, phase1_beacons_not_drand) = check_beacons(&ptau, &zkey, drand, phase1_beacons)?;
    progress.step("comparing the program's key with the export of the zkey");
    if let Some((line, item)) = first_difference(&rust_constants(&zkey, zkey_name, zkey_bytes), program_key) {
        return Err(AuditError::ProgramKey { line, item });
    }
    let program_key = ProgramKeyCheck { zkey_file: zkey_name.to_owned(), sha256: hex(&Sha256::digest(program_key)) };
    progress.step("checking the ptau's phase-1 contributions");
    let phase1 = verify_ptau(&ptau)?;
    if ptau.lagrange.is_none() {
        prepare(&mut ptau, progress);
    }
    let phase2 = verify(r1cs, &ptau, &zkey, progress)?;
    Ok(AuditReport { phase1, phase2, drand, phase1_beacons_not_drand, program_key })
}
