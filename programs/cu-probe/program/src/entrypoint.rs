//! The SBF entrypoint: decode, prepare, then verify between reads of the remaining compute
//! units; the [`Costs`] are the return data. A rejected case fails the instruction with
//! `Custom(ProbeError::code)`.
#![allow(unsafe_code)]

use crate::case::Case;
use crate::run::{Costs, prepare};
use pinocchio::entrypoint::InstructionContext;
use pinocchio::error::ProgramError;
use pinocchio::syscalls::{sol_remaining_compute_units, sol_set_return_data};
use pinocchio::{ProgramResult, default_allocator, lazy_program_entrypoint, nostd_panic_handler};

lazy_program_entrypoint!(process);
default_allocator!();
nostd_panic_handler!();

fn process(context: InstructionContext) -> ProgramResult {
    let data = context.instruction_data()?;
    let case = Case::decode(data).map_err(|e| ProgramError::Custom(e.code()))?;
    let prepared = prepare(&case).map_err(|e| ProgramError::Custom(e.code()))?;
    // SAFETY: the syscall takes no arguments and only reads the meter.
    let meter = || unsafe { sol_remaining_compute_units() };
    let costs: Costs = prepared.measure(meter).map_err(|e| ProgramError::Custom(e.code()))?;
    let bytes = costs.to_bytes();
    // SAFETY: `bytes` is a live buffer of the given length for the duration of the call.
    unsafe { sol_set_return_data(bytes.as_ptr(), bytes.len() as u64) };
    Ok(())
}
