//! The gate's own answers: 402 (payment required or refused), 400 (malformed header) and 503
//! (store or chain unavailable), each with a JSON body.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::json;
use zk402_x402::{PaymentRequired, SettlementResponse, encode_header};

/// `PAYMENT-REQUIRED` (HTTP header names are case-insensitive; `http` keeps them lowercase).
pub const PAYMENT_REQUIRED: HeaderName = HeaderName::from_static("payment-required");
/// `PAYMENT-SIGNATURE`.
pub const PAYMENT_SIGNATURE: HeaderName = HeaderName::from_static("payment-signature");
/// `PAYMENT-RESPONSE`.
pub const PAYMENT_RESPONSE: HeaderName = HeaderName::from_static("payment-response");

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECS: u32 = 5;

/// A header value from base64 text (always visible ASCII).
fn header_value(encoded: String) -> HeaderValue {
    HeaderValue::try_from(encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// 402 with the `PAYMENT-REQUIRED` header and the same message as the body; after a refused
/// payment also a failed `PAYMENT-RESPONSE`.
pub fn payment_required(required: &PaymentRequired, failed: Option<&SettlementResponse>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(PAYMENT_REQUIRED, header_value(encode_header(required)));
    if let Some(settlement) = failed {
        headers.insert(PAYMENT_RESPONSE, header_value(encode_header(settlement)));
    }
    (StatusCode::PAYMENT_REQUIRED, headers, Json(required)).into_response()
}

/// Adds a successful `PAYMENT-RESPONSE` to the protected service's answer.
pub fn add_settlement(response: &mut Response, settlement: &SettlementResponse) {
    response.headers_mut().insert(PAYMENT_RESPONSE, header_value(encode_header(settlement)));
}

/// 400 for a malformed `PAYMENT-SIGNATURE`.
pub fn bad_request(code: &str, message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": code, "message": message }))).into_response()
}

/// 503: the gate cannot check payments right now, so it serves nothing.
pub fn unavailable(code: &str, message: &str) -> Response {
    let headers = [(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS))];
    (StatusCode::SERVICE_UNAVAILABLE, headers, Json(json!({ "error": code, "message": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_match_the_spec() {
        assert!(PAYMENT_REQUIRED.as_str().eq_ignore_ascii_case(zk402_x402::PAYMENT_REQUIRED));
        assert!(PAYMENT_SIGNATURE.as_str().eq_ignore_ascii_case(zk402_x402::PAYMENT_SIGNATURE));
        assert!(PAYMENT_RESPONSE.as_str().eq_ignore_ascii_case(zk402_x402::PAYMENT_RESPONSE));
    }
}
