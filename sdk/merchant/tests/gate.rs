//! The gate in an axum app on a real loopback HTTP server, verifying and settling through an
//! in-process facilitator (SQLite nullifier store in a temporary directory, settlement worker
//! running) in front of the in-process Solana runtime with the verifier program, paid with real
//! Groth16 proofs from the committed test-ceremony key.
//!
//! Each attack is performed for real and must be refused; where the refusal comes before the
//! credit is reserved, the untampered payment is then served, so the refusal was the attack's.

mod common;

use anchor_lang::prelude::Pubkey;
use axum::Router;
use axum::routing::get;
use base64::Engine;
use common::RedisServer;
use reqwest::{Method, StatusCode};
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use zk402_chain::local::LocalChain;
use zk402_chain::memo::commitment_memo;
use zk402_chain::program::{
    PROGRAM_ID, PolicyParams, create_nullifier_set, create_policy, fetch_nullifier_expiry, issuer_bytes,
    policy_address, submission_from_ark,
};
use zk402_chain::rpc::RpcEndpoint;
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_chain::{Chain, Finality};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::field::fr_from_be_bytes;
use zk402_circuit::{PaymentInputs, Policy as CircuitPolicy, Receipt, ReceiptClaim, Secret, SigningKey};
use zk402_facilitator::store::{Depth, NullifierStore, RedisStore, SqliteStore, State};
use zk402_facilitator::{ChallengeKey, Facilitator, FacilitatorConfig, Mode, SettleConfig, challenge, unix_now};
use zk402_merchant::gate::{GateConfig, X402Gate};
use zk402_prover::Prover;
use zk402_x402::{
    ChallengeInfo, Network, PaymentPayload, PaymentRequired, SettlementResponse, X402_VERSION, ZkPayload,
    decode_header, encode_header,
};

/// Price of one request (one credit), atomic units of the test mint.
const PRICE: u64 = 1_000_000;
/// Credits the payer buys with its one token transfer.
const CREDITS: u64 = 4;
/// The policy's clock window, seconds.
const CLOCK_WINDOW: u64 = 300;
/// The paid route, and another one behind the same gate.
const DATA: &str = "/v1/data";
const OTHER: &str = "/v1/other";

fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let zkey = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey");
        Prover::load(&zkey, &ArtifactPaths::committed().wasm).expect("test prover")
    })
}

/// An in-process cluster with a merchant's policy (and nullifier set), its challenge key and
/// facilitator fee payer, and a payer who bought [`CREDITS`] credits with a real token transfer
/// and holds the issuer's receipt for it.
struct World {
    chain: LocalChain,
    network: Network,
    policy: Pubkey,
    terms: CircuitPolicy,
    key: ChallengeKey,
    fee_payer: Keypair,
    payer: Keypair,
    receipt: Receipt,
    secret: Secret,
    next_credit: AtomicU32,
    dir: tempfile::TempDir,
}

impl World {
    async fn create() -> World {
        let chain = LocalChain::start().await;
        chain.set_unix_time(unix_now() as i64).await.expect("clock");
        let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).expect("network");
        let (merchant, payer, fee_payer, mint_authority) =
            (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
        for actor in [&merchant, &payer, &fee_payer] {
            chain.airdrop(&actor.pubkey(), 1_000_000_000).await.expect("airdrop");
        }
        let mint = chain.create_mint(&mint_authority.pubkey(), 6).await.expect("mint");
        chain.create_token_account(&merchant.pubkey(), &mint).await.expect("merchant tokens");
        let payer_tokens = chain.create_token_account(&payer.pubkey(), &mint).await.expect("payer tokens");
        chain.mint_to(&mint, &payer_tokens, &mint_authority, PRICE * CREDITS).await.expect("mint to");

        let issuer = SigningKey::generate().expect("randomness");
        let params = PolicyParams {
            recipient: merchant.pubkey(),
            price: PRICE,
            max_age: 3_600,
            clock_window: CLOCK_WINDOW,
            issuer: issuer_bytes(&issuer.public_key()),
        };
        let confirm = ConfirmOptions::default();
        let ix = create_policy(&merchant.pubkey(), 1, params);
        submit_and_confirm(&chain, &[ix], &merchant, &[], confirm).await.expect("create policy");
        for ixs in create_nullifier_set(&merchant.pubkey(), 1, 1, 1_024).expect("capacity") {
            submit_and_confirm(&chain, &ixs, &merchant, &[], confirm).await.expect("create shard");
        }
        let policy = policy_address(&merchant.pubkey(), 1);

        // The payer buys the credits; the issuer's receipt attests that transfer.
        let secret = Secret::random().expect("randomness");
        let transfer = spl_token::instruction::transfer_checked(
            &TOKEN_PROGRAM_ID,
            &payer_tokens,
            &mint,
            &associated_token_address(&merchant.pubkey(), &mint),
            &payer.pubkey(),
            &[],
            PRICE * CREDITS,
            6,
        )
        .expect("transfer");
        let memo = commitment_memo(&secret.commitment());
        submit_and_confirm(&chain, &[transfer, memo], &payer, &[], confirm).await.expect("purchase");
        let paid_at = chain.unix_time().await.expect("clock") as u64;
        let claim = ReceiptClaim {
            amount: PRICE * CREDITS,
            recipient: merchant.pubkey().to_bytes(),
            paid_at,
            commitment: secret.commitment(),
        };
        let terms = CircuitPolicy {
            price: PRICE,
            recipient: merchant.pubkey().to_bytes(),
            max_age: 3_600,
            issuer: issuer.public_key(),
        };
        World {
            chain,
            network,
            policy,
            terms,
            key: ChallengeKey::generate().expect("randomness"),
            fee_payer,
            payer,
            receipt: claim.sign(&issuer),
            secret,
            next_credit: AtomicU32::new(0),
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// The payer proves an unspent credit for `challenge` at the cluster's time.
    async fn prove(&self, challenge: &ChallengeInfo) -> ZkPayload {
        let index = self.next_credit.fetch_add(1, Ordering::SeqCst);
        self.prove_credit(index, challenge).await
    }

    /// The payer proves credit `index` for `challenge` at the cluster's time.
    async fn prove_credit(&self, index: u32, challenge: &ChallengeInfo) -> ZkPayload {
        let now = self.chain.unix_time().await.expect("clock") as u64;
        let request = fr_from_be_bytes(&challenge.request_hash).expect("request hash below r");
        let inputs = PaymentInputs::new(&self.terms, &self.receipt, &self.secret, index, now, request);
        let proof = tokio::task::spawn_blocking(move || prover().prove(&inputs)).await.unwrap().expect("proof");
        let submission = submission_from_ark(&proof.proof, &proof.public_signals).expect("submission");
        ZkPayload {
            proof: submission.proof,
            now: submission.now,
            nullifier: submission.nullifier,
            request_hash: submission.request_hash,
        }
    }

    /// The merchant on loopback, verifying and settling on this cluster into a SQLite store.
    async fn merchant(&self, mode: Mode) -> Merchant<LocalChain, SqliteStore> {
        self.merchant_with(self.chain.clone(), self.sqlite("nullifiers.sqlite"), mode, None).await
    }

    fn sqlite(&self, name: &str) -> SqliteStore {
        SqliteStore::open(&self.dir.path().join(name)).expect("sqlite store")
    }

    /// The merchant on loopback with its facilitator on `chain` and `store`; its public URL is
    /// `public_base` (default: where it listens).
    async fn merchant_with<C: Chain + 'static, S: NullifierStore>(
        &self,
        chain: C,
        store: S,
        mode: Mode,
        public_base: Option<String>,
    ) -> Merchant<C, S> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = FacilitatorConfig::new(self.network.clone(), self.key.clone(), vec![self.policy], mode);
        config.confirm_wait = Duration::from_secs(20);
        let settle = SettleConfig {
            flush_after: Duration::from_millis(100),
            retry_after: Duration::from_millis(200),
            poll: Duration::from_millis(50),
            ..SettleConfig::default()
        };
        let facilitator = Facilitator::new(config, settle, chain, store, self.fee_payer.insecure_clone());
        let worker = facilitator.spawn_worker();
        let gate = GateConfig {
            policy: self.policy,
            program_id: PROGRAM_ID,
            network: self.network.clone(),
            amount: PRICE,
            asset: Pubkey::new_from_array([0xaa; 32]).to_string(),
            pay_to: Pubkey::new_from_array(self.terms.recipient).to_string(),
            challenge_ttl_secs: 120,
            max_timeout_seconds: 120,
            public_base_url: public_base.unwrap_or_else(|| base.clone()),
            description: Some("test data".into()),
            mime_type: Some("text/plain".into()),
        };
        let served = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&served);
        let handler = move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "paid content" }
        };
        let app = Router::new()
            .route(DATA, get(handler.clone()).post(handler.clone()))
            .route(OTHER, get(handler))
            .layer(X402Gate::new(gate, Arc::clone(&facilitator)));
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Merchant { base, facilitator, served, http: reqwest::Client::new(), tasks: [server, worker] }
    }
}

/// A merchant app serving [`DATA`] and [`OTHER`] behind the gate.
struct Merchant<C, S> {
    base: String,
    facilitator: Arc<Facilitator<C, S>>,
    /// Requests that reached the protected handler.
    served: Arc<AtomicUsize>,
    http: reqwest::Client,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl<C, S> Drop for Merchant<C, S> {
    fn drop(&mut self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// What the gate answered.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    required: Option<PaymentRequired>,
    settlement: Option<SettlementResponse>,
    body: String,
}

impl<C: Chain + 'static, S: NullifierStore> Merchant<C, S> {
    async fn request(&self, method: Method, path: &str, signature: Option<&str>) -> Answer {
        exchange(self.http.clone(), method, format!("{}{path}", self.base), signature.map(str::to_owned)).await
    }

    /// `GET` of `path` with `payment` (encoded) as PAYMENT-SIGNATURE.
    async fn get(&self, path: &str, payment: &PaymentPayload) -> Answer {
        self.request(Method::GET, path, Some(&encode_header(payment))).await
    }

    /// The 402 of an unpaid `GET` of `path`.
    async fn offer(&self, path: &str) -> PaymentRequired {
        let answer = self.request(Method::GET, path, None).await;
        assert_eq!(answer.status, StatusCode::PAYMENT_REQUIRED, "{}", answer.body);
        answer.required.expect("PAYMENT-REQUIRED")
    }

    fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    async fn depth(&self) -> Depth {
        self.facilitator.store().depth().await.expect("store depth")
    }
}

/// Sends `method url` with `signature` as PAYMENT-SIGNATURE; the gate's answer.
async fn exchange(http: reqwest::Client, method: Method, url: String, signature: Option<String>) -> Answer {
    let mut request = http.request(method, url);
    if let Some(value) = signature {
        request = request.header("PAYMENT-SIGNATURE", value);
    }
    let response = request.send().await.expect("http");
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let required = header("PAYMENT-REQUIRED").map(|v| decode_header::<PaymentRequired>(&v).expect("PAYMENT-REQUIRED"));
    let settlement =
        header("PAYMENT-RESPONSE").map(|v| decode_header::<SettlementResponse>(&v).expect("PAYMENT-RESPONSE"));
    let status = response.status();
    Answer { status, required, settlement, body: response.text().await.unwrap() }
}

/// The payment answering `required` with `zk`.
fn payment(required: &PaymentRequired, zk: ZkPayload) -> PaymentPayload {
    PaymentPayload {
        x402_version: X402_VERSION,
        resource: Some(required.resource.clone()),
        accepted: required.accepts[0].clone(),
        payload: zk,
        extensions: None,
    }
}

/// The payment answering `required` with `challenge` in place of its own, and a proof for it.
async fn payment_for(world: &World, required: &PaymentRequired, challenge: ChallengeInfo) -> PaymentPayload {
    let mut payment = payment(required, world.prove(&challenge).await);
    payment.accepted.extra.challenge = challenge;
    payment
}

/// A fresh offer for [`DATA`] and the payer's real payment for it.
async fn paid<C: Chain + 'static, S: NullifierStore>(world: &World, merchant: &Merchant<C, S>) -> PaymentPayload {
    let required = merchant.offer(DATA).await;
    let zk = world.prove(&required.accepts[0].extra.challenge).await;
    payment(&required, zk)
}

/// The refusal code of a 402 that answers a payment (with a fresh challenge and a failed
/// PAYMENT-RESPONSE).
fn refusal(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::PAYMENT_REQUIRED, "{}", answer.body);
    assert!(answer.required.is_some(), "a refusal comes with a fresh challenge");
    let settlement = answer.settlement.as_ref().expect("a PAYMENT-RESPONSE");
    assert!(!settlement.success);
    assert!(settlement.transaction.is_empty());
    settlement.error_reason.clone().expect("an errorReason")
}

/// The gate serves `payment` (the control after an attack on it).
async fn assert_served<C: Chain + 'static, S: NullifierStore>(merchant: &Merchant<C, S>, payment: &PaymentPayload) {
    let answer = merchant.get(DATA, payment).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, "paid content");
    assert!(answer.settlement.expect("PAYMENT-RESPONSE").success);
}

/// Waits (up to 15 s) until the worker has recorded `nullifier` on chain.
async fn wait_recorded(world: &World, nullifier: &[u8; 32]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while fetch_nullifier_expiry(&world.chain, &world.policy, nullifier).await.expect("chain").is_none() {
        assert!(Instant::now() < deadline, "the worker did not settle the proof within 15 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_request_is_served_in_deferred_mode_and_the_worker_settles_it_on_chain() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let unpaid = merchant.request(Method::GET, DATA, None).await;
    assert_eq!(unpaid.status, StatusCode::PAYMENT_REQUIRED);
    let required = unpaid.required.expect("PAYMENT-REQUIRED");
    assert_eq!(serde_json::from_str::<PaymentRequired>(&unpaid.body).unwrap(), required, "the body repeats it");
    assert_eq!(required.resource.url, format!("{}{DATA}", merchant.base));
    let terms = &required.accepts[0];
    assert_eq!((&terms.network, terms.amount), (&world.network, PRICE));
    assert_eq!(
        (terms.extra.policy.clone(), terms.extra.verifier_program.clone()),
        (world.policy.to_string(), PROGRAM_ID.to_string())
    );
    assert_eq!(terms.extra.challenge.method, "GET");

    let pay = payment(&required, world.prove(&terms.extra.challenge).await);
    let answer = merchant.get(DATA, &pay).await;
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "paid content"));
    let settlement = answer.settlement.expect("PAYMENT-RESPONSE");
    assert!(settlement.success);
    assert_eq!((settlement.transaction.as_str(), &settlement.network, settlement.payer), ("", &world.network, None));
    assert_eq!(merchant.served(), 1);

    wait_recorded(&world, &pay.payload.nullifier).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let transaction = loop {
        match merchant.facilitator.store().state(&pay.payload.nullifier).await.unwrap() {
            Some(State::Settled { transaction }) => break transaction,
            other => assert!(Instant::now() < deadline, "not recorded as settled: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let landed = world.chain.transaction(&transaction.parse().unwrap(), Finality::Confirmed).await.unwrap();
    assert!(landed.expect("the settlement transaction").error.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirm_mode_names_the_settlement_on_chain_whose_keys_do_not_include_the_payers() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Confirm).await;
    let pay = paid(&world, &merchant).await;
    let answer = merchant.get(DATA, &pay).await;
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "paid content"));
    let settlement = answer.settlement.expect("PAYMENT-RESPONSE");
    assert!(settlement.success);
    assert!(fetch_nullifier_expiry(&world.chain, &world.policy, &pay.payload.nullifier).await.unwrap().is_some());
    let signature = settlement.transaction.parse().expect("a transaction signature");
    let landed = world.chain.transaction(&signature, Finality::Confirmed).await.unwrap().expect("on chain");
    assert!(landed.error.is_none());
    let keys = landed.account_keys();
    assert_eq!(keys[0], world.fee_payer.pubkey(), "the facilitator pays the fee");
    assert!(keys.contains(&world.policy));
    assert!(!keys.contains(&world.payer.pubkey()), "the payer's key is not in its settlement");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_a_payment_is_refused_while_reserved_and_once_spent() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    assert_served(&merchant, &pay).await;
    let replay = refusal(&merchant.get(DATA, &pay).await);
    assert!(["nullifier_reserved", "nullifier_spent"].contains(&replay.as_str()), "{replay}");
    wait_recorded(&world, &pay.payload.nullifier).await;
    assert_eq!(refusal(&merchant.get(DATA, &pay).await), "nullifier_spent");
    // The same credit proven again, for a fresh challenge.
    let required = merchant.offer(DATA).await;
    let again = payment(&required, world.prove_credit(0, &required.accepts[0].extra.challenge).await);
    assert_eq!(again.payload.nullifier, pay.payload.nullifier);
    assert_eq!(refusal(&merchant.get(DATA, &again).await), "nullifier_spent");
    assert_eq!(merchant.served(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_payment_sent_concurrently_is_served_once() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, url, header) = (merchant.http.clone(), format!("{}{DATA}", merchant.base), encode_header(&pay));
        requests.spawn(exchange(http, Method::GET, url, Some(header)));
    }
    let answers = requests.join_all().await;
    let served = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert_eq!(served, 1, "{answers:?}");
    for answer in answers.iter().filter(|a| a.status != StatusCode::OK) {
        assert!(["nullifier_reserved", "nullifier_spent"].contains(&refusal(answer).as_str()), "{answer:?}");
    }
    assert_eq!(merchant.served(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_retargeted_to_another_url_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    assert_eq!(refusal(&merchant.get(OTHER, &pay).await), "resource_mismatch");
    // Its resource edited to name the other URL: the challenge was not minted for it.
    let mut retargeted = pay.clone();
    retargeted.resource.as_mut().unwrap().url = format!("{}{OTHER}", merchant.base);
    assert_eq!(refusal(&merchant.get(OTHER, &retargeted).await), "challenge_forged");
    assert_eq!(merchant.served(), 0);
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_retargeted_to_another_method_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    let post = merchant.request(Method::POST, DATA, Some(&encode_header(&pay))).await;
    assert_eq!(refusal(&post), "method_mismatch");
    // Its challenge edited to name the other method.
    let mut retargeted = pay.clone();
    retargeted.accepted.extra.challenge.method = "POST".into();
    let post = merchant.request(Method::POST, DATA, Some(&encode_header(&retargeted))).await;
    assert_eq!(refusal(&post), "challenge_forged");
    assert_eq!(merchant.served(), 0);
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_challenge_is_refused_as_forged() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    let mut extended = pay.clone();
    extended.accepted.extra.challenge.expires_at += 3_600;
    assert_eq!(refusal(&merchant.get(DATA, &extended).await), "challenge_forged");
    let mut renonced = pay.clone();
    renonced.accepted.extra.challenge.nonce[0] ^= 1;
    assert_eq!(refusal(&merchant.get(DATA, &renonced).await), "challenge_forged");
    assert_eq!(merchant.served(), 0);
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_minted_under_another_key_is_refused_as_forged() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let required = merchant.offer(DATA).await;
    let url = &required.resource.url;
    let own = ChallengeKey::generate().unwrap();
    let minted = challenge::mint(&own, &world.policy.to_bytes(), "GET", url, unix_now(), 3_600).unwrap();
    let forged = payment_for(&world, &required, minted).await;
    assert_eq!(refusal(&merchant.get(DATA, &forged).await), "challenge_forged");
    assert_eq!(merchant.served(), 0);
    assert_eq!(merchant.depth().await, Depth::default(), "nothing reserved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_challenge_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let required = merchant.offer(DATA).await;
    let url = &required.resource.url;
    let old = challenge::mint(&world.key, &world.policy.to_bytes(), "GET", url, unix_now() - 180, 120).unwrap();
    let late = payment_for(&world, &required, old).await;
    assert_eq!(refusal(&merchant.get(DATA, &late).await), "challenge_expired");
    assert_eq!(merchant.served(), 0);
    assert_eq!(merchant.depth().await, Depth::default(), "nothing reserved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_bound_to_another_challenge_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    let fresh = merchant.offer(DATA).await;
    let rebound = payment(&fresh, pay.payload.clone());
    assert_eq!(refusal(&merchant.get(DATA, &rebound).await), "proof_request_hash_mismatch");
    // The proof's request hash edited to the fresh challenge's: the proof no longer verifies.
    let mut edited = rebound.clone();
    edited.payload.request_hash = fresh.accepts[0].extra.challenge.request_hash;
    assert_eq!(refusal(&merchant.get(DATA, &edited).await), "proof_invalid");
    assert_eq!(merchant.served(), 0);
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_with_a_flipped_byte_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    for byte in [0, 100, 255] {
        let mut flipped = pay.clone();
        flipped.payload.proof[byte] ^= 1;
        assert_eq!(refusal(&merchant.get(DATA, &flipped).await), "proof_invalid", "byte {byte}");
    }
    assert_eq!(merchant.served(), 0);
    assert_eq!(merchant.depth().await, Depth::default(), "a refused proof reserves nothing");
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_time_outside_the_clock_window_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    let window = CLOCK_WINDOW as i64;
    for shift in [-window - 60, window + 60, -pay.payload.now] {
        let mut moved = pay.clone();
        moved.payload.now += shift;
        assert_eq!(refusal(&merchant.get(DATA, &moved).await), "now_outside_window", "now shifted by {shift}");
    }
    // Inside the window, but too close to its end to be settled in time.
    let mut stale = pay.clone();
    stale.payload.now -= window - 5;
    assert_eq!(refusal(&merchant.get(DATA, &stale).await), "too_late_to_settle");
    assert_eq!(merchant.served(), 0);
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_accepting_other_terms_is_refused() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let pay = paid(&world, &merchant).await;
    let mut cheaper = pay.clone();
    cheaper.accepted.amount = PRICE - 1;
    assert_eq!(refusal(&merchant.get(DATA, &cheaper).await), "requirements_mismatch");
    let mut elsewhere = pay.clone();
    elsewhere.accepted.pay_to = world.payer.pubkey().to_string();
    assert_eq!(refusal(&merchant.get(DATA, &elsewhere).await), "requirements_mismatch");
    let mut devnet = pay.clone();
    devnet.accepted.network = Network::solana_devnet();
    assert_eq!(refusal(&merchant.get(DATA, &devnet).await), "requirements_mismatch");
    let mut other_policy = pay.clone();
    other_policy.accepted.extra.policy = Pubkey::new_unique().to_string();
    assert_eq!(refusal(&merchant.get(DATA, &other_policy).await), "requirements_mismatch");
    assert_eq!(merchant.served(), 0);
    assert_served(&merchant, &pay).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaid_requests_get_a_challenge_and_write_nothing() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let mut nonces = Vec::new();
    for path in [DATA, DATA, OTHER, DATA, OTHER] {
        let answer = merchant.request(Method::GET, path, None).await;
        assert_eq!(answer.status, StatusCode::PAYMENT_REQUIRED);
        assert!(answer.settlement.is_none(), "no payment, no PAYMENT-RESPONSE");
        let required = answer.required.expect("PAYMENT-REQUIRED");
        assert_eq!(required.resource.url, format!("{}{path}", merchant.base));
        nonces.push(required.accepts[0].extra.challenge.nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 5, "a fresh challenge each time");
    assert_eq!(merchant.depth().await, Depth::default(), "challenges are stored nowhere");
    assert_eq!(merchant.served(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_payment_header_is_a_bad_request() {
    let world = World::create().await;
    let merchant = world.merchant(Mode::Deferred).await;
    let required = merchant.offer(DATA).await;
    let zk = ZkPayload { proof: [0; 256], now: 1, nullifier: [0; 32], request_hash: [0; 32] };
    let mut json = serde_json::to_value(payment(&required, zk)).unwrap();
    json["payload"]["proof"] = "00ff".into();
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    for (value, code) in [
        ("%%%".to_string(), "invalid_base64"),
        ("A".repeat(9_000), "header_too_large"),
        (b64("not json"), "invalid_json"),
        (b64("{\"x402Version\":1}"), "unsupported_version"),
        (b64(&json.to_string()), "invalid_message"),
    ] {
        let answer = merchant.request(Method::GET, DATA, Some(&value)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{code}: {}", answer.body);
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["error"], code);
    }
    assert_eq!(merchant.served(), 0);
    assert_eq!(merchant.depth().await, Depth::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_down_answers_503_and_serves_nothing() {
    let Some(mut server) = RedisServer::start() else { return };
    let world = World::create().await;
    let store = RedisStore::connect(&server.url(), "gate-test:").await.expect("redis");
    let merchant = world.merchant_with(world.chain.clone(), store, Mode::Deferred, None).await;
    let pay = paid(&world, &merchant).await;
    server.kill();
    let answer = merchant.get(DATA, &pay).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["error"], "store_unavailable");
    assert_eq!(merchant.served(), 0, "fail closed");
    // Challenges need no store: unpaid requests still get their 402.
    merchant.offer(DATA).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_down_answers_503_and_the_payment_goes_through_once_it_is_back() {
    let world = World::create().await;
    // An RPC endpoint nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = RpcEndpoint::new(format!("http://127.0.0.1:{port}").parse().unwrap(), Duration::from_secs(1)).unwrap();
    let down = world.merchant_with(dead, world.sqlite("shared.sqlite"), Mode::Deferred, None).await;
    let pay = paid(&world, &down).await;
    let answer = down.get(DATA, &pay).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["error"], "chain_unavailable");
    assert_eq!(down.served(), 0, "fail closed");

    // Nothing was reserved: another instance sharing the store and the public URL, whose chain
    // is reachable, accepts the same payment.
    let public_base = down.base.clone();
    drop(down);
    let up = world
        .merchant_with(world.chain.clone(), world.sqlite("shared.sqlite"), Mode::Deferred, Some(public_base))
        .await;
    assert_served(&up, &pay).await;
}
