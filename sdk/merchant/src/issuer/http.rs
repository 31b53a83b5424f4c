//! The issuer's HTTP API: `POST /v1/receipts` (an [`IssueRequest`] → a [`Receipt`]) and
//! `GET /v1/issuer` (its public key, mint and recipient, for payers to check a policy).

use super::{IssueError, Issuer};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;
use zk402_chain::Chain;
use zk402_circuit::IssueRequest;
use zk402_circuit::field::fr_to_decimal;

/// The issuer routes, ready to merge into the merchant's app.
pub fn router<C: Chain + 'static>(issuer: Arc<Issuer<C>>) -> Router {
    Router::new().route("/v1/receipts", post(issue::<C>)).route("/v1/issuer", get(describe::<C>)).with_state(issuer)
}

async fn issue<C: Chain + 'static>(
    State(issuer): State<Arc<Issuer<C>>>,
    request: Result<Json<IssueRequest>, JsonRejection>,
) -> Response {
    let result = match request {
        Ok(Json(request)) => issuer.issue(&request).await,
        Err(rejection) => Err(IssueError::BadRequest(rejection.body_text())),
    };
    match result {
        Ok(receipt) => Json(receipt).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn describe<C: Chain + 'static>(State(issuer): State<Arc<Issuer<C>>>) -> Response {
    let key = issuer.public_key();
    Json(serde_json::json!({
        "issuer": { "Ax": fr_to_decimal(&key.x), "Ay": fr_to_decimal(&key.y) },
        "mint": issuer.config().mint.to_string(),
        "recipient": issuer.config().recipient.to_string(),
    }))
    .into_response()
}

/// `{"error": {"code", "message"}}` with a status a client can act on.
fn error_response(error: &IssueError) -> Response {
    let (status, code) = match error {
        IssueError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        IssueError::NotFound => (StatusCode::NOT_FOUND, "transaction_not_found"),
        IssueError::Transfer(_) => (StatusCode::UNPROCESSABLE_ENTITY, "not_a_payment"),
        IssueError::AlreadyIssued => (StatusCode::CONFLICT, "already_issued"),
        IssueError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    };
    if status.is_server_error() {
        tracing::warn!(%error, "receipt not issued");
    }
    let body = serde_json::json!({ "error": { "code": code, "message": error.to_string() } });
    (status, Json(body)).into_response()
}
