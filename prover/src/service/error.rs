//! The service's error responses: an HTTP status, a stable machine-readable `code` (clients
//! match on it; codes are never reused for another meaning) and a human message, as
//! `{"error": {"code", "message", "check"?}}`.

use crate::prover::ProveError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zk402_circuit::{SignatureError, StatementError};

/// An error answer of the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `statement_check_failed`.
    pub code: &'static str,
    /// Human-readable detail (never internal state).
    pub message: String,
    /// For `statement_check_failed` and `out_of_range`: which check failed.
    pub check: Option<&'static str>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
    /// For 401: the header that carries the API key, named in `WWW-Authenticate`.
    pub key_header: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a str>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), check: None, retry_after: None, key_header: None }
    }

    /// 400 `malformed_json`: the body is not JSON (or not an object).
    pub fn malformed_json(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }

    /// 400 `unknown_field`: a key that is not an input signal of the circuit.
    pub fn unknown_field(name: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "unknown_field", format!("{name:?} is not an input of the circuit"))
    }

    /// 400 `missing_field`: an input signal is absent.
    pub fn missing_field(name: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "missing_field", format!("input {name:?} is missing"))
    }

    /// 400 `not_a_field_element`: a value is not a canonical decimal string below r.
    pub fn not_a_field_element(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "not_a_field_element", format!("{name}: {why}"))
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("body exceeds {limit} bytes"))
    }

    /// 415 `unsupported_media_type`: the body is not declared `application/json`.
    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type: application/json",
        )
    }

    /// 401 `api_key_required`: the request names no API key and anonymous access is off.
    pub fn api_key_required(header: &str) -> ApiError {
        ApiError {
            key_header: Some(header.to_owned()),
            ..ApiError::new(StatusCode::UNAUTHORIZED, "api_key_required", format!("send an API key in {header}"))
        }
    }

    /// 401 `unknown_api_key`: the API key is not one of the configured keys (it is not echoed).
    pub fn unknown_api_key(header: &str) -> ApiError {
        ApiError {
            key_header: Some(header.to_owned()),
            ..ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_api_key",
                format!("the {header} value is not a known key"),
            )
        }
    }

    /// 429 `rate_limited`, with the seconds until a token is available.
    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests from this client")
        }
    }

    /// 503 `overloaded`: the proving queue is full.
    pub fn overloaded(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "the proving queue is full")
        }
    }

    /// 503 `not_ready`: the proving key is still loading, or the service is shutting down.
    pub fn not_ready(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "the prover is not ready")
        }
    }

    /// 500 `internal`: details go to the log, not to the client.
    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }

    /// The answer for a failed proof. Caller faults are 400 and name the failed check;
    /// everything else is logged and answered 500.
    pub fn from_prove_error(err: &ProveError) -> ApiError {
        match err {
            ProveError::Statement(StatementError::OutOfRange(name)) => ApiError {
                check: Some(name),
                ..ApiError::new(StatusCode::BAD_REQUEST, "out_of_range", err.to_string())
            },
            ProveError::Statement(e) => ApiError {
                check: Some(check_name(e)),
                ..ApiError::new(StatusCode::BAD_REQUEST, "statement_check_failed", err.to_string())
            },
            ProveError::Witness(e) => ApiError::new(StatusCode::BAD_REQUEST, "witness_failed", e.to_string()),
            _ => {
                tracing::error!(error = %err, "proof failed");
                ApiError::internal()
            }
        }
    }
}

/// Stable name of the statement check that failed.
pub fn check_name(err: &StatementError) -> &'static str {
    match err {
        StatementError::OutOfRange(_) => "range",
        StatementError::NoSuchCredit => "no_such_credit",
        StatementError::PaidInFuture => "paid_in_future",
        StatementError::ReceiptTooOld => "receipt_too_old",
        StatementError::PolicyHashMismatch => "policy_hash_mismatch",
        StatementError::BadSignature(SignatureError::KeyNotOnCurve) => "issuer_key_not_on_curve",
        StatementError::BadSignature(SignatureError::KeyOfSmallOrder) => "issuer_key_small_order",
        StatementError::BadSignature(SignatureError::R8NotOnCurve) => "signature_r8_not_on_curve",
        StatementError::BadSignature(SignatureError::SNotCanonical) => "signature_s_not_canonical",
        StatementError::BadSignature(SignatureError::Invalid) => "signature_invalid",
        StatementError::NullifierMismatch => "nullifier_mismatch",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: Detail { code: self.code, message: &self.message, check: self.check } };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        let challenge =
            self.key_header.and_then(|name| HeaderValue::try_from(format!("ApiKey header=\"{name}\"")).ok());
        if let Some(challenge) = challenge {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}
