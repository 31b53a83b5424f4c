//! The proof as snarkjs writes it (`proof.json`): affine points in projective notation
//! (`[x, y, "1"]`, G2 coordinates as `[c0, c1]` pairs), every number a canonical decimal
//! string, plus `protocol: "groth16"` and `curve: "bn128"`. Parsing checks every point is on
//! the curve and in the prime-order subgroup.

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, Zero};
use serde::{Deserialize, Serialize};
use zk402_circuit::Fr;
use zk402_circuit::field::{decimal_to_bigint, fr_to_decimal};

/// A Groth16 proof over BN254 in snarkjs's JSON shape. Points are not negated; coordinates
/// are decimal integers below the base field modulus q.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnarkjsProof {
    /// A in G1: `[x, y, "1"]`.
    pub pi_a: [String; 3],
    /// B in G2: `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`.
    pub pi_b: [[String; 2]; 3],
    /// C in G1: `[x, y, "1"]`.
    pub pi_c: [String; 3],
    /// Always `groth16`.
    pub protocol: String,
    /// Always `bn128` (snarkjs's name for BN254).
    pub curve: String,
}

/// Why a proof JSON does not describe a valid proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFormatError {
    /// `protocol` or `curve` is not groth16 / bn128.
    #[error("unsupported protocol {protocol:?} on curve {curve:?}")]
    Unsupported {
        /// The protocol named.
        protocol: String,
        /// The curve named.
        curve: String,
    },
    /// A coordinate is not a canonical decimal below q.
    #[error("{0}: not a canonical base field element")]
    Coordinate(&'static str),
    /// The projective z coordinate is not 1 (snarkjs writes affine points).
    #[error("{0}: z coordinate is not 1")]
    NotAffine(&'static str),
    /// The point is not on the curve or not in the prime-order subgroup.
    #[error("{0}: not a point of the prime-order subgroup")]
    NotInGroup(&'static str),
}

impl SnarkjsProof {
    /// The snarkjs JSON form of an arkworks proof.
    pub fn from_ark(proof: &ark_groth16::Proof<Bn254>) -> SnarkjsProof {
        let (ax, ay) = g1_coords(&proof.a);
        let (cx, cy) = g1_coords(&proof.c);
        let (bx, by) = proof.b.xy().unwrap_or((Fq2::zero(), Fq2::zero()));
        SnarkjsProof {
            pi_a: [ax, ay, "1".into()],
            pi_b: [fq2_pair(&bx), fq2_pair(&by), ["1".into(), "0".into()]],
            pi_c: [cx, cy, "1".into()],
            protocol: "groth16".into(),
            curve: "bn128".into(),
        }
    }

    /// Parses and validates the points.
    pub fn to_ark(&self) -> Result<ark_groth16::Proof<Bn254>, ProofFormatError> {
        if self.protocol != "groth16" || self.curve != "bn128" {
            return Err(ProofFormatError::Unsupported { protocol: self.protocol.clone(), curve: self.curve.clone() });
        }
        let a = g1_from(&self.pi_a, "pi_a")?;
        let c = g1_from(&self.pi_c, "pi_c")?;
        if self.pi_b[2] != ["1", "0"] {
            return Err(ProofFormatError::NotAffine("pi_b"));
        }
        let x = Fq2::new(fq(&self.pi_b[0][0], "pi_b")?, fq(&self.pi_b[0][1], "pi_b")?);
        let y = Fq2::new(fq(&self.pi_b[1][0], "pi_b")?, fq(&self.pi_b[1][1], "pi_b")?);
        let b = G2Affine::new_unchecked(x, y);
        if !b.is_on_curve() || !b.is_in_correct_subgroup_assuming_on_curve() {
            return Err(ProofFormatError::NotInGroup("pi_b"));
        }
        Ok(ark_groth16::Proof { a, b, c })
    }
}

/// A proof with its public signals: the body of a successful `POST /v1/proofs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofJson {
    /// The proof (snarkjs `proof.json`).
    pub proof: SnarkjsProof,
    /// The public signals (snarkjs `public.json`): policy_hash, now, nullifier, request_hash.
    pub public_signals: Vec<String>,
}

/// Public signals as snarkjs writes them (`public.json`): decimal strings in the circuit's
/// order (policy_hash, now, nullifier, request_hash).
pub fn public_signals_json(signals: &[Fr]) -> Vec<String> {
    signals.iter().map(fr_to_decimal).collect()
}

fn g1_coords(p: &G1Affine) -> (String, String) {
    let (x, y) = p.xy().unwrap_or((Fq::zero(), Fq::zero()));
    (x.into_bigint().to_string(), y.into_bigint().to_string())
}

fn fq2_pair(x: &Fq2) -> [String; 2] {
    [x.c0.into_bigint().to_string(), x.c1.into_bigint().to_string()]
}

fn fq(s: &str, what: &'static str) -> Result<Fq, ProofFormatError> {
    decimal_to_bigint(s).ok().and_then(Fq::from_bigint).ok_or(ProofFormatError::Coordinate(what))
}

fn g1_from(p: &[String; 3], what: &'static str) -> Result<G1Affine, ProofFormatError> {
    if p[2] != "1" {
        return Err(ProofFormatError::NotAffine(what));
    }
    let point = G1Affine::new_unchecked(fq(&p[0], what)?, fq(&p[1], what)?);
    // BN254 G1 has cofactor 1: on the curve means in the group.
    if !point.is_on_curve() {
        return Err(ProofFormatError::NotInGroup(what));
    }
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ec::PrimeGroup;

    fn sample() -> ark_groth16::Proof<Bn254> {
        let g1 = ark_bn254::G1Projective::generator();
        let g2 = ark_bn254::G2Projective::generator();
        ark_groth16::Proof {
            a: (g1 * Fr::from(3u64)).into_affine(),
            b: (g2 * Fr::from(5u64)).into_affine(),
            c: (g1 * Fr::from(7u64)).into_affine(),
        }
    }

    #[test]
    fn round_trips_through_json() {
        let proof = SnarkjsProof::from_ark(&sample());
        let json = serde_json::to_string(&proof).unwrap();
        let back: SnarkjsProof = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_ark().unwrap(), sample());
    }

    #[test]
    fn rejects_bad_points_and_headers() {
        let good = SnarkjsProof::from_ark(&sample());
        let mut p = good.clone();
        p.curve = "bls12381".into();
        assert!(matches!(p.to_ark(), Err(ProofFormatError::Unsupported { .. })));
        let mut p = good.clone();
        p.pi_a[1] = "1".into();
        assert_eq!(p.to_ark(), Err(ProofFormatError::NotInGroup("pi_a")));
        let mut p = good.clone();
        p.pi_c[0] = "21888242871839275222246405745257275088696311157297823662689037894645226208583".into();
        assert_eq!(p.to_ark(), Err(ProofFormatError::Coordinate("pi_c")));
        let mut p = good.clone();
        p.pi_a[2] = "0".into();
        assert_eq!(p.to_ark(), Err(ProofFormatError::NotAffine("pi_a")));
        let mut p = good.clone();
        p.pi_b[1][0] = "2".into();
        assert_eq!(p.to_ark(), Err(ProofFormatError::NotInGroup("pi_b")));
        let mut p = good;
        p.pi_b[0][1] = "01".into();
        assert_eq!(p.to_ark(), Err(ProofFormatError::Coordinate("pi_b")));
    }
}
