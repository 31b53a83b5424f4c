//! Harness for the program tests: a solana-program-test context with the Anchor program as a
//! native builtin (real bank, real system program, real transactions), started by zk402-chain
//! (`zk402_chain::local::start_program_test`, which also installs the host syscall stubs).
//! Instructions, addresses and events come from `zk402_chain::program`.

#![allow(dead_code, missing_docs)]

pub mod payments;

use anchor_lang::prelude::{AccountDeserialize, Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// A started test validator with the program loaded natively.
pub struct Env {
    pub ctx: ProgramTestContext,
}

impl Env {
    pub async fn start() -> Env {
        Env { ctx: zk402_chain::local::start_program_test().await }
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

    /// The raw account at `address`.
    pub async fn raw(&mut self, address: Pubkey) -> Option<solana_account::Account> {
        self.ctx.banks_client.get_account(address).await.expect("get_account")
    }

    /// Overwrites the account at `address` (to craft states a test cannot reach quickly).
    pub fn put(&mut self, address: Pubkey, account: solana_account::Account) {
        self.ctx.set_account(&address, &account.into());
    }

    /// The nullifier shard at `address`, decoded as the sdk decodes it.
    pub async fn shard(&mut self, address: Pubkey) -> zk402_chain::program::ShardData {
        let a = self.raw(address).await.expect("shard exists");
        let account = zk402_chain::Account { lamports: a.lamports, owner: a.owner, data: a.data, executable: false };
        zk402_chain::program::decode_shard(&address, &account).expect("a shard")
    }

    pub async fn lamports(&mut self, address: Pubkey) -> u64 {
        self.ctx.banks_client.get_balance(address).await.expect("balance")
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
