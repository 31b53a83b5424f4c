//! The issuer's HTTP API: `POST /v1/receipts` (an [`IssueRequest`] → a [`Receipt`]) and
//! `GET /v1/issuer` (its public key, mint, recipient, finality and the receipt memo format, for
//! payers to check a policy and build a payment).
//!
//! Errors are `{"error": {"code", "message"}}`: 400 `bad_request`; 404 `transaction_not_found`
//! (retry once the payment is final); 403 `commitment_mismatch` (the payment's memo names
//! another commitment); 422 with the refusal's code (`transaction_failed`, `no_receipt_memo`,
//! `several_receipt_memos`, `malformed_receipt_memo`, `not_a_payment`, `too_many_transfers`,
//! `amount_overflow`); 429 `rate_limited` with `Retry-After`; 503 `no_block_time` or
//! `unavailable`. Clients are rate-limited by peer address: serve the router with
//! `into_make_service_with_connect_info::<SocketAddr>()`, or every client shares one bucket.

use super::rate_limit::Client;
use super::{IssueError, Issuer, finality_name};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;
use zk402_chain::Chain;
use zk402_chain::memo::{COMMITMENT_MEMO_PREFIX, MEMO_PROGRAM_IDS};
use zk402_circuit::IssueRequest;
use zk402_circuit::field::fr_to_decimal;

/// The issuer routes, ready to merge into the merchant's app.
pub fn router<C: Chain + 'static>(issuer: Arc<Issuer<C>>) -> Router {
    Router::new().route("/v1/receipts", post(issue::<C>)).route("/v1/issuer", get(describe::<C>)).with_state(issuer)
}

async fn issue<C: Chain + 'static>(
    State(issuer): State<Arc<Issuer<C>>>,
    extensions: Extensions,
    request: Result<Json<IssueRequest>, JsonRejection>,
) -> Response {
    let client = Client::from_peer(extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip()));
    let result = match request {
        Ok(Json(request)) => issuer.issue(&request, client).await,
        Err(rejection) => Err(IssueError::BadRequest(rejection.body_text())),
    };
    match result {
        Ok(receipt) => Json(receipt).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn describe<C: Chain + 'static>(State(issuer): State<Arc<Issuer<C>>>) -> Response {
    let key = issuer.public_key();
    let config = issuer.config();
    Json(serde_json::json!({
        "issuer": { "Ax": fr_to_decimal(&key.x), "Ay": fr_to_decimal(&key.y) },
        "mint": config.mint.to_string(),
        "recipient": config.recipient.to_string(),
        "finality": finality_name(config.finality),
        "memo": {
            "programs": MEMO_PROGRAM_IDS.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "format": format!("{COMMITMENT_MEMO_PREFIX}<commitment: 32 bytes big-endian, 64 lowercase hex digits>"),
        },
    }))
    .into_response()
}

/// The error body with a status a client can act on.
fn error_response(error: &IssueError) -> Response {
    let (status, code) = match error {
        IssueError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        IssueError::NotFound(_) => (StatusCode::NOT_FOUND, "transaction_not_found"),
        IssueError::CommitmentMismatch => (StatusCode::FORBIDDEN, "commitment_mismatch"),
        IssueError::Transfer(refusal) if refusal.is_final() => (StatusCode::UNPROCESSABLE_ENTITY, refusal.code()),
        IssueError::Transfer(refusal) => (StatusCode::SERVICE_UNAVAILABLE, refusal.code()),
        IssueError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        IssueError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    };
    if status.is_server_error() {
        tracing::warn!(%error, "receipt not issued");
    }
    let body = serde_json::json!({ "error": { "code": code, "message": error.to_string() } });
    let mut response = (status, Json(body)).into_response();
    if let IssueError::RateLimited(wait) = error {
        let seconds = wait.as_secs().saturating_add(u64::from(wait.subsec_nanos() > 0)).max(1);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
