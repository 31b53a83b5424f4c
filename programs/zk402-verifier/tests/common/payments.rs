//! Real payments for the program tests: a merchant (issuer key + policy), receipts signed by
//! the issuer, and Groth16 proofs from the real prover over the real circuit with the committed
//! test-ceremony key — the key compiled into the program.

use super::*;
use std::path::PathBuf;
use std::sync::OnceLock;
use zk402_chain::program::{
    NullifierSet, PolicyParams, ProofSubmission, create_nullifier_shard, create_policy, issuer_bytes, policy_address,
    stage_batch, submission_from_ark,
};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::{Fr, PaymentInputs, Policy as CircuitPolicy, ReceiptClaim, Secret, SigningKey};
use zk402_prover::Prover;

/// The committed test-ceremony proving key.
pub fn zkey_path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey")
}

pub fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| Prover::load(&zkey_path(), &ArtifactPaths::committed().wasm).expect("test prover"))
}

/// The cluster time the tests run at (unix seconds).
pub const NOW: i64 = 1_795_000_000;

/// Shards of every test policy's nullifier set.
pub const SHARDS: u16 = 2;
/// Cells per shard in the tests.
pub const CAPACITY: u32 = 1_024;

/// A started environment with the clock at [`NOW`] and a registered merchant policy (with its
/// nullifier set, authority the context payer).
pub async fn setup(seed: u8) -> (Env, Merchant, Pubkey) {
    let mut env = Env::start().await;
    env.set_time(NOW).await;
    let merchant = Merchant::new(seed);
    let policy = merchant.register(&mut env).await;
    (env, merchant, policy)
}

/// A merchant: its issuer key and the policy it registers.
pub struct Merchant {
    pub issuer: SigningKey,
    pub params: PolicyParams,
    pub policy_id: u64,
}

impl Merchant {
    pub fn new(seed: u8) -> Merchant {
        let issuer = SigningKey::from_seed(&[seed; 32]);
        let params = PolicyParams {
            recipient: Pubkey::new_from_array([seed; 32]),
            price: 1_000_000,
            max_age: 3_600,
            clock_window: 60,
            issuer: issuer_bytes(&issuer.public_key()),
        };
        Merchant { issuer, params, policy_id: u64::from(seed) }
    }

    pub fn circuit_policy(&self) -> CircuitPolicy {
        CircuitPolicy {
            price: self.params.price,
            recipient: self.params.recipient.to_bytes(),
            max_age: self.params.max_age,
            issuer: self.issuer.public_key(),
        }
    }

    /// Registers the policy with `authority` (the context payer) and its nullifier set of
    /// [`SHARDS`] shards of [`CAPACITY`] cells, and returns the policy's address.
    pub async fn register(&self, env: &mut Env) -> Pubkey {
        let authority = env.payer().pubkey();
        env.send(&[create_policy(&authority, self.policy_id, self.params.clone())], &[]).await.expect("create policy");
        for index in 0..SHARDS {
            let ixs = create_nullifier_shard(&authority, self.policy_id, index, SHARDS, CAPACITY).expect("capacity");
            env.send(&ixs, &[]).await.expect("create nullifier shard");
        }
        policy_address(&authority, self.policy_id)
    }

    /// The policy's nullifier set (authority: the context payer).
    pub fn set(&self, env: &Env) -> NullifierSet {
        NullifierSet { authority: env.payer().pubkey(), policy_id: self.policy_id, shards: SHARDS }
    }

    /// A proof of a fresh receipt of 1.5 USDC paid 10 minutes before `now`.
    pub fn pay(&self, now: i64, request: u64) -> ProofSubmission {
        let secret = Secret::random().expect("randomness");
        let claim = ReceiptClaim {
            amount: 1_500_000,
            recipient: self.params.recipient.to_bytes(),
            paid_at: now as u64 - 600,
            commitment: secret.commitment(),
        };
        let receipt = claim.sign(&self.issuer);
        let inputs = PaymentInputs::new(&self.circuit_policy(), &receipt, &secret, 0, now as u64, Fr::from(request));
        let proof = prover().prove(&inputs).expect("proof");
        submission_from_ark(&proof.proof, &proof.public_signals).expect("encodable proof")
    }
}

/// Stages `submissions` in the payer's new buffer `buffer_id` through zk402-chain's staging
/// transactions (open, then writes sized to the transaction limit) and returns the buffer.
pub async fn stage(
    env: &mut Env,
    policy: Pubkey,
    set: &NullifierSet,
    buffer_id: u64,
    submissions: &[ProofSubmission],
) -> Pubkey {
    let owner = env.payer().pubkey();
    let staged = stage_batch(&owner, &policy, set, buffer_id, submissions).expect("stageable batch");
    for ixs in &staged.transactions {
        env.send(ixs, &[]).await.expect("stage batch");
    }
    staged.buffer
}
