//! zk402 verifier program: merchants register payment policies; payers (or relayers) submit
//! Groth16 proofs that they hold an unspent issuer-signed receipt meeting a policy; the program
//! verifies them through the alt_bn128 syscalls, singly or in batches, and records each
//! nullifier in the policy's nullifier set so a receipt pays once. See `README.md` beside this
//! file for the account model.

use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;
pub mod verification;

/// The Groth16 verifying key compiled in, as written by `zk402-ceremony export rust`. `build.rs`
/// chooses the file: a production key from a real ceremony (`keys/production.rs` or
/// `$ZK402_VERIFYING_KEY`), or with the feature `insecure-test-key` the committed test
/// ceremony's key (`keys/insecure_test.rs`), which anyone can forge proofs under
/// (`tests/test_key_forgery.rs`). See `README.md`, "Verifying key".
pub mod verifying_key {
    include!(env!("ZK402_VERIFYING_KEY_RS"));

    const _: () = assert!(IC.len() == NR_PUBLIC_INPUTS + 1, "one IC point per public input, plus IC0");
}

// The test key's seeds are public: a program that can reach a cluster must never carry it.
#[cfg(all(feature = "insecure-test-key", target_os = "solana"))]
compile_error!(
    "the feature `insecure-test-key` compiles in the committed test ceremony's verifying key, under which \
     anyone can forge proofs (its seeds are public); it is for host tests and demos only. Build the program \
     without it, from a real ceremony's key (programs/zk402-verifier/README.md, \"Verifying key\")."
);

use instructions::*;

declare_id!("6ko1pTwu6bQRMWLcpcQyRzGPdnALrK3gp8gM3V5Jtszy");

/// The program's instructions.
#[program]
pub mod zk402_verifier {
    use super::*;

    /// Registers a policy (min amount, recipient, max age, issuer key, clock window) under the
    /// signing authority; computes and stores its Poseidon hash. An issuer key serves one policy.
    pub fn create_policy(ctx: Context<CreatePolicy>, policy_id: u64, params: PolicyParams) -> Result<()> {
        instructions::create_policy::handler(ctx, policy_id, params)
    }

    /// Changes a policy's price, or lowers its max age or clock window (authority only).
    pub fn update_policy(ctx: Context<UpdatePolicy>, update: PolicyUpdate) -> Result<()> {
        instructions::update_policy::handler(ctx, update)
    }

    /// Closes a policy and returns its rent to the authority (authority only).
    pub fn close_policy(ctx: Context<ClosePolicy>) -> Result<()> {
        instructions::close_policy::handler(ctx)
    }

    /// Verifies one proof against a policy and records its nullifier.
    pub fn verify_payment(ctx: Context<VerifyPayment>, submission: ProofSubmission) -> Result<()> {
        instructions::verify_payment::handler(ctx, submission)
    }

    /// Opens a buffer for a batch of `count` proofs (1..=10) against one policy.
    pub fn open_proof_buffer(ctx: Context<OpenProofBuffer>, buffer_id: u64, count: u8) -> Result<()> {
        instructions::proof_buffer::open(ctx, buffer_id, count)
    }

    /// Writes bytes of batch entries into a proof buffer at `offset`.
    pub fn write_proof_buffer(ctx: Context<WriteProofBuffer>, offset: u32, data: Vec<u8>) -> Result<()> {
        instructions::proof_buffer::write(ctx, offset, data)
    }

    /// Closes an unused proof buffer, returning its rent to its owner.
    pub fn close_proof_buffer(ctx: Context<CloseProofBuffer>) -> Result<()> {
        instructions::proof_buffer::close(ctx)
    }

    /// Verifies every proof in a buffer in one pairing check and records every nullifier in
    /// the policy's set (its shards passed as remaining accounts), all or nothing; closes the
    /// buffer.
    pub fn verify_batch<'info>(ctx: Context<'info, VerifyBatch<'info>>) -> Result<()> {
        instructions::verify_batch::handler(ctx)
    }

    /// Initialises shard `index` of the policy's nullifier set of `shard_count` shards, an
    /// account of `capacity` cells the authority created and funded in the same transaction
    /// (authority only). The first shard fixes the policy's shard count.
    pub fn create_nullifier_shard(
        ctx: Context<CreateNullifierShard>,
        index: u16,
        shard_count: u16,
        capacity: u32,
    ) -> Result<()> {
        instructions::nullifier_shard::create(ctx, index, shard_count, capacity)
    }

    /// Closes a nullifier shard none of whose entries can still be live; rent goes back to
    /// its authority, who signs.
    pub fn close_nullifier_shard(ctx: Context<CloseNullifierShard>) -> Result<()> {
        instructions::nullifier_shard::close(ctx)
    }
}
