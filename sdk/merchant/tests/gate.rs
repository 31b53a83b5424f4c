//! The gate in an axum app on a real loopback HTTP server, in front of the in-process Solana
//! runtime with the verifier program, paid with real Groth16 proofs from the committed
//! test-ceremony key.

mod common;

use anchor_lang::prelude::Pubkey;
use axum::Router;
use axum::routing::get;
use base64::Engine;
use common::RedisServer;
use reqwest::StatusCode;
use solana_signer::Signer;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use zk402_chain::Chain;
use zk402_chain::local::LocalChain;
use zk402_chain::program::{
    NullifierSet, PROGRAM_ID, PolicyParams, create_nullifier_set, create_policy, issuer_bytes, policy_address,
    submission_from_ark, verify_payment,
};
use zk402_chain::rpc::RpcEndpoint;
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::field::fr_from_be_bytes;
use zk402_circuit::{PaymentInputs, Policy as CircuitPolicy, ReceiptClaim, Secret, SigningKey};
use zk402_merchant::challenge::{ChallengeStore, RedisStore, SqliteStore, unix_now};
use zk402_merchant::gate::{GateConfig, X402Gate};
use zk402_prover::Prover;
use zk402_x402::{
    Network, PaymentPayload, PaymentRequired, SettlementResponse, ZkPayload, decode_header, encode_header,
};

const PRICE: u64 = 1_000_000;

fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let zkey = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey");
        Prover::load(&zkey, &ArtifactPaths::committed().wasm).expect("test prover")
    })
}

/// A merchant's issuer key and its policy on chain.
struct Merchant {
    issuer: SigningKey,
    params: PolicyParams,
    policy: Pubkey,
    set: NullifierSet,
}

impl Merchant {
    async fn register(chain: &LocalChain, seed: u8) -> Merchant {
        let issuer = SigningKey::from_seed(&[seed; 32]);
        let params = PolicyParams {
            recipient: Pubkey::new_from_array([seed; 32]),
            price: PRICE,
            max_age: 3_600,
            clock_window: 300,
            issuer: issuer_bytes(&issuer.public_key()),
        };
        let authority = chain.payer();
        let ix = create_policy(&authority.pubkey(), u64::from(seed), params.clone());
        submit_and_confirm(chain, &[ix], &authority, &[], ConfirmOptions::default()).await.expect("create policy");
        let id = u64::from(seed);
        for ixs in create_nullifier_set(&authority.pubkey(), id, 2, 1_024).expect("capacity") {
            submit_and_confirm(chain, &ixs, &authority, &[], ConfirmOptions::default()).await.expect("create shard");
        }
        let policy = policy_address(&authority.pubkey(), id);
        let set = NullifierSet { authority: authority.pubkey(), policy_id: id, shards: 2 };
        Merchant { issuer, params, policy, set }
    }

    /// Proves a fresh 1.5-unit receipt bound to `request_hash`, submits `verify_payment` and
    /// returns the nullifier and the transaction signature.
    async fn pay(&self, chain: &LocalChain, request_hash: &[u8; 32]) -> ([u8; 32], String) {
        let now = chain.unix_time().await.expect("clock") as u64;
        let secret = Secret::random().expect("randomness");
        let claim = ReceiptClaim {
            amount: 1_500_000,
            recipient: self.params.recipient.to_bytes(),
            paid_at: now - 600,
            commitment: secret.commitment(),
        };
        let receipt = claim.sign(&self.issuer);
        let policy = CircuitPolicy {
            price: self.params.price,
            recipient: self.params.recipient.to_bytes(),
            max_age: self.params.max_age,
            issuer: self.issuer.public_key(),
        };
        let request = fr_from_be_bytes(request_hash).expect("request hash below r");
        let inputs = PaymentInputs::new(&policy, &receipt, &secret, 0, now, request);
        let proof = prover().prove(&inputs).expect("proof");
        let submission = submission_from_ark(&proof.proof, &proof.public_signals).expect("submission");
        let payer = chain.payer();
        let ix = verify_payment(&payer.pubkey(), &self.policy, &self.set, &submission);
        let tx = submit_and_confirm(chain, &[ix], &payer, &[], ConfirmOptions::default()).await.expect("verify");
        (submission.nullifier, tx.signature.to_string())
    }
}

fn config(merchant: &Merchant, network: Network, base_url: String, ttl: u64) -> GateConfig {
    GateConfig {
        policy: merchant.policy,
        program_id: PROGRAM_ID,
        network,
        amount: PRICE,
        asset: Pubkey::new_from_array([0xaa; 32]).to_string(),
        pay_to: merchant.params.recipient.to_string(),
        challenge_ttl_secs: ttl,
        max_timeout_seconds: 120,
        public_base_url: base_url,
        description: Some("test data".into()),
        mime_type: Some("text/plain".into()),
    }
}

/// Serves `/v1/data` behind a gate on a loopback port; returns the base URL, the gate and a
/// counter of calls that reached the protected handler.
async fn serve<C: Chain + 'static, S: ChallengeStore>(
    make_gate: impl FnOnce(String) -> X402Gate<C, S>,
) -> (String, X402Gate<C, S>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let gate = make_gate(base.clone());
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let app = Router::new()
        .route(
            "/v1/data",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { "paid content" }
            }),
        )
        .layer(gate.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, gate, served)
}

struct Answer {
    status: StatusCode,
    required: Option<PaymentRequired>,
    settlement: Option<SettlementResponse>,
    body: String,
}

async fn get_data(base: &str, signature: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new().get(format!("{base}/v1/data"));
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

fn payload(required: &PaymentRequired, nullifier: [u8; 32], transaction: String) -> PaymentPayload {
    let accepted = required.accepts[0].clone();
    let request_hash = accepted.extra.challenge.request_hash;
    PaymentPayload {
        x402_version: 2,
        resource: Some(required.resource.clone()),
        accepted,
        payload: ZkPayload { nullifier, request_hash, transaction },
        extensions: None,
    }
}

fn refusal(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::PAYMENT_REQUIRED, "{}", answer.body);
    assert!(answer.required.is_some(), "a refusal comes with a fresh challenge");
    answer.settlement.as_ref().and_then(|s| s.error_reason.clone()).expect("a failed PAYMENT-RESPONSE")
}

async fn local_chain() -> (Arc<LocalChain>, Network) {
    let chain = Arc::new(LocalChain::start().await);
    chain.set_unix_time(unix_now() as i64).await.expect("clock");
    let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).expect("network");
    (chain, network)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_requests_on_chain() {
    let (chain, network) = local_chain().await;
    let merchant = Merchant::register(&chain, 1).await;
    let other = Merchant::register(&chain, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("challenges.db")).unwrap();
    let (base, gate, served) =
        serve(|base| X402Gate::new(config(&merchant, network.clone(), base, 120), Arc::clone(&chain), store)).await;

    // No payment: 402 with our terms and a fresh challenge.
    let first = get_data(&base, None).await;
    assert_eq!(first.status, StatusCode::PAYMENT_REQUIRED);
    let required = first.required.expect("PAYMENT-REQUIRED");
    assert_eq!(serde_json::from_str::<PaymentRequired>(&first.body).unwrap(), required, "the body repeats the header");
    assert_eq!(required.resource.url, format!("{base}/v1/data"));
    let terms = &required.accepts[0];
    assert_eq!((terms.network.clone(), terms.amount), (network.clone(), PRICE));
    assert_eq!(terms.extra.policy, merchant.policy.to_string());
    assert_eq!(terms.extra.verifier_program, PROGRAM_ID.to_string());

    // Paid: 200 with the resource and a PAYMENT-RESPONSE without payer.
    let (nullifier, tx) = merchant.pay(&chain, &terms.extra.challenge.request_hash).await;
    let header = encode_header(&payload(&required, nullifier, tx.clone()));
    let started = std::time::Instant::now();
    let paid = get_data(&base, Some(&header)).await;
    eprintln!("paid request (HTTP + on-chain confirmation, in-process runtime): {:?}", started.elapsed());
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(paid.body, "paid content");
    let settlement = paid.settlement.expect("PAYMENT-RESPONSE");
    assert!(settlement.success);
    assert_eq!((settlement.transaction, settlement.network, settlement.payer), (tx, network.clone(), None));
    assert_eq!(served.load(Ordering::SeqCst), 1);

    // The same header again: the challenge is spent.
    assert_eq!(refusal(&get_data(&base, Some(&header)).await), "challenge_used");

    // A proof bound to another request hash, presented for a fresh challenge.
    let fresh = get_data(&base, None).await.required.unwrap();
    let (nullifier, tx) = merchant.pay(&chain, &[7; 32]).await;
    let tampered = encode_header(&payload(&fresh, nullifier, tx));
    assert_eq!(refusal(&get_data(&base, Some(&tampered)).await), "request_hash_mismatch");
    // The payload's own request hash altered.
    let mut altered = payload(&fresh, nullifier, String::new());
    altered.payload.request_hash[31] ^= 1;
    altered.payload.transaction = some_transaction(&chain).await;
    assert_eq!(refusal(&get_data(&base, Some(&encode_header(&altered))).await), "request_hash_mismatch");

    // Another merchant's policy verified the proof.
    let (nullifier, tx) = other.pay(&chain, &fresh.accepts[0].extra.challenge.request_hash).await;
    assert_eq!(
        refusal(&get_data(&base, Some(&encode_header(&payload(&fresh, nullifier, tx)))).await),
        "program_not_invoked"
    );

    // The refused challenge was released: it still pays once.
    let (nullifier, tx) = merchant.pay(&chain, &fresh.accepts[0].extra.challenge.request_hash).await;
    let ok = get_data(&base, Some(&encode_header(&payload(&fresh, nullifier, tx)))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    // Challenge from an unknown nonce; another network; malformed headers.
    let mut forged = payload(&fresh, nullifier, some_transaction(&chain).await);
    forged.accepted.extra.challenge.nonce = [9; 32];
    assert_eq!(refusal(&get_data(&base, Some(&encode_header(&forged))).await), "challenge_unknown");
    let mut elsewhere = payload(&fresh, nullifier, some_transaction(&chain).await);
    elsewhere.accepted.network = Network::solana_devnet();
    assert_eq!(refusal(&get_data(&base, Some(&encode_header(&elsewhere))).await), "network_mismatch");
    for (value, code) in [
        ("%%%".to_string(), "invalid_base64"),
        ("A".repeat(9000), "header_too_large"),
        (base64::engine::general_purpose::STANDARD.encode("{\"x402Version\":1}"), "unsupported_version"),
        (encode_header(&payload(&fresh, nullifier, "not-a-signature".into())), "invalid_transaction_signature"),
    ] {
        let answer = get_data(&base, Some(&value)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{code}");
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["error"], code);
    }
    assert_eq!(served.load(Ordering::SeqCst), 2, "only the two paid requests were served");

    let metrics = gate.metrics().render();
    assert!(metrics.contains("zk402_merchant_payments_accepted_total 2"), "{metrics}");
    assert!(metrics.contains("zk402_merchant_payments_refused_total{reason=\"challenge_used\"} 1"), "{metrics}");
    assert!(metrics.contains("zk402_merchant_confirmation_seconds_count 4"), "{metrics}");
}

/// Any confirmed transaction's signature (for payloads refused before the chain is asked).
async fn some_transaction(chain: &LocalChain) -> String {
    chain.airdrop(&Pubkey::new_unique(), 1_000_000).await.expect("airdrop").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_challenge_is_refused() {
    let (chain, network) = local_chain().await;
    let merchant = Merchant::register(&chain, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("challenges.db")).unwrap();
    let (base, _gate, served) =
        serve(|base| X402Gate::new(config(&merchant, network, base, 1), Arc::clone(&chain), store)).await;
    let required = get_data(&base, None).await.required.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let tx = some_transaction(&chain).await;
    let late = encode_header(&payload(&required, [1; 32], tx));
    assert_eq!(refusal(&get_data(&base, Some(&late)).await), "challenge_expired");
    assert_eq!(served.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_down_answers_503() {
    let Some(mut server) = RedisServer::start() else { return };
    let (chain, network) = local_chain().await;
    let merchant = Merchant::register(&chain, 4).await;
    let store = RedisStore::new(&server.url(), "gate:", Duration::from_secs(1)).unwrap();
    let (base, gate, served) =
        serve(|base| X402Gate::new(config(&merchant, network, base, 60), Arc::clone(&chain), store)).await;
    let required = get_data(&base, None).await.required.expect("402 while Redis is up");
    server.kill();
    let unpaid = get_data(&base, None).await;
    assert_eq!(unpaid.status, StatusCode::SERVICE_UNAVAILABLE, "{}", unpaid.body);
    let tx = some_transaction(&chain).await;
    let paid = get_data(&base, Some(&encode_header(&payload(&required, [1; 32], tx)))).await;
    assert_eq!(paid.status, StatusCode::SERVICE_UNAVAILABLE, "{}", paid.body);
    assert_eq!(served.load(Ordering::SeqCst), 0, "fail closed");
    assert!(gate.metrics().render().contains("zk402_merchant_store_errors_total 2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_down_answers_503_and_releases_the_challenge() {
    let (chain, network) = local_chain().await;
    let merchant = Merchant::register(&chain, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("challenges.db");
    // An RPC endpoint nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = RpcEndpoint::new(format!("http://127.0.0.1:{port}").parse().unwrap(), Duration::from_secs(1)).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let terms = |base: String| config(&merchant, network.clone(), base, 60);
    let (base, gate, served) = serve(|base| X402Gate::new(terms(base), dead, store)).await;
    let required = get_data(&base, None).await.required.expect("402 needs no chain");
    let (nullifier, tx) = merchant.pay(&chain, &required.accepts[0].extra.challenge.request_hash).await;
    let header = encode_header(&payload(&required, nullifier, tx));
    let answer = get_data(&base, Some(&header)).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    assert_eq!(served.load(Ordering::SeqCst), 0, "fail closed");
    assert!(gate.metrics().render().contains("zk402_merchant_chain_errors_total 1"));

    // The challenge was released: once the chain is reachable (another instance sharing the
    // store and the public URL), the same payment is accepted.
    let store = SqliteStore::open(&path).unwrap();
    let (other, _gate, served) = serve(|_| X402Gate::new(terms(base.clone()), Arc::clone(&chain), store)).await;
    let retried = get_data(&other, Some(&header)).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert_eq!(served.load(Ordering::SeqCst), 1);
}
