//! Serde adapter: a field element as its decimal string, the way circom inputs and snarkjs
//! signals are written. Use with `#[serde(with = "zk402_circuit::serde_fr")]`.

use crate::field::{Fr, fr_from_decimal, fr_to_decimal};
use serde::{Deserialize, Deserializer, Serializer, de::Error};

/// Writes the decimal string.
pub fn serialize<S: Serializer>(x: &Fr, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&fr_to_decimal(x))
}

/// Reads a canonical decimal string below r.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fr, D::Error> {
    let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    fr_from_decimal(&s).map_err(D::Error::custom)
}
