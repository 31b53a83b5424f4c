//! x402's facilitator API over real HTTP on loopback (reqwest against `api::router`), on an
//! in-process cluster with real proofs: `/supported`, `/verify` and `/settle` with the spec's
//! JSON names, 400 codes for bodies that are not zk402 requests, and `/metrics`; `/challenge`
//! for resource servers that rebuild their requirements per request (x402's SDKs), and the
//! proof made for another request that such a server's newer challenge exposes.

mod common;

use common::world::*;
use serde_json::{Value, json};
use solana_signer::Signer;
use std::sync::Arc;
use zk402_chain::program::payment_events;
use zk402_facilitator::Mode;
use zk402_facilitator::api::{FacilitatorRequest, router};
use zk402_facilitator::store::NullifierStore;
use zk402_x402::{SettlementResponse, X402_VERSION, hex};

/// A facilitator API served on loopback.
struct Served {
    world: World,
    facilitator: Arc<LocalFacilitator>,
    base: String,
    http: reqwest::Client,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// Serves a facilitator in `mode` (its settlement worker running) on a free loopback port.
async fn serve(mode: Mode) -> Served {
    let world = World::create().await;
    let facilitator = world.facilitator(mode);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(Arc::clone(&facilitator));
    let server = tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let tasks = vec![server, facilitator.spawn_worker()];
    Served { world, facilitator, base, http: reqwest::Client::new(), tasks }
}

impl Served {
    /// The request body paying with `payment`.
    fn body(&self, payment: &Payment) -> Value {
        let (payment_payload, payment_requirements) = self.world.pay(payment);
        let request = FacilitatorRequest { x402_version: X402_VERSION, payment_payload, payment_requirements };
        serde_json::to_value(request).unwrap()
    }

    /// POSTs `body` (raw bytes) to `path`: status and JSON answer.
    async fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post(path, serde_json::to_vec(body).unwrap()).await
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }
}

#[tokio::test]
async fn supported_lists_zk_groth16_on_its_network_with_the_fee_payer() {
    let s = serve(Mode::Deferred).await;
    let response = s.get("/supported").await;
    assert_eq!(response.status(), 200);
    let network = s.world.network.as_str();
    let expected = json!({
        "kinds": [{
            "x402Version": 2,
            "scheme": "zk-groth16",
            "network": network,
            "extra": {"verifierProgram": zk402_chain::program::PROGRAM_ID.to_string()},
        }],
        "extensions": [],
        "signers": {network: [s.world.fee_payer.pubkey().to_string()]},
    });
    assert_eq!(response.json::<Value>().await.unwrap(), expected);
}

#[tokio::test]
async fn verify_answers_valid_then_invalid_with_the_reason() {
    let s = serve(Mode::Deferred).await;
    let paid = payment(0);
    let nullifier = hex::encode32(&paid.zk.nullifier);
    let body = s.body(&paid);
    assert_eq!(s.post_json("/verify", &body).await, (200, json!({"isValid": true, "payer": nullifier})));
    let replay = json!({"isValid": false, "invalidReason": "nullifier_reserved", "payer": nullifier});
    assert_eq!(s.post_json("/verify", &body).await, (200, replay));
    let mut tampered = s.body(&payment(1));
    tampered["paymentPayload"]["payload"]["now"] = json!(paid.zk.now + 1);
    let (status, answer) = s.post_json("/verify", &tampered).await;
    assert_eq!((status, &answer["isValid"], &answer["invalidReason"]), (200, &json!(false), &json!("proof_invalid")));
}

#[tokio::test]
async fn settle_returns_the_transaction_network_and_the_nullifier_as_payer() {
    let s = serve(Mode::Confirm).await;
    let paid = payment(0);
    let (status, answer) = s.post_json("/settle", &s.body(&paid)).await;
    assert_eq!(status, 200, "{answer}");
    let settlement: SettlementResponse = serde_json::from_value(answer.clone()).unwrap();
    assert!(settlement.success, "{answer}");
    assert_eq!(settlement.error_reason, None);
    assert_eq!(settlement.network, s.world.network);
    assert_eq!(settlement.payer, Some(hex::encode32(&paid.zk.nullifier)), "the payer is its credit's nullifier");
    assert!(!answer.to_string().contains(&payer().pubkey().to_string()), "never the payer's key");
    let tx = s.world.chain.ledger().unwrap().into_iter().find(|tx| tx.signature.to_string() == settlement.transaction);
    let tx = tx.expect("the transaction is on the ledger");
    assert_eq!(payment_events(&tx.logs)[0].nullifier, paid.zk.nullifier);
}

#[tokio::test]
async fn settle_refuses_an_invalid_payment_with_its_reason() {
    let s = serve(Mode::Confirm).await;
    let mut body = s.body(&payment(0));
    body["paymentPayload"]["payload"]["nullifier"] = json!(hex::encode32(&[7; 32]));
    let (status, answer) = s.post_json("/settle", &body).await;
    assert_eq!(status, 200);
    assert_eq!((&answer["success"], &answer["errorReason"]), (&json!(false), &json!("proof_invalid")), "{answer}");
    assert_eq!(answer["transaction"], "");
}

/// POSTs the honest request for credit 0 changed by `change` to `/verify` and `/settle`: both
/// answer 400 with `code`.
async fn bad_request(code: &str, change: impl Fn(&mut Value)) {
    let s = serve(Mode::Deferred).await;
    let mut body = s.body(&payment(0));
    change(&mut body);
    for path in ["/verify", "/settle"] {
        let (status, answer) = s.post_json(path, &body).await;
        assert_eq!((status, &answer["error"]), (400, &json!(code)), "{path}: {answer}");
    }
    assert_eq!(s.facilitator.store().state(&payment(0).zk.nullifier).await.unwrap(), None, "nothing reserved");
}

#[tokio::test]
async fn malformed_json_is_400_invalid_json() {
    let s = serve(Mode::Deferred).await;
    let (status, answer) = s.post("/verify", "{\"x402Version\": 2,").await;
    assert_eq!((status, &answer["error"]), (400, &json!("invalid_json")), "{answer}");
}

#[tokio::test]
async fn x402_version_1_is_400_unsupported_version() {
    bad_request("unsupported_version", |body| body["x402Version"] = json!(1)).await;
}

#[tokio::test]
async fn scheme_exact_is_400_unsupported_scheme() {
    bad_request("unsupported_scheme", |body| {
        body["paymentPayload"]["accepted"]["scheme"] = json!("exact");
        body["paymentRequirements"]["scheme"] = json!("exact");
    })
    .await;
}

#[tokio::test]
async fn an_evm_network_is_400_unsupported_network() {
    bad_request("unsupported_network", |body| {
        body["paymentPayload"]["accepted"]["network"] = json!("eip155:8453");
        body["paymentRequirements"]["network"] = json!("eip155:8453");
    })
    .await;
    bad_request("unsupported_network", |body| body["paymentRequirements"]["network"] = json!("eip155:8453")).await;
}

#[tokio::test]
async fn metrics_name_the_facilitator_series() {
    let s = serve(Mode::Deferred).await;
    let (status, _) = s.post_json("/verify", &s.body(&payment(0))).await;
    assert_eq!(status, 200);
    let response = s.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.text().await.unwrap();
    for series in [
        "zk402_facilitator_verifications_total{result=\"valid\"} 1",
        "zk402_facilitator_verifications_total{result=\"nullifier_reserved\"} 0",
        "zk402_facilitator_settlement_queue_depth{state=\"queued\"}",
        "zk402_facilitator_settlement_batch_size_count",
        "zk402_facilitator_settlement_seconds_count",
        "zk402_facilitator_settled_total",
        "zk402_facilitator_settlement_retries_total",
        "zk402_facilitator_settlement_failures_total{reason=\"deadline_passed\"}",
    ] {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"));
}

impl Served {
    /// `POST /challenge` for `method url` under the world's policy.
    async fn challenge(&self, method: &str, url: &str) -> (u16, Value) {
        self.post_json("/challenge", &json!({"policy": policy().to_string(), "method": method, "url": url})).await
    }
}

#[tokio::test]
async fn challenge_mints_for_a_served_policy_and_refuses_anything_else() {
    let s = serve(Mode::Deferred).await;
    let (status, answer) = s.challenge("GET", URL).await;
    assert_eq!(status, 200, "{answer}");
    let info: zk402_x402::ChallengeInfo = serde_json::from_value(answer).unwrap();
    assert_eq!(info.method, "GET");
    let now = zk402_facilitator::unix_now();
    zk402_facilitator::challenge::check(challenge_key(), &info, &policy().to_bytes(), URL, now).expect("authentic");
    assert_eq!(info.expires_at, now + 120, "the configured lifetime");

    let other_policy = solana_keypair::Keypair::new().pubkey().to_string();
    let cases = [
        (json!({"policy": other_policy, "method": "GET", "url": URL}), "unknown_policy"),
        (json!({"policy": "not-an-address", "method": "GET", "url": URL}), "unknown_policy"),
        (json!({"policy": policy().to_string(), "method": "get", "url": URL}), "invalid_method"),
        (json!({"policy": policy().to_string(), "method": "", "url": URL}), "invalid_method"),
        (json!({"policy": policy().to_string(), "method": "GET", "url": "/v1/weather"}), "invalid_url"),
        (json!({"policy": policy().to_string(), "method": "GET", "url": "ftp://api.example.com/x"}), "invalid_url"),
        (json!({"policy": policy().to_string(), "method": "GET", "url": URL, "extra": 1}), "invalid_request"),
        (json!({"policy": policy().to_string(), "method": "GET"}), "invalid_request"),
    ];
    for (body, code) in cases {
        let (status, answer) = s.post_json("/challenge", &body).await;
        assert_eq!((status, &answer["error"]), (400, &json!(code)), "{body}: {answer}");
    }
}

/// An x402 SDK server rebuilds its requirements for every request, with a challenge it just had
/// minted for that request: the payment made for the same method and URL verifies.
#[tokio::test]
async fn a_newer_challenge_for_the_same_request_verifies() {
    let s = serve(Mode::Deferred).await;
    let mut body = s.body(&payment(0));
    let (_, fresh) = s.challenge("GET", URL).await;
    assert_ne!(fresh, body["paymentRequirements"]["extra"]["challenge"]);
    body["paymentRequirements"]["extra"]["challenge"] = fresh;
    let (status, answer) = s.post_json("/verify", &body).await;
    assert_eq!((status, &answer["isValid"]), (200, &json!(true)), "{answer}");
}

/// The attack: a proof made (and paid) for one resource, presented to a server holding a
/// request for another resource or method, or with a challenge nobody minted: refused.
#[tokio::test]
async fn a_proof_made_for_another_request_is_request_mismatch() {
    let s = serve(Mode::Deferred).await;
    let (_, other_resource) = s.challenge("GET", "https://api.example.com/v1/forecast").await;
    let (_, other_method) = s.challenge("POST", URL).await;
    let (_, mut forged) = s.challenge("GET", URL).await;
    forged["mac"] = json!(hex::encode32(&[1; 32]));
    for held in [other_resource, other_method, forged] {
        let mut body = s.body(&payment(0));
        body["paymentRequirements"]["extra"]["challenge"] = held.clone();
        for path in ["/verify", "/settle"] {
            let (status, answer) = s.post_json(path, &body).await;
            let reason = answer.get("invalidReason").or(answer.get("errorReason"));
            assert_eq!((status, reason), (200, Some(&json!("request_mismatch"))), "{path} {held}: {answer}");
        }
    }
    let (status, answer) = s.post_json("/verify", &s.body(&payment(0))).await;
    assert_eq!((status, &answer["isValid"]), (200, &json!(true)), "nothing was reserved: {answer}");
}

/// The attack on a resource server that calls `/settle` without `/verify` first: the holder of a
/// credit already reserved for one request presents a valid proof of that same credit for another
/// request. It is refused as at `/verify`, before and after the first request settles, and the
/// first request's settlement still answers its retries.
#[tokio::test]
async fn settle_refuses_a_second_request_spending_a_reserved_credit() {
    let s = serve(Mode::Deferred).await;
    let (first, second) = (s.body(&payment(0)), s.body(&respend()));
    let (status, answer) = s.post_json("/verify", &first).await;
    assert_eq!((status, &answer["isValid"]), (200, &json!(true)), "{answer}");
    let refused = |answer: &Value| answer["success"] == json!(false) && answer["errorReason"] == "nullifier_reserved";
    let (status, answer) = s.post_json("/settle", &second).await;
    assert!(status == 200 && refused(&answer), "while reserved: {answer}");
    for attempt in ["settle", "retry"] {
        let (status, answer) = s.post_json("/settle", &first).await;
        assert_eq!((status, &answer["success"]), (200, &json!(true)), "{attempt}: {answer}");
    }
    let (status, answer) = s.post_json("/settle", &second).await;
    assert!(status == 200 && refused(&answer), "once queued: {answer}");
}
