//! The HTTP service: every answer and error path with `oneshot`, then the real thing on a
//! loopback listener (proof verified by snarkjs, graceful shutdown).

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use common::{prover, snarkjs_verifies, valid_inputs, wasm_path, zkey_path};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;
use zk402_circuit::{Fr, PaymentInputs};
use zk402_prover::ProofJson;
use zk402_prover::prover::verify;
use zk402_prover::service::client::ApiKeyHash;
use zk402_prover::service::config::{ServiceConfig, ServiceSettings};
use zk402_prover::service::{Service, router};

fn config() -> ServiceConfig {
    let paths = ServiceSettings { zkey: Some(zkey_path()), wasm: Some(wasm_path()), ..ServiceSettings::default() };
    ServiceConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        workers: 1,
        queue_depth: 4,
        body_limit: 4096,
        rate: 1000.0,
        burst: 1000,
        max_clients: 100,
        cache_capacity: 16,
        retry_after: 2,
        ..paths.with_defaults().unwrap()
    }
}

fn ready(config: ServiceConfig) -> Arc<Service> {
    let service = Arc::new(Service::new(config));
    service.set_ready(prover());
    service
}

fn post(body: impl Into<Body>) -> Request<Body> {
    Request::post("/v1/proofs").header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap()
}

fn post_inputs(inputs: &PaymentInputs) -> Request<Body> {
    post(serde_json::to_string(inputs).unwrap())
}

async fn json(response: Response) -> Value {
    serde_json::from_slice(&to_bytes(response.into_body(), 1 << 20).await.unwrap()).unwrap()
}

async fn send(service: &Arc<Service>, request: Request<Body>) -> Response {
    router(service.clone()).oneshot(request).await.unwrap()
}

/// Sends a request and checks the status, the stable error code and (if given) the check.
async fn expect_error(
    service: &Arc<Service>,
    request: Request<Body>,
    status: StatusCode,
    code: &str,
    check: Option<&str>,
) {
    let response = send(service, request).await;
    assert_eq!(response.status(), status, "for {code}");
    let body = json(response).await;
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["check"].as_str(), check, "{body}");
}

#[tokio::test]
async fn proves_then_serves_the_same_proof_from_the_cache() {
    let service = ready(config());
    let inputs = valid_inputs();
    let first = send(&service, post_inputs(&inputs)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["x-cache"], "miss");
    let proof: ProofJson = serde_json::from_value(json(first).await).unwrap();
    assert!(verify(prover().key(), &proof.proof.to_ark().unwrap(), &inputs.public_signals()));
    assert!(snarkjs_verifies(&proof), "snarkjs rejected the service's proof");

    // A retry, spelled differently (keys reordered), gets the same proof back.
    let mut reordered: Vec<(String, Value)> =
        serde_json::from_value::<serde_json::Map<String, Value>>(serde_json::to_value(inputs).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    reordered.reverse();
    let body = Value::Object(reordered.into_iter().collect()).to_string();
    let again = send(&service, post(body)).await;
    assert_eq!(again.headers()["x-cache"], "hit");
    let cached: ProofJson = serde_json::from_value(json(again).await).unwrap();
    assert_eq!(cached, proof);

    let metrics = send(&service, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    let text = String::from_utf8(to_bytes(metrics.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    for line in [
        "zk402_prover_requests_total{outcome=\"proved\"} 1",
        "zk402_prover_requests_total{outcome=\"cached\"} 1",
        "zk402_prover_cache_hits_total 1",
        "zk402_prover_cache_misses_total 1",
        "zk402_prover_cache_entries 1",
        "zk402_prover_proof_duration_seconds_count 1",
        "zk402_prover_in_flight 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn every_bad_request_gets_its_code() {
    let service = ready(config());
    let valid = serde_json::to_value(valid_inputs()).unwrap();
    let with = |key: &str, value: Value| {
        let mut v = valid.clone();
        v[key] = value;
        post(v.to_string())
    };
    let bad = StatusCode::BAD_REQUEST;
    expect_error(&service, post("{\"now\": "), bad, "malformed_json", None).await;
    expect_error(&service, post("[]"), bad, "malformed_json", None).await;
    expect_error(&service, with("nonce", "1".into()), bad, "unknown_field", None).await;
    let mut missing = valid.clone();
    missing.as_object_mut().unwrap().remove("S");
    expect_error(&service, post(missing.to_string()), bad, "missing_field", None).await;
    expect_error(&service, with("S", 7.into()), bad, "not_a_field_element", None).await;
    let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    expect_error(&service, with("S", r.into()), bad, "not_a_field_element", None).await;
    expect_error(&service, with("now", "18446744073709551616".into()), bad, "out_of_range", Some("now")).await;
    expect_error(&service, with("price", "2000000".into()), bad, "statement_check_failed", Some("no_such_credit"))
        .await;
    expect_error(&service, with("nullifier", "5".into()), bad, "statement_check_failed", Some("nullifier_mismatch"))
        .await;
    let inputs = valid_inputs();
    let signature_check = PaymentInputs { S: inputs.S + Fr::from(1u64), ..inputs };
    expect_error(&service, post_inputs(&signature_check), bad, "statement_check_failed", Some("signature_invalid"))
        .await;
    let old = PaymentInputs { now: inputs.now + Fr::from(3_600u64), ..inputs };
    expect_error(&service, post_inputs(&old), bad, "statement_check_failed", Some("receipt_too_old")).await;

    let huge = format!("{{\"pad\": \"{}\"}}", "9".repeat(5000));
    expect_error(&service, post(huge), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None).await;
    let text = Request::post("/v1/proofs").header(header::CONTENT_TYPE, "text/plain").body(Body::from("{}")).unwrap();
    expect_error(&service, text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None).await;
}

#[tokio::test]
async fn not_ready_until_the_key_is_loaded() {
    let service = Arc::new(Service::new(config()));
    let health = send(&service, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = send(&service, post_inputs(&valid_inputs())).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    assert_eq!(json(response).await["error"]["code"], "not_ready");
    service.set_ready(prover());
    let health = send(&service, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(health.status(), StatusCode::OK);
    let health = json(health).await;
    assert_eq!(health["status"], "ready");
    assert_eq!(health["witness"], prover().witness_engine());
}

#[tokio::test]
async fn rate_limit_per_api_key_answers_429_with_retry_after() {
    let keys = vec![ApiKeyHash::of(b"alice"), ApiKeyHash::of(b"bob")];
    let service =
        ready(ServiceConfig { rate: 0.1, burst: 1, api_key_sha256: keys, allow_anonymous: false, ..config() });
    let bad_body = || Request::post("/v1/proofs").header(header::CONTENT_TYPE, "application/json");
    let first = send(&service, bad_body().header("x-api-key", "alice").body(Body::from("{")).unwrap()).await;
    assert_eq!(first.status(), StatusCode::BAD_REQUEST, "the first request passes the limiter");
    let second = send(&service, bad_body().header("x-api-key", "alice").body(Body::from("{")).unwrap()).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.headers()[header::RETRY_AFTER], "10");
    assert_eq!(json(second).await["error"]["code"], "rate_limited");
    let other = send(&service, bad_body().header("x-api-key", "bob").body(Body::from("{")).unwrap()).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST, "another key has its own bucket");
    assert_eq!(service.metrics.outcome_total(zk402_prover::service::metrics::Outcome::RateLimited), 1);
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    let service = ready(ServiceConfig { workers: 1, queue_depth: 0, cache_capacity: 0, ..config() });
    let requests: Vec<_> = (0..6u64)
        .map(|i| {
            let service = service.clone();
            let inputs = PaymentInputs { request_hash: Fr::from(i), ..valid_inputs() };
            tokio::spawn(async move { send(&service, post_inputs(&inputs)).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for request in requests {
        let response = request.await.unwrap();
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(response.headers()[header::RETRY_AFTER], "2");
            assert_eq!(json(response).await["error"]["code"], "overloaded");
            statuses.push(503);
        } else {
            assert_eq!(response.status(), StatusCode::OK);
            statuses.push(200);
        }
    }
    assert!(statuses.contains(&503), "one worker and no queue cannot take six proofs at once: {statuses:?}");
}

#[tokio::test]
async fn openapi_document_lists_the_routes_and_error_codes() {
    let service = ready(config());
    let response = send(&service, Request::get("/openapi.json").body(Body::empty()).unwrap()).await;
    let doc = json(response).await;
    for path in ["/v1/proofs", "/health", "/metrics"] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"].to_string();
    for code in [
        "malformed_json",
        "not_a_field_element",
        "out_of_range",
        "statement_check_failed",
        "api_key_required",
        "unknown_api_key",
        "rate_limited",
        "overloaded",
    ] {
        assert!(codes.contains(code), "{code} missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_listener_serves_and_shuts_down_gracefully() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zk402_prover::service::run(listener, config(), async {
        let _ = stopped.await;
    }));
    zk402_prover::load::wait_ready(addr).await.unwrap();
    let body = serde_json::to_string(&valid_inputs()).unwrap();
    let in_flight = tokio::spawn(async move { zk402_prover::load::post_proof(addr, &body).await });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    stop.send(()).unwrap();
    assert_eq!(in_flight.await.unwrap().unwrap(), 200, "the in-flight proof finished during shutdown");
    server.await.unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "the listener is closed");
}
