//! A drand round as the beacon input: given on the command line (round + signature) or as a
//! JSON file holding drand's HTTP answers — `{"info": <GET /{chain}/info>, "beacon": <GET
//! /{chain}/public/{round}>}` — checked offline: the chain info must be the pinned quicknet
//! chain, the signature must verify for the round, and a stated randomness must be
//! sha256(signature). With the `fetch` feature the same two answers can be fetched over HTTP.

use crate::drand::{DrandError, QUICKNET_CHAIN_HASH, QUICKNET_PUBLIC_KEY, from_hex, verify_round};
use serde::Deserialize;

/// The quicknet signature scheme id as `/info` reports it.
pub const QUICKNET_SCHEME: &str = "bls-unchained-g1-rfc9380";

/// Why a drand round cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    /// The JSON is not the documented shape.
    #[error("drand JSON: {0}")]
    Json(String),
    /// The chain info is not quicknet's (hash, public key or scheme differ).
    #[error("drand chain info: {0} is not quicknet's")]
    WrongChain(&'static str),
    /// A hex field does not decode.
    #[error("drand JSON: {0} is not hex")]
    Hex(&'static str),
    /// The stated randomness is not sha256(signature).
    #[error("drand round {0}: stated randomness is not sha256(signature)")]
    Randomness(u64),
    /// The signature does not verify.
    #[error(transparent)]
    Signature(#[from] DrandError),
    /// Fetching over HTTP failed.
    #[error("fetching the drand round: {0}")]
    Fetch(String),
}

/// drand's `/info` answer (fields we check).
#[derive(Debug, Clone, Deserialize)]
pub struct ChainInfo {
    /// Group public key (hex).
    pub public_key: String,
    /// Chain hash (hex).
    pub hash: String,
    /// Signature scheme.
    #[serde(rename = "schemeID")]
    pub scheme_id: String,
}

/// drand's `/public/{round}` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct PublicRound {
    /// Round number.
    pub round: u64,
    /// BLS signature (hex).
    pub signature: String,
    /// sha256(signature) (hex), as drand states it.
    pub randomness: Option<String>,
}

/// The file format: both answers side by side.
#[derive(Debug, Clone, Deserialize)]
pub struct RoundFile {
    /// The chain info.
    pub info: ChainInfo,
    /// The round.
    pub beacon: PublicRound,
}

/// A round whose signature verified against the pinned quicknet key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRound {
    /// Round number.
    pub round: u64,
    /// Signature bytes.
    pub signature: Vec<u8>,
    /// sha256(signature): the beacon value.
    pub randomness: [u8; 32],
}

/// Verifies a round given as number and signature bytes.
pub fn verified(round: u64, signature: &[u8]) -> Result<VerifiedRound, RoundError> {
    let randomness = verify_round(round, signature)?;
    Ok(VerifiedRound { round, signature: signature.to_vec(), randomness })
}

fn check_info(info: &ChainInfo) -> Result<(), RoundError> {
    if !info.hash.eq_ignore_ascii_case(QUICKNET_CHAIN_HASH) {
        return Err(RoundError::WrongChain("chain hash"));
    }
    if !info.public_key.eq_ignore_ascii_case(QUICKNET_PUBLIC_KEY) {
        return Err(RoundError::WrongChain("public key"));
    }
    if info.scheme_id != QUICKNET_SCHEME {
        return Err(RoundError::WrongChain("scheme"));
    }
    Ok(())
}

/// Verifies drand's two answers offline.
pub fn verify_answers(info: &ChainInfo, beacon: &PublicRound) -> Result<VerifiedRound, RoundError> {
    check_info(info)?;
    let sig = from_hex(&beacon.signature).ok_or(RoundError::Hex("signature"))?;
    let v = verified(beacon.round, &sig)?;
    if let Some(stated) = &beacon.randomness {
        let stated = from_hex(stated).ok_or(RoundError::Hex("randomness"))?;
        if stated != v.randomness {
            return Err(RoundError::Randomness(beacon.round));
        }
    }
    Ok(v)
}

/// Parses and verifies a round file (see the module docs for its shape).
pub fn from_json(text: &str) -> Result<VerifiedRound, RoundError> {
    let file: RoundFile = serde_json::from_str(text).map_err(|e| RoundError::Json(e.to_string()))?;
    verify_answers(&file.info, &file.beacon)
}

/// Fetches `/info` and `/public/{round}` of quicknet from a drand HTTP relay (e.g.
/// `https://api.drand.sh`) and verifies them offline as [`verify_answers`] does.
#[cfg(feature = "fetch")]
pub fn fetch(relay: &str, round: u64) -> Result<VerifiedRound, RoundError> {
    let get = |path: String| -> Result<String, RoundError> {
        let url = format!("{}/{QUICKNET_CHAIN_HASH}/{path}", relay.trim_end_matches('/'));
        let resp = reqwest::blocking::get(&url).map_err(|e| RoundError::Fetch(format!("{url}: {e}")))?;
        let resp = resp.error_for_status().map_err(|e| RoundError::Fetch(format!("{url}: {e}")))?;
        resp.text().map_err(|e| RoundError::Fetch(format!("{url}: {e}")))
    };
    let info: ChainInfo = serde_json::from_str(&get("info".into())?).map_err(|e| RoundError::Json(e.to_string()))?;
    let beacon: PublicRound =
        serde_json::from_str(&get(format!("public/{round}"))?).map_err(|e| RoundError::Json(e.to_string()))?;
    if beacon.round != round {
        return Err(RoundError::Fetch(format!("asked for round {round}, got {}", beacon.round)));
    }
    verify_answers(&info, &beacon)
}
