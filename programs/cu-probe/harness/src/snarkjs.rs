//! snarkjs's JSON shapes (`verification_key.json`, `proof.json`, `public.json`) to and from the
//! fixture, so a fixture can come from the ceremony's exported key and the prover's proofs, and
//! a generated fixture can be checked with `snarkjs groth16 verify`.
//!
//! snarkjs writes affine points as decimal strings with a projective 1 (`[x, y, "1"]`), G2
//! coordinates as `[c0, c1]`, and A as is (the fixture stores −A).

use crate::fixture::{Fixture, FixtureError};
use ark_bn254::Fq;
use ark_ff::{BigInteger, PrimeField};
use serde_json::{Value, json};
use std::str::FromStr;
use zk402_verifier_core::VerifyingKey;
use zk402_verifier_core::encoding::{Proof, negate_g1};

/// Why snarkjs JSON does not convert.
#[derive(Debug, thiserror::Error)]
pub enum SnarkjsError {
    /// A field is missing or not the expected shape.
    #[error("snarkjs JSON: {0} is missing or malformed")]
    Shape(&'static str),
    /// A coordinate or signal is not a canonical decimal below its modulus.
    #[error("snarkjs JSON: {0} is not a canonical field element")]
    Field(&'static str),
    /// The converted parts do not form a valid fixture.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
}

fn dec(bytes: &[u8]) -> String {
    Fq::from_be_bytes_mod_order(bytes).into_bigint().to_string()
}

fn be(field: &'static str, v: &Value) -> Result<[u8; 32], SnarkjsError> {
    let s = v.as_str().ok_or(SnarkjsError::Shape(field))?;
    let x = Fq::from_str(s).map_err(|_| SnarkjsError::Field(field))?;
    let bytes: [u8; 32] = x.into_bigint().to_bytes_be().try_into().map_err(|_| SnarkjsError::Field(field))?;
    // Non-canonical decimals (≥ q, leading zeros, signs) would not print back the same.
    if dec(&bytes) != s {
        return Err(SnarkjsError::Field(field));
    }
    Ok(bytes)
}

fn g1_json(p: &[u8; 64]) -> Value {
    json!([dec(&p[..32]), dec(&p[32..]), "1"])
}

fn g2_json(p: &[u8; 128]) -> Value {
    // Syscall order x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0; snarkjs [[x.c0, x.c1], [y.c0, y.c1], [1, 0]].
    json!([[dec(&p[32..64]), dec(&p[..32])], [dec(&p[96..]), dec(&p[64..96])], ["1", "0"]])
}

fn g1_from(field: &'static str, v: &Value) -> Result<[u8; 64], SnarkjsError> {
    let c = |i: usize| v.get(i).ok_or(SnarkjsError::Shape(field));
    if c(2)?.as_str() != Some("1") {
        return Err(SnarkjsError::Shape(field));
    }
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&be(field, c(0)?)?);
    out[32..].copy_from_slice(&be(field, c(1)?)?);
    Ok(out)
}

fn g2_from(field: &'static str, v: &Value) -> Result<[u8; 128], SnarkjsError> {
    let c = |i: usize, j: usize| v.get(i).and_then(|x| x.get(j)).ok_or(SnarkjsError::Shape(field));
    if c(2, 0)?.as_str() != Some("1") || c(2, 1)?.as_str() != Some("0") {
        return Err(SnarkjsError::Shape(field));
    }
    let mut out = [0u8; 128];
    for (k, (i, j)) in [(0, 1), (0, 0), (1, 1), (1, 0)].into_iter().enumerate() {
        out[32 * k..32 * (k + 1)].copy_from_slice(&be(field, c(i, j)?)?);
    }
    Ok(out)
}

/// The fixture's key as snarkjs `verification_key.json`.
pub fn vk_json(f: &Fixture) -> Value {
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": f.ic.len() - 1,
        "vk_alpha_1": g1_json(&f.alpha),
        "vk_beta_2": g2_json(&f.beta),
        "vk_gamma_2": g2_json(&f.gamma),
        "vk_delta_2": g2_json(&f.delta),
        "IC": f.ic.iter().map(g1_json).collect::<Vec<_>>(),
    })
}

/// Proof `i` as snarkjs `proof.json` and `public.json` (every public signal, folded ones first).
pub fn proof_json(f: &Fixture, i: usize) -> Option<(Value, Value)> {
    let (proof, inputs) = f.proofs.get(i)?;
    let proof = json!({
        "pi_a": g1_json(&negate_g1(&proof.a_neg)),
        "pi_b": g2_json(&proof.b),
        "pi_c": g1_json(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    });
    let public = f.folded_inputs.iter().chain(inputs).map(|x| Value::String(dec(x))).collect();
    Some((proof, Value::Array(public)))
}

/// A fixture from snarkjs JSON: the key, then each proof with its public signals, of which the
/// first `folded` (the same in every proof) are folded into the base.
pub fn fixture(source: String, vk: &Value, proofs: &[(Value, Value)], folded: usize) -> Result<Fixture, SnarkjsError> {
    let ic = vk["IC"].as_array().ok_or(SnarkjsError::Shape("IC"))?;
    let ic = ic.iter().map(|p| g1_from("IC", p)).collect::<Result<Vec<_>, _>>()?;
    let key = VerifyingKey {
        alpha_g1: &g1_from("vk_alpha_1", &vk["vk_alpha_1"])?,
        beta_g2: &g2_from("vk_beta_2", &vk["vk_beta_2"])?,
        gamma_g2: &g2_from("vk_gamma_2", &vk["vk_gamma_2"])?,
        delta_g2: &g2_from("vk_delta_2", &vk["vk_delta_2"])?,
        ic: &ic,
    };
    let mut shared: Option<Vec<[u8; 32]>> = None;
    let mut out = Vec::with_capacity(proofs.len());
    for (proof, public) in proofs {
        let signals = public.as_array().ok_or(SnarkjsError::Shape("public"))?;
        let signals = signals.iter().map(|x| be("public", x)).collect::<Result<Vec<_>, _>>()?;
        if signals.len() < folded || shared.get_or_insert_with(|| signals[..folded].to_vec())[..] != signals[..folded] {
            return Err(SnarkjsError::Shape("public (folded signals must be the same in every proof)"));
        }
        let a = g1_from("pi_a", &proof["pi_a"])?;
        let parsed =
            Proof { a_neg: negate_g1(&a), b: g2_from("pi_b", &proof["pi_b"])?, c: g1_from("pi_c", &proof["pi_c"])? };
        out.push((parsed, signals[folded..].to_vec()));
    }
    Ok(Fixture::new(source, &key, shared.unwrap_or_default(), out)?)
}
