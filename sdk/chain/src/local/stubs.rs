//! Host syscall stubs for both solana-sysvar majors.
//!
//! solana-program-test 4.2 installs its stubs (sysvars, CPI, logs) into solana-sysvar 4.x
//! only, while anchor-lang 1.2.2 and solana-invoke reach the 3.x stubs: without this forwarder
//! `Rent::get` fails with `UnsupportedSysvar` and the `init` CPI silently does nothing. After
//! the first `ProgramTest` start, program-test's stubs are taken out of 4.x and both majors get
//! a forwarder to them, which also logs `sol_log_data` (events) the way a validator does.

use std::sync::Once;

type Inner = &'static dyn solana_sysvar_v4::program_stubs::SyscallStubs;

struct Forward(Inner);

macro_rules! forward {
    ($trait_path:path) => {
        impl $trait_path for Forward {
            fn sol_log(&self, message: &str) {
                self.0.sol_log(message)
            }
            fn sol_invoke_signed(
                &self,
                instruction: &anchor_lang::solana_program::instruction::Instruction,
                account_infos: &[anchor_lang::solana_program::account_info::AccountInfo],
                signers_seeds: &[&[&[u8]]],
            ) -> anchor_lang::solana_program::entrypoint::ProgramResult {
                self.0.sol_invoke_signed(instruction, account_infos, signers_seeds)
            }
            fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, offset: u64, length: u64) -> u64 {
                self.0.sol_get_sysvar(id, var, offset, length)
            }
            fn sol_get_clock_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_clock_sysvar(var)
            }
            fn sol_get_epoch_schedule_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_epoch_schedule_sysvar(var)
            }
            fn sol_get_fees_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_fees_sysvar(var)
            }
            fn sol_get_rent_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_rent_sysvar(var)
            }
            fn sol_get_epoch_rewards_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_epoch_rewards_sysvar(var)
            }
            fn sol_get_last_restart_slot(&self, var: *mut u8) -> u64 {
                self.0.sol_get_last_restart_slot(var)
            }
            fn sol_get_return_data(&self) -> Option<(anchor_lang::solana_program::pubkey::Pubkey, Vec<u8>)> {
                self.0.sol_get_return_data()
            }
            fn sol_set_return_data(&self, data: &[u8]) {
                self.0.sol_set_return_data(data)
            }
            fn sol_get_stack_height(&self) -> u64 {
                self.0.sol_get_stack_height()
            }
            // Neither stub set turns `sol_log_data` (Anchor's `emit!`) into a log line; a
            // validator writes "Program data: <base64> …". Emulate it through `sol_log`, which
            // program-test prefixes with "Program log: " (`payment_events` reads both forms).
            fn sol_log_data(&self, fields: &[&[u8]]) {
                use base64::Engine;
                let encoded: Vec<String> =
                    fields.iter().map(|f| base64::engine::general_purpose::STANDARD.encode(f)).collect();
                self.0.sol_log(&format!("Program data: {}", encoded.join(" ")))
            }
        }
    };
}

forward!(solana_sysvar::program_stubs::SyscallStubs);
forward!(solana_sysvar_v4::program_stubs::SyscallStubs);

struct Empty;
impl solana_sysvar_v4::program_stubs::SyscallStubs for Empty {}

/// Installs the forwarder once per process; call after a `ProgramTest` has started (program-test
/// installs its own stubs once per process, on its first start).
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let program_test_stubs = solana_sysvar_v4::program_stubs::set_syscall_stubs(Box::new(Empty));
        let inner: Inner = Box::leak(program_test_stubs);
        solana_sysvar_v4::program_stubs::set_syscall_stubs(Box::new(Forward(inner)));
        solana_sysvar::program_stubs::set_syscall_stubs(Box::new(Forward(inner)));
    });
}
