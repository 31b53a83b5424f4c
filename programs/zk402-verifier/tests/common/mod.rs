//! Harness for the program tests: the Anchor program as a native builtin in solana-program-test
//! (real bank, real system program, real transactions), and instruction helpers built with
//! Anchor's generated `instruction::*` / `accounts::*` types.

#![allow(dead_code, missing_docs)]

pub mod payments;
pub mod stubs;

use anchor_lang::prelude::{AccountDeserialize, AccountInfo, Clock, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext, processor};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use zk402_verifier::instructions::{PolicyParams, PolicyUpdate};
use zk402_verifier::state::seeds;

/// Anchor 1.x's `entry` ties its three arguments to one lifetime, which `processor!` cannot
/// supply; give them one by leaking copies (a few hundred bytes per instruction, tests only).
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let program_id: &Pubkey = Box::leak(Box::new(*program_id));
    let accounts: &[AccountInfo] = Box::leak(accounts.to_vec().into_boxed_slice());
    let data: &[u8] = Box::leak(data.to_vec().into_boxed_slice());
    zk402_verifier::entry(program_id, accounts, data)
}

/// A started test validator with the program loaded natively.
pub struct Env {
    pub ctx: ProgramTestContext,
}

impl Env {
    pub async fn start() -> Env {
        let mut pt = ProgramTest::new("zk402_verifier", zk402_verifier::ID, processor!(process));
        pt.prefer_bpf(false);
        let ctx = pt.start_with_context().await;
        stubs::install();
        Env { ctx }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sets the cluster clock's unix time.
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// A funded keypair.
    pub async fn funded(&mut self, lamports: u64) -> Keypair {
        let kp = Keypair::new();
        let ix =
            anchor_lang::solana_program::system_instruction::transfer(&self.ctx.payer.pubkey(), &kp.pubkey(), lamports);
        self.send(&[ix], &[]).await.expect("funding transfer");
        kp
    }

    /// Signs with the context payer plus `signers` and processes; returns the logs on success.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> std::result::Result<Vec<String>, TransactionError> {
        let blockhash = self.ctx.last_blockhash;
        let payer = self.payer();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend_from_slice(signers);
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
        let out = self.ctx.banks_client.process_transaction_with_metadata(tx).await.map_err(|e| match e {
            BanksClientError::TransactionError(e) => e,
            other => panic!("banks client: {other}"),
        })?;
        out.result?;
        Ok(out.metadata.map(|m| m.log_messages).unwrap_or_default())
    }

    /// Waits for a new blockhash, so resending an identical transaction is not deduplicated.
    pub async fn next_blockhash(&mut self) {
        self.ctx.last_blockhash = self.ctx.get_new_latest_blockhash().await.expect("new blockhash");
    }

    pub async fn account<T: AccountDeserialize>(&mut self, address: Pubkey) -> Option<T> {
        let account = self.ctx.banks_client.get_account(address).await.expect("get_account")?;
        Some(T::try_deserialize(&mut account.data.as_slice()).expect("account data"))
    }

    pub async fn lamports(&mut self, address: Pubkey) -> u64 {
        self.ctx.banks_client.get_balance(address).await.expect("balance")
    }
}

pub fn policy_address(authority: &Pubkey, policy_id: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::POLICY, authority.as_ref(), &policy_id.to_le_bytes()], &zk402_verifier::ID).0
}

pub fn issuer_address(issuer: &[u8; 64]) -> Pubkey {
    Pubkey::find_program_address(&[seeds::ISSUER, &issuer[..32], &issuer[32..]], &zk402_verifier::ID).0
}

pub fn nullifier_address(nullifier: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[seeds::NULLIFIER, nullifier], &zk402_verifier::ID).0
}

pub fn buffer_address(owner: &Pubkey, buffer_id: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::PROOF_BUFFER, owner.as_ref(), &buffer_id.to_le_bytes()], &zk402_verifier::ID)
        .0
}

pub fn create_policy_ix(authority: &Pubkey, policy_id: u64, params: PolicyParams) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::CreatePolicy {
            authority: *authority,
            policy: policy_address(authority, policy_id),
            issuer_registration: issuer_address(&params.issuer),
            system_program: anchor_lang::system_program::ID,
        }
        .to_account_metas(None),
        data: zk402_verifier::instruction::CreatePolicy { policy_id, params }.data(),
    }
}

pub fn update_policy_ix(authority: &Pubkey, policy: Pubkey, update: PolicyUpdate) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::UpdatePolicy { authority: *authority, policy }.to_account_metas(None),
        data: zk402_verifier::instruction::UpdatePolicy { update }.data(),
    }
}

pub fn close_policy_ix(authority: &Pubkey, policy: Pubkey) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::ClosePolicy { authority: *authority, policy }.to_account_metas(None),
        data: zk402_verifier::instruction::ClosePolicy {}.data(),
    }
}

/// The Anchor error code of a failed instruction.
pub fn anchor_code(err: &TransactionError) -> Option<u32> {
    match err {
        TransactionError::InstructionError(_, solana_instruction_error::InstructionError::Custom(code)) => Some(*code),
        _ => None,
    }
}

/// The code of one of our errors.
pub fn code(e: zk402_verifier::errors::ZkError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}
