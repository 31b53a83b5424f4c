//! The zk402 program as a native builtin of solana-program-test.

use crate::program::PROGRAM_ID;
use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_program_test::{ProgramTest, processor};

/// Anchor 1.x's generated `entry` ties its three arguments to one lifetime, which program-test's
/// `processor!` signature cannot supply (`AccountInfo` is invariant in it). Giving them one
/// lifetime takes leaked copies: a few hundred bytes per program instruction, acceptable for the
/// in-process runtime of demos and tests, which is all this backend is for.
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let program_id: &Pubkey = Box::leak(Box::new(*program_id));
    let accounts: &[AccountInfo] = Box::leak(accounts.to_vec().into_boxed_slice());
    let data: &[u8] = Box::leak(data.to_vec().into_boxed_slice());
    zk402_verifier::entry(program_id, accounts, data)
}

/// A program-test cluster with the zk402 program (native) next to program-test's built-in
/// programs (system, SPL Token, associated token account, … as real BPF).
pub(crate) fn program_test() -> ProgramTest {
    let mut test = ProgramTest::new("zk402_verifier", PROGRAM_ID, processor!(process));
    test.prefer_bpf(false);
    test
}
