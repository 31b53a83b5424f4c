//! A merchant's world on an in-process cluster, set up with real transactions (mint, token
//! accounts, the payer's SPL payment naming its receipt commitment, the policy and its
//! nullifier set), and real payments: proofs from the real prover with the committed
//! test-ceremony key (the key compiled into the program under `insecure-test-key`).
//!
//! Proofs cost about a second each, so a test binary proves each payment once and every test
//! replays it on its own fresh cluster: the policy's address and terms, the receipt and the
//! cluster clock ([`now`]) are the same in every world, the challenge key too.

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use zk402_chain::local::LocalChain;
use zk402_chain::memo::commitment_memo;
use zk402_chain::program::{self, NullifierSet, PROGRAM_ID, PolicyParams, ProofSubmission};
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_chain::{Chain, ConfirmedTransaction};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::field::fr_from_be_bytes;
use zk402_circuit::{PaymentInputs, Receipt, ReceiptClaim, Secret, SigningKey};
use zk402_facilitator::store::SqliteStore;
use zk402_facilitator::{ChallengeKey, Facilitator, FacilitatorConfig, Mode, SettleConfig, challenge};
use zk402_prover::Prover;
use zk402_x402::{
    ChallengeInfo, Network, PaymentPayload, PaymentRequirements, ResourceInfo, Scheme, X402_VERSION, ZkExtra, ZkPayload,
};

/// Price of one credit (atomic units).
pub const PRICE: u64 = 1_000_000;
/// Credits the payer's receipt holds.
pub const CREDITS: u32 = 12;
/// Clock window of the policy, seconds.
pub const CLOCK_WINDOW: u64 = 60;
/// The policy's id under the merchant.
const POLICY_ID: u64 = 1;
/// Challenge lifetime: longer than any test binary runs.
const CHALLENGE_TTL: u64 = 600;
/// The resource paid for.
pub const URL: &str = "https://api.example.com/v1/weather";

/// A facilitator on a [`World`]'s cluster with a SQLite store.
pub type LocalFacilitator = Facilitator<LocalChain, SqliteStore>;

/// The merchant (policy authority and recipient): the same key in every world.
pub fn merchant() -> Keypair {
    Keypair::new_from_array([0x11; 32])
}

/// The payer (token owner, signs its own SPL payment only).
pub fn payer() -> Keypair {
    Keypair::new_from_array([0x22; 32])
}

fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x33; 32])
}

/// The merchant's policy account.
pub fn policy() -> Pubkey {
    program::policy_address(&merchant().pubkey(), POLICY_ID)
}

/// The cluster time of every world (unix seconds): the system clock when first asked.
pub fn now() -> i64 {
    static NOW: OnceLock<i64> = OnceLock::new();
    *NOW.get_or_init(|| zk402_facilitator::unix_now() as i64)
}

/// The merchant's challenge key, one per test binary.
pub fn challenge_key() -> &'static ChallengeKey {
    static KEY: OnceLock<ChallengeKey> = OnceLock::new();
    KEY.get_or_init(|| ChallengeKey::generate().expect("OS randomness"))
}

/// The payer's secret and its receipt: credits paid 10 minutes before [`now`].
fn receipt() -> &'static (Secret, Receipt) {
    static RECEIPT: OnceLock<(Secret, Receipt)> = OnceLock::new();
    RECEIPT.get_or_init(|| {
        let secret = Secret::random().expect("OS randomness");
        let claim = ReceiptClaim {
            amount: PRICE * u64::from(CREDITS),
            recipient: merchant().pubkey().to_bytes(),
            paid_at: now() as u64 - 600,
            commitment: secret.commitment(),
        };
        (secret, claim.sign(&issuer()))
    })
}

fn params() -> PolicyParams {
    PolicyParams {
        recipient: merchant().pubkey(),
        price: PRICE,
        max_age: 3_600,
        clock_window: CLOCK_WINDOW,
        issuer: program::issuer_bytes(&issuer().public_key()),
    }
}

fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let zkey =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey");
        Prover::load(&zkey, &ArtifactPaths::committed().wasm).expect("test prover")
    })
}

/// A proven payment: a challenge for `GET` [`URL`] and a proof spending one credit, bound to it.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The merchant's challenge.
    pub challenge: ChallengeInfo,
    /// The proof and its public inputs.
    pub zk: ZkPayload,
}

impl Payment {
    /// Proves credit `credit` for a fresh challenge under the policy at `policy` (the merchant's
    /// terms).
    pub fn prove(policy: &Pubkey, credit: u32) -> Payment {
        let challenge = challenge::mint(
            challenge_key(),
            &policy.to_bytes(),
            "GET",
            URL,
            zk402_facilitator::unix_now(),
            CHALLENGE_TTL,
        )
        .expect("challenge");
        let (secret, receipt) = receipt();
        let terms = zk402_circuit::Policy {
            price: PRICE,
            recipient: merchant().pubkey().to_bytes(),
            max_age: 3_600,
            issuer: issuer().public_key(),
        };
        let request_hash = fr_from_be_bytes(&challenge.request_hash).expect("a field element");
        let inputs = PaymentInputs::new(&terms, receipt, secret, credit, now() as u64, request_hash);
        let proof = prover().prove(&inputs).expect("proof");
        let s = program::submission_from_ark(&proof.proof, &proof.public_signals).expect("encodable proof");
        Payment {
            challenge,
            zk: ZkPayload { proof: s.proof, now: s.now, nullifier: s.nullifier, request_hash: s.request_hash },
        }
    }

    /// The proof as `verify_payment` takes it.
    pub fn submission(&self) -> ProofSubmission {
        ProofSubmission {
            proof: self.zk.proof,
            now: self.zk.now,
            nullifier: self.zk.nullifier,
            request_hash: self.zk.request_hash,
        }
    }
}

const SLOTS: usize = CREDITS as usize;

/// The payment spending credit `credit` (proven once per test binary).
pub fn payment(credit: u32) -> Payment {
    static PAYMENTS: [OnceLock<Payment>; SLOTS] = [const { OnceLock::new() }; SLOTS];
    PAYMENTS[credit as usize].get_or_init(|| Payment::prove(&policy(), credit)).clone()
}

/// Another payment spending credit 0 again, for another challenge (a double spend).
pub fn respend() -> Payment {
    static RESPEND: OnceLock<Payment> = OnceLock::new();
    RESPEND.get_or_init(|| Payment::prove(&policy(), 0)).clone()
}

/// Payments of credits `0..n`, proven in parallel (first use).
pub async fn payments(n: u32) -> Vec<Payment> {
    let tasks: Vec<_> = (0..n).map(|credit| tokio::task::spawn_blocking(move || payment(credit))).collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("proving task"));
    }
    out
}

/// A merchant's world on a fresh cluster whose clock reads [`now`].
pub struct World {
    /// The cluster.
    pub chain: LocalChain,
    /// Its CAIP-2 network.
    pub network: Network,
    /// The token mint.
    pub mint: Pubkey,
    /// The facilitator's fee payer.
    pub fee_payer: Keypair,
    /// Where the SQLite stores live.
    pub dir: tempfile::TempDir,
}

impl World {
    /// Starts a cluster and sets up the merchant and the payer with real transactions.
    pub async fn create() -> World {
        let chain = LocalChain::start().await;
        chain.set_unix_time(now()).await.expect("set clock");
        let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).expect("network");
        let (merchant, payer, fee_payer, mint_authority) = (merchant(), payer(), Keypair::new(), Keypair::new());
        for actor in [&merchant.pubkey(), &payer.pubkey(), &fee_payer.pubkey()] {
            chain.airdrop(actor, 1_000_000_000).await.expect("airdrop");
        }
        let mint = chain.create_mint(&mint_authority.pubkey(), 6).await.expect("mint");
        chain.create_token_account(&merchant.pubkey(), &mint).await.expect("merchant token account");
        let payer_tokens = chain.create_token_account(&payer.pubkey(), &mint).await.expect("payer token account");
        let amount = PRICE * u64::from(CREDITS);
        chain.mint_to(&mint, &payer_tokens, &mint_authority, amount).await.expect("mint to payer");
        let transfer = spl_token::instruction::transfer_checked(
            &TOKEN_PROGRAM_ID,
            &payer_tokens,
            &mint,
            &associated_token_address(&merchant.pubkey(), &mint),
            &payer.pubkey(),
            &[],
            amount,
            6,
        )
        .expect("transfer");
        let memo = commitment_memo(&receipt().0.commitment());
        submit_and_confirm(&chain, &[transfer, memo], &payer, &[], ConfirmOptions::default()).await.expect("payment");
        let world = World { chain, network, mint, fee_payer, dir: tempfile::tempdir().expect("temporary directory") };
        world.create_policy(POLICY_ID, &issuer(), true).await;
        world
    }

    /// Registers the merchant's policy `id` with `issuer` (one policy per issuer key), and its
    /// nullifier set (two shards of 1,024 cells) when `with_set`; returns its address.
    pub async fn create_policy(&self, id: u64, issuer: &SigningKey, with_set: bool) -> Pubkey {
        let merchant = merchant();
        let params = PolicyParams { issuer: program::issuer_bytes(&issuer.public_key()), ..params() };
        self.send(&[program::create_policy(&merchant.pubkey(), id, params)], &merchant).await.expect("create policy");
        if with_set {
            for ixs in program::create_nullifier_set(&merchant.pubkey(), id, 2, 1_024).expect("set capacity") {
                self.send(&ixs, &merchant).await.expect("create nullifier shard");
            }
        }
        program::policy_address(&merchant.pubkey(), id)
    }

    /// Sends `ixs` paid and signed by `signer`.
    pub async fn send(
        &self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
        signer: &Keypair,
    ) -> Result<ConfirmedTransaction, zk402_chain::ChainError> {
        submit_and_confirm(&self.chain, ixs, signer, &[], ConfirmOptions::default()).await
    }

    /// Records `payment` on chain with `verify_payment`, paid by the cluster's own account
    /// (someone other than the facilitator).
    pub async fn settle_elsewhere(&self, payment: &Payment) -> ConfirmedTransaction {
        let set = NullifierSet { authority: merchant().pubkey(), policy_id: POLICY_ID, shards: 2 };
        let ix = program::verify_payment(&self.chain.payer().pubkey(), &policy(), &set, &payment.submission());
        self.send(&[ix], &self.chain.payer()).await.expect("verify_payment")
    }

    /// The merchant's requirements for `challenge` under `policy`.
    pub fn requirements_for(&self, policy: &Pubkey, challenge: ChallengeInfo) -> PaymentRequirements {
        PaymentRequirements {
            scheme: Scheme::ZkGroth16,
            network: self.network.clone(),
            amount: PRICE,
            asset: self.mint.to_string(),
            pay_to: merchant().pubkey().to_string(),
            max_timeout_seconds: 60,
            extra: ZkExtra { policy: policy.to_string(), verifier_program: PROGRAM_ID.to_string(), challenge },
        }
    }

    /// The payload paying with `payment`, and the requirements the merchant holds it to.
    pub fn pay(&self, payment: &Payment) -> (PaymentPayload, PaymentRequirements) {
        self.pay_under(&policy(), payment)
    }

    /// [`pay`](Self::pay) under the policy at `policy`.
    pub fn pay_under(&self, policy: &Pubkey, payment: &Payment) -> (PaymentPayload, PaymentRequirements) {
        let requirements = self.requirements_for(policy, payment.challenge.clone());
        let payload = PaymentPayload {
            x402_version: X402_VERSION,
            resource: Some(ResourceInfo { url: URL.into(), description: None, mime_type: None }),
            accepted: requirements.clone(),
            payload: payment.zk.clone(),
            extensions: None,
        };
        (payload, requirements)
    }

    /// The SQLite store file `name` in this world's directory.
    pub fn store_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A facilitator serving the policy (and `extra` policies) in `mode`, on the SQLite store
    /// file `store`.
    pub fn facilitator_with(
        &self,
        mode: Mode,
        settle: SettleConfig,
        store: &str,
        extra: &[Pubkey],
    ) -> Arc<LocalFacilitator> {
        let store = SqliteStore::open(&self.store_path(store)).expect("sqlite store");
        let policies = [policy()].into_iter().chain(extra.iter().copied()).collect();
        let config = FacilitatorConfig::new(self.network.clone(), challenge_key().clone(), policies, mode);
        Facilitator::new(config, settle, self.chain.clone(), store, self.fee_payer.insecure_clone())
    }

    /// A facilitator in `mode` that settles every queued proof at once (its own store file).
    pub fn facilitator(&self, mode: Mode) -> Arc<LocalFacilitator> {
        self.facilitator_with(mode, settle_config(Duration::ZERO), "store.sqlite", &[])
    }
}

/// Batches of 10 flushed after `flush_after`; quick polls and retries.
pub fn settle_config(flush_after: Duration) -> SettleConfig {
    SettleConfig {
        max_batch: 10,
        flush_after,
        lease_secs: 120,
        retry_after: Duration::from_millis(100),
        poll: Duration::from_millis(20),
    }
}

/// Sets `chain`'s clock to `unix`.
pub async fn set_clock(chain: &LocalChain, unix: i64) {
    chain.set_unix_time(unix).await.expect("set clock");
    assert_eq!(chain.unix_time().await.expect("clock"), unix);
}
