//! Real payments for the program tests: a merchant (issuer key + policy), receipts signed by
//! the issuer, and Groth16 proofs from the real prover over the real circuit with the committed
//! test-ceremony key — the key compiled into the program.

use super::*;
use std::path::PathBuf;
use std::sync::OnceLock;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::field::fr_to_be_bytes;
use zk402_circuit::{Fr, PaymentInputs, Policy as CircuitPolicy, ReceiptClaim, Secret, SigningKey};
use zk402_prover::Prover;
use zk402_verifier::instructions::ProofSubmission;
use zk402_verifier_core::ark::{input_from_fr, proof_from_ark};

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

/// A started environment with the clock at [`NOW`] and a registered merchant policy.
pub async fn setup(seed: u8) -> (Env, Merchant, Pubkey) {
    let mut env = Env::start().await;
    env.set_time(NOW).await;
    let merchant = Merchant::new(seed);
    let policy = merchant.register(&mut env).await;
    (env, merchant, policy)
}

/// An issuer key as the program stores it: Ax ‖ Ay, 32-byte big-endian each.
pub fn issuer_bytes(key: &zk402_circuit::PublicKey) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&fr_to_be_bytes(&key.x));
    out[32..].copy_from_slice(&fr_to_be_bytes(&key.y));
    out
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
            min_amount: 1_000_000,
            max_age: 3_600,
            clock_window: 60,
            issuer: issuer_bytes(&issuer.public_key()),
        };
        Merchant { issuer, params, policy_id: u64::from(seed) }
    }

    pub fn circuit_policy(&self) -> CircuitPolicy {
        CircuitPolicy {
            min_amount: self.params.min_amount,
            recipient: self.params.recipient.to_bytes(),
            max_age: self.params.max_age,
            issuer: self.issuer.public_key(),
        }
    }

    /// Registers the policy with `authority` (the context payer) and returns its address.
    pub async fn register(&self, env: &mut Env) -> Pubkey {
        let authority = env.payer().pubkey();
        env.send(&[create_policy_ix(&authority, self.policy_id, self.params.clone())], &[])
            .await
            .expect("create policy");
        policy_address(&authority, self.policy_id)
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
        let inputs = PaymentInputs::new(&self.circuit_policy(), &receipt, &secret, now as u64, Fr::from(request));
        submission(&inputs)
    }
}

/// Proves `inputs` and encodes the result for `verify_payment`.
pub fn submission(inputs: &PaymentInputs) -> ProofSubmission {
    let proof = prover().prove(inputs).expect("proof");
    ProofSubmission {
        proof: proof_from_ark(&proof.proof).to_bytes(),
        now: i64::try_from(proof.public_signals[1].into_bigint().0[0]).expect("now fits"),
        nullifier: input_from_fr(&proof.public_signals[2]),
        request_hash: input_from_fr(&proof.public_signals[3]),
    }
}

use ark_ff::PrimeField;

pub fn verify_ix(payer: &Pubkey, policy: Pubkey, submission: ProofSubmission, record: Pubkey) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::VerifyPayment {
            payer: *payer,
            policy,
            nullifier_record: record,
            system_program: anchor_lang::system_program::ID,
        }
        .to_account_metas(None),
        data: zk402_verifier::instruction::VerifyPayment { submission }.data(),
    }
}

/// `verify_ix` with the canonical record address of the submission's nullifier.
pub fn verify_payment_ix(payer: &Pubkey, policy: Pubkey, submission: ProofSubmission) -> Instruction {
    let record = nullifier_address(&submission.nullifier);
    verify_ix(payer, policy, submission, record)
}

pub fn close_nullifier_ix(record: Pubkey, rent_payer: Pubkey) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::CloseNullifier { record, rent_payer }.to_account_metas(None),
        data: zk402_verifier::instruction::CloseNullifier {}.data(),
    }
}

/// `PaymentVerified` events in a transaction's logs.
pub fn events(logs: &[String]) -> Vec<zk402_verifier::events::PaymentVerified> {
    use anchor_lang::{AnchorDeserialize, Discriminator};
    use base64::Engine;
    logs.iter()
        .map(|l| l.strip_prefix("Program log: ").unwrap_or(l))
        .filter_map(|l| l.strip_prefix("Program data: "))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .filter(|bytes| bytes.starts_with(zk402_verifier::events::PaymentVerified::DISCRIMINATOR))
        .map(|bytes| {
            let body = &bytes[zk402_verifier::events::PaymentVerified::DISCRIMINATOR.len()..];
            zk402_verifier::events::PaymentVerified::deserialize(&mut &body[..]).expect("event")
        })
        .collect()
}

pub fn open_buffer_ix(owner: &Pubkey, policy: Pubkey, buffer_id: u64, count: u8) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::OpenProofBuffer {
            owner: *owner,
            policy,
            proof_buffer: buffer_address(owner, buffer_id),
            system_program: anchor_lang::system_program::ID,
        }
        .to_account_metas(None),
        data: zk402_verifier::instruction::OpenProofBuffer { buffer_id, count }.data(),
    }
}

pub fn write_buffer_ix(owner: &Pubkey, buffer: Pubkey, offset: u32, data: Vec<u8>) -> Instruction {
    Instruction {
        program_id: zk402_verifier::ID,
        accounts: zk402_verifier::accounts::WriteProofBuffer { owner: *owner, proof_buffer: buffer }
            .to_account_metas(None),
        data: zk402_verifier::instruction::WriteProofBuffer { offset, data }.data(),
    }
}

pub fn verify_batch_ix(owner: &Pubkey, policy: Pubkey, buffer: Pubkey, records: &[Pubkey]) -> Instruction {
    let mut accounts = zk402_verifier::accounts::VerifyBatch {
        owner: *owner,
        policy,
        proof_buffer: buffer,
        system_program: anchor_lang::system_program::ID,
    }
    .to_account_metas(None);
    accounts.extend(records.iter().map(|r| anchor_lang::solana_program::instruction::AccountMeta::new(*r, false)));
    Instruction { program_id: zk402_verifier::ID, accounts, data: zk402_verifier::instruction::VerifyBatch {}.data() }
}

/// A batch entry from a submission.
pub fn entry(s: &ProofSubmission) -> zk402_verifier::state::BatchEntry {
    let mut now = [0u8; 32];
    now[24..].copy_from_slice(&(s.now as u64).to_be_bytes());
    zk402_verifier::state::BatchEntry {
        proof: zk402_verifier_core::encoding::Proof::from_bytes(&s.proof),
        inputs: [now, s.nullifier, s.request_hash],
    }
}

/// Stages `submissions` in a new buffer (one write transaction per 800 bytes) and returns it.
pub async fn stage(env: &mut Env, policy: Pubkey, buffer_id: u64, submissions: &[ProofSubmission]) -> Pubkey {
    let owner = env.payer().pubkey();
    env.send(&[open_buffer_ix(&owner, policy, buffer_id, submissions.len() as u8)], &[]).await.expect("open buffer");
    let buffer = buffer_address(&owner, buffer_id);
    let bytes: Vec<u8> = submissions.iter().flat_map(|s| entry(s).to_bytes()).collect();
    for (i, chunk) in bytes.chunks(800).enumerate() {
        let ix = write_buffer_ix(&owner, buffer, (i * 800) as u32, chunk.to_vec());
        env.send(&[ix], &[]).await.expect("write buffer");
    }
    buffer
}

/// Serialized size of a transaction carrying `ixs`, signed by the payer alone.
pub fn tx_size(env: &Env, ixs: &[Instruction]) -> usize {
    let payer = env.payer();
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        ixs,
        Some(&payer.pubkey()),
        &[&payer],
        env.ctx.last_blockhash,
    );
    bincode_len(&tx)
}

fn bincode_len(tx: &solana_transaction::Transaction) -> usize {
    // Wire format: compact-u16 signature count, signatures, message.
    let message = tx.message.serialize();
    1 + 64 * tx.signatures.len() + message.len()
}
