//! Runs the SBF probe program in mollusk-svm and reads its compute units.

use mollusk_svm::Mollusk;
use mollusk_svm::program::loader_keys::LOADER_V3;
use mollusk_svm::result::ProgramResult;
use solana_instruction::Instruction;
use solana_program_error::ProgramError;
use solana_pubkey::Pubkey;
use std::path::Path;
use zk402_cu_probe::Case;
use zk402_cu_probe::run::Costs;

/// Compute-unit limit of one probe instruction (the transaction maximum).
pub const CU_LIMIT: u64 = 1_400_000;

/// Compute units of one probe run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    /// The whole instruction as the runtime metered it (entrypoint, decoding, the separately
    /// measured batch parts, verification).
    pub instruction: u64,
    /// What the program read from its meter: the verification call alone and, for a batch,
    /// the weights and scalar sums measured apart.
    pub costs: Costs,
}

/// Why a probe run did not produce a measurement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The program rejected the case with its custom error code.
    #[error("the program rejected the case with code {0}")]
    Rejected(u32),
    /// The program failed otherwise (out of compute units, memory fault, abort...).
    #[error("the program failed: {0}")]
    Failed(String),
    /// The program succeeded without its compute-unit return data.
    #[error("no compute-unit return data")]
    NoReturnData,
}

/// The probe program loaded into an in-process SVM.
pub struct Probe {
    mollusk: Mollusk,
    program_id: Pubkey,
}

impl Probe {
    /// Loads the program's ELF (`zk402_cu_probe.so`).
    pub fn load(so: &Path) -> std::io::Result<Probe> {
        let elf = std::fs::read(so)?;
        let program_id = Pubkey::new_unique();
        let mut mollusk = Mollusk::default();
        mollusk.compute_budget.compute_unit_limit = CU_LIMIT;
        mollusk.add_program_with_loader_and_elf(&program_id, &LOADER_V3, &elf);
        Ok(Probe { mollusk, program_id })
    }

    /// Runs one case.
    pub fn run(&self, case: &Case<'_>) -> Result<Measurement, ProbeError> {
        let instruction = Instruction { program_id: self.program_id, accounts: vec![], data: case.encode() };
        let result = self.mollusk.process_instruction(&instruction, &[]);
        match result.program_result {
            ProgramResult::Success => {
                let costs = Costs::from_bytes(&result.return_data).ok_or(ProbeError::NoReturnData)?;
                Ok(Measurement { instruction: result.compute_units_consumed, costs })
            }
            ProgramResult::Failure(ProgramError::Custom(code)) => Err(ProbeError::Rejected(code)),
            ProgramResult::Failure(e) => Err(ProbeError::Failed(e.to_string())),
            ProgramResult::UnknownError(e) => Err(ProbeError::Failed(e.to_string())),
        }
    }
}
