//! Shared setup of the zk402-chain tests: a started in-process cluster at a fixed time, a
//! merchant (issuer key and policy) registered through the builders, and real proofs from the
//! real prover with the committed test-ceremony key (the key compiled into the program).

#![allow(dead_code)]

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::sync::OnceLock;
use zk402_chain::ConfirmedTransaction;
use zk402_chain::local::LocalChain;
use zk402_chain::program::{self, PolicyParams, ProofSubmission};
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::{Fr, PaymentInputs, ReceiptClaim, Secret, SigningKey};
use zk402_prover::Prover;

/// The cluster time the tests run at (unix seconds).
pub const NOW: i64 = 1_795_000_000;

/// The prover over the committed test-ceremony key, loaded once per test binary.
pub fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let zkey =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey");
        Prover::load(&zkey, &ArtifactPaths::committed().wasm).expect("test prover")
    })
}

/// A started cluster with its clock at [`NOW`].
pub async fn chain() -> LocalChain {
    let chain = LocalChain::start().await;
    chain.set_unix_time(NOW).await.expect("set clock");
    chain
}

/// Sends `ixs` paid by the cluster's payer, plus `signers`.
pub async fn send(
    chain: &LocalChain,
    ixs: &[anchor_lang::solana_program::instruction::Instruction],
    signers: &[&Keypair],
) -> Result<ConfirmedTransaction, zk402_chain::ChainError> {
    submit_and_confirm(chain, ixs, &chain.payer(), signers, ConfirmOptions::default()).await
}

/// A merchant: its issuer key and the policy it registers.
pub struct Merchant {
    pub issuer: SigningKey,
    pub params: PolicyParams,
    pub policy_id: u64,
    pub authority: Keypair,
}

impl Merchant {
    pub fn new(seed: u8) -> Merchant {
        let issuer = SigningKey::from_seed(&[seed; 32]);
        let params = PolicyParams {
            recipient: Pubkey::new_from_array([seed; 32]),
            price: 1_000_000,
            max_age: 3_600,
            clock_window: 60,
            issuer: program::issuer_bytes(&issuer.public_key()),
        };
        Merchant { issuer, params, policy_id: u64::from(seed), authority: Keypair::new() }
    }

    /// Funds the authority, registers the policy and its nullifier set (two shards of 1,024
    /// cells) and returns the policy's address.
    pub async fn register(&self, chain: &LocalChain) -> Pubkey {
        chain.airdrop(&self.authority.pubkey(), 1_000_000_000).await.expect("airdrop");
        let ix = program::create_policy(&self.authority.pubkey(), self.policy_id, self.params.clone());
        send(chain, &[ix], &[&self.authority]).await.expect("create policy");
        for ixs in program::create_nullifier_set(&self.authority.pubkey(), self.policy_id, 2, 1_024).unwrap() {
            send(chain, &ixs, &[&self.authority]).await.expect("create nullifier shard");
        }
        program::policy_address(&self.authority.pubkey(), self.policy_id)
    }

    /// The policy's nullifier set.
    pub fn set(&self) -> program::NullifierSet {
        program::NullifierSet { authority: self.authority.pubkey(), policy_id: self.policy_id, shards: 2 }
    }

    /// A proof of a fresh receipt of 1.5 USDC paid 10 minutes before `now`, bound to `request`.
    pub fn pay(&self, now: i64, request: u64) -> ProofSubmission {
        let secret = Secret::random().expect("randomness");
        let claim = ReceiptClaim {
            amount: 1_500_000,
            recipient: self.params.recipient.to_bytes(),
            paid_at: now as u64 - 600,
            commitment: secret.commitment(),
        };
        let policy = zk402_circuit::Policy {
            price: self.params.price,
            recipient: self.params.recipient.to_bytes(),
            max_age: self.params.max_age,
            issuer: self.issuer.public_key(),
        };
        let inputs = PaymentInputs::new(&policy, &claim.sign(&self.issuer), &secret, 0, now as u64, Fr::from(request));
        let proof = prover().prove(&inputs).expect("proof");
        program::submission_from_ark(&proof.proof, &proof.public_signals).expect("encodable proof")
    }
}
