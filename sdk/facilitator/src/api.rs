//! x402 v2's facilitator API over HTTP (axum), with the spec's JSON names:
//!
//! ```text
//! GET  /supported → {kinds: [{x402Version, scheme, network, extra: {verifierProgram}}],
//!                    extensions: [], signers}
//! POST /verify    {x402Version, paymentPayload, paymentRequirements}
//!                 → 200 {isValid, invalidReason?, payer?}
//! POST /settle    (same body) → 200 {success, errorReason?, payer?, transaction, network}
//! POST /challenge {policy, method, url} → 200 ChallengeInfo (the scheme's `extra.challenge`)
//! GET  /metrics   → Prometheus text format
//! ```
//!
//! `/challenge` is the `zk-groth16` scheme's addition, for resource servers that do not hold
//! the challenge key (an x402 SDK server's scheme registration asks it once per 402, for the
//! method and URL it answers). A challenge is no secret — every 402 hands one out — and one
//! minted for a URL the merchant does not serve pays for nothing: `/verify` and `/settle` bind
//! the proof's challenge to the payload's resource URL, and a resource server's newer challenge
//! to that same URL and method. Each call tells the facilitator a URL some client asked for
//! (query string included): run it where the merchant may see its request log.
//!
//! A body that is not such a request (bad JSON, another version, scheme or network) is 400
//! `{error, message}`; a chain or store outage is 503: fail closed. `payer` is the credit's
//! nullifier (hex) — zk402 never learns who pays. In `deferred` mode a successful settlement
//! names no transaction yet (`transaction: ""`).

use crate::settle::SettleError;
use crate::store::NullifierStore;
use crate::verify::VerifyError;
use crate::{Facilitator, Mode};
use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use solana_signer::Signer;
use std::str::FromStr;
use std::sync::Arc;
use zk402_chain::Chain;
use zk402_chain::program::PROGRAM_ID;
use zk402_x402::{
    HeaderError, HeaderMessage, PaymentPayload, PaymentRequirements, Scheme, SettlementResponse, X402_VERSION, hex,
};

/// `POST /verify` and `POST /settle` bodies.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilitatorRequest {
    /// Protocol version (2).
    pub x402_version: u64,
    /// The client's payment (the decoded `PAYMENT-SIGNATURE`).
    pub payment_payload: PaymentPayload,
    /// The requirements the resource server holds the payment to.
    pub payment_requirements: PaymentRequirements,
}

/// `POST /verify` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResponse {
    /// Whether the payment is valid (and its credit now reserved).
    pub is_valid: bool,
    /// Why not (an [`Invalid`](crate::Invalid) code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// The credit's nullifier (hex): never a payer identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
}

/// The router serving `facilitator`.
pub fn router<C: Chain + 'static, S: NullifierStore>(facilitator: Arc<Facilitator<C, S>>) -> Router {
    Router::new()
        .route("/supported", get(supported::<C, S>))
        .route("/verify", post(verify::<C, S>))
        .route("/settle", post(settle::<C, S>))
        .route("/challenge", post(challenge::<C, S>))
        .route("/metrics", get(metrics::<C, S>))
        .with_state(facilitator)
}

async fn supported<C: Chain + 'static, S: NullifierStore>(State(f): State<Arc<Facilitator<C, S>>>) -> Json<Value> {
    Json(json!({
        "kinds": [{
            "x402Version": X402_VERSION,
            "scheme": Scheme::ZkGroth16.as_str(),
            "network": f.config.network.as_str(),
            "extra": { "verifierProgram": PROGRAM_ID.to_string() },
        }],
        "extensions": [],
        "signers": { f.config.network.as_str(): [f.fee_payer.pubkey().to_string()] },
    }))
}

async fn verify<C: Chain + 'static, S: NullifierStore>(
    State(f): State<Arc<Facilitator<C, S>>>,
    body: axum::body::Bytes,
) -> Response {
    let request = match decode(&body) {
        Ok(request) => request,
        Err(bad) => return bad.into_response(),
    };
    let payer = Some(hex::encode32(&request.payment_payload.payload.nullifier));
    match f.verify(&request.payment_payload, &request.payment_requirements).await {
        Ok(_) => Json(VerifyResponse { is_valid: true, invalid_reason: None, payer }).into_response(),
        Err(VerifyError::Invalid(invalid)) => {
            Json(VerifyResponse { is_valid: false, invalid_reason: Some(invalid.code().into()), payer }).into_response()
        }
        Err(e) => unavailable(&e.to_string()),
    }
}

async fn settle<C: Chain + 'static, S: NullifierStore>(
    State(f): State<Arc<Facilitator<C, S>>>,
    body: axum::body::Bytes,
) -> Response {
    let request = match decode(&body) {
        Ok(request) => request,
        Err(bad) => return bad.into_response(),
    };
    let payer = Some(hex::encode32(&request.payment_payload.payload.nullifier));
    let network = f.config.network.clone();
    let answer = |success: bool, error_reason: Option<String>, transaction: String| {
        Json(SettlementResponse { success, error_reason, payer: payer.clone(), transaction, network: network.clone() })
            .into_response()
    };
    match f.settle(&request.payment_payload, &request.payment_requirements).await {
        Ok(transaction) => answer(true, None, transaction.unwrap_or_default()),
        Err(SettleError::Verify(VerifyError::Invalid(invalid))) => {
            answer(false, Some(invalid.code().into()), String::new())
        }
        Err(SettleError::Failed(reason)) => answer(false, Some(reason), String::new()),
        Err(SettleError::Timeout) if f.config.mode == Mode::Confirm => {
            answer(false, Some("settlement_timeout".into()), String::new())
        }
        Err(e) => unavailable(&e.to_string()),
    }
}

/// `POST /challenge` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The policy (base58) the resource is paid under; one this facilitator serves.
    pub policy: String,
    /// The request's HTTP method.
    pub method: String,
    /// The request's absolute URL, as the 402's `resource.url` states it.
    pub url: String,
}

/// The longest method name a challenge is minted for.
const MAX_METHOD: usize = 16;
/// The longest URL a challenge is minted for.
const MAX_URL: usize = 2048;

async fn challenge<C: Chain + 'static, S: NullifierStore>(
    State(f): State<Arc<Facilitator<C, S>>>,
    body: axum::body::Bytes,
) -> Response {
    let request: ChallengeRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return BadRequest::new("invalid_request", e).into_response(),
    };
    let policy = match Pubkey::from_str(&request.policy) {
        Ok(policy) if f.config.policies.contains(&policy) => policy,
        _ => return BadRequest::new("unknown_policy", "the policy is not served by this facilitator").into_response(),
    };
    let method_ok = !request.method.is_empty()
        && request.method.len() <= MAX_METHOD
        && request.method.bytes().all(|b| b.is_ascii_uppercase());
    if !method_ok {
        return BadRequest::new("invalid_method", "method must be an HTTP method in capitals").into_response();
    }
    let url_ok = request.url.len() <= MAX_URL
        && url::Url::parse(&request.url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
    if !url_ok {
        return BadRequest::new("invalid_url", "url must be an absolute http(s) URL").into_response();
    }
    let key = &f.config.challenge_key;
    let ttl = f.config.challenge_ttl_secs;
    match crate::challenge::mint(key, &policy.to_bytes(), &request.method, &request.url, crate::unix_now(), ttl) {
        Ok(info) => Json(info).into_response(),
        Err(e) => unavailable(&e.to_string()),
    }
}

async fn metrics<C: Chain + 'static, S: NullifierStore>(State(f): State<Arc<Facilitator<C, S>>>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        f.metrics.render(),
    )
        .into_response()
}

/// A request body that is not a facilitator request: answered 400 `{error, message}`.
#[derive(Debug)]
struct BadRequest {
    code: &'static str,
    message: String,
}

impl BadRequest {
    fn new(code: &'static str, message: impl ToString) -> BadRequest {
        BadRequest { code, message: message.to_string() }
    }
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({"error": self.code, "message": self.message}))).into_response()
    }
}

/// Decodes a request body, with the header decoder's envelope checks on the payload (so an
/// unsupported version, scheme or network has its own code).
fn decode(body: &[u8]) -> Result<FacilitatorRequest, BadRequest> {
    let json: Value = serde_json::from_slice(body).map_err(|e| BadRequest::new("invalid_json", e))?;
    if json.get("x402Version").and_then(Value::as_u64) != Some(X402_VERSION) {
        return Err(BadRequest::new("unsupported_version", "x402Version must be 2"));
    }
    for (field, check) in [
        ("paymentPayload", PaymentPayload::check_envelope as fn(&Value) -> Result<(), HeaderError>),
        ("paymentRequirements", check_requirements),
    ] {
        let part = json.get(field).ok_or_else(|| BadRequest::new("invalid_request", format!("{field} is required")))?;
        check(part).map_err(|e| BadRequest::new(e.code(), e))?;
    }
    serde_json::from_value(json).map_err(|e| BadRequest::new("invalid_request", e))
}

/// Requirements are checked as a payload's `accepted` entry is.
fn check_requirements(requirements: &Value) -> Result<(), HeaderError> {
    PaymentPayload::check_envelope(&json!({"x402Version": X402_VERSION, "accepted": requirements}))
}

fn unavailable(message: &str) -> Response {
    tracing::warn!(error = message, "facilitator unavailable");
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "facilitator_unavailable", "message": message})))
        .into_response()
}
