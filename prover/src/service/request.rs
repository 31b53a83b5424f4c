//! `POST /v1/proofs` body: a JSON object with exactly the circuit's sixteen input signals,
//! each a canonical decimal string below r. Parsed field by field so the error names the
//! offending input; the cache key is derived from the parsed values, not the raw bytes.

use super::error::ApiError;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zk402_circuit::field::{fr_from_decimal, fr_to_be_bytes};
use zk402_circuit::{INPUT_NAMES, PaymentInputs};

/// Domain tag of the cache key hash.
const CACHE_KEY_TAG: &[u8] = b"zk402-prover/v1/proof-request";

/// Parses and validates a request body.
pub fn parse_inputs(body: &[u8]) -> Result<PaymentInputs, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::malformed_json(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(ApiError::malformed_json("the body must be a JSON object of input signals"));
    };
    if let Some(unknown) = map.keys().find(|k| !INPUT_NAMES.contains(&k.as_str())) {
        return Err(ApiError::unknown_field(unknown));
    }
    let mut parsed = Map::new();
    for name in INPUT_NAMES {
        let value = map.get(name).ok_or_else(|| ApiError::missing_field(name))?;
        let Value::String(text) = value else {
            return Err(ApiError::not_a_field_element(name, "expected a decimal string"));
        };
        fr_from_decimal(text).map_err(|e| ApiError::not_a_field_element(name, e))?;
        parsed.insert(name.to_owned(), value.clone());
    }
    serde_json::from_value(Value::Object(parsed)).map_err(|e| {
        tracing::error!(error = %e, "validated inputs did not deserialize");
        ApiError::internal()
    })
}

/// SHA-256 over a tag and the sixteen values (32 bytes big-endian each, declaration order):
/// equal requests get equal keys whatever their JSON spelling. The cache stores only this
/// hash, never the inputs.
pub fn cache_key(inputs: &PaymentInputs) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(CACHE_KEY_TAG);
    for (_, value) in inputs.signals() {
        hasher.update(fr_to_be_bytes(&value));
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk402_circuit::Fr;

    fn zero_inputs() -> PaymentInputs {
        let z = Fr::from(0u64);
        PaymentInputs {
            policy_hash: z,
            now: z,
            nullifier: z,
            request_hash: z,
            price: z,
            recipient_hi: z,
            recipient_lo: z,
            max_age: z,
            issuer_Ax: z,
            issuer_Ay: z,
            amount: z,
            paid_at: z,
            secret: z,
            R8x: z,
            R8y: z,
            S: z,
            index: z,
        }
    }

    fn body() -> Value {
        serde_json::to_value(zero_inputs()).unwrap()
    }

    fn code(v: &Value) -> &'static str {
        parse_inputs(v.to_string().as_bytes()).unwrap_err().code
    }

    #[test]
    fn parses_every_signal_and_names_bad_ones() {
        assert_eq!(parse_inputs(body().to_string().as_bytes()).unwrap(), zero_inputs());
        assert_eq!(parse_inputs(b"{\"now\":").unwrap_err().code, "malformed_json");
        assert_eq!(parse_inputs(b"[1]").unwrap_err().code, "malformed_json");
        let mut v = body();
        v["extra"] = "1".into();
        assert_eq!(code(&v), "unknown_field");
        let mut v = body();
        v.as_object_mut().unwrap().remove("secret");
        assert_eq!(code(&v), "missing_field");
        for bad in [Value::from(5), Value::from("-1"), Value::from("0x1"), Value::from("01")] {
            let mut v = body();
            v["amount"] = bad;
            let err = parse_inputs(v.to_string().as_bytes()).unwrap_err();
            assert_eq!((err.code, err.message.starts_with("amount")), ("not_a_field_element", true));
        }
        let mut v = body();
        v["S"] = "21888242871839275222246405745257275088548364400416034343698204186575808495617".into();
        assert_eq!(code(&v), "not_a_field_element");
    }

    #[test]
    fn cache_key_depends_on_every_value() {
        let base = cache_key(&zero_inputs());
        let mut other = zero_inputs();
        other.secret = Fr::from(1u64);
        assert_ne!(cache_key(&other), base);
        assert_eq!(cache_key(&zero_inputs()), base);
    }
}
