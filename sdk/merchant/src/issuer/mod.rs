//! The receipt issuer: reads a payment on chain (at `finalized` by default), records it (one
//! receipt per payment, ever) and signs a receipt over the commitment Poseidon(secret) that the
//! payment's own memo names — never the secret, so it cannot link a nullifier to a payment.
//!
//! Binding: the payment transaction carries a receipt memo (`zk402_chain::memo`) beside its
//! transfer, covered by the payer's signature. The receipt is for that commitment whoever asks,
//! and only a request naming it gets the receipt: knowing a payment's signature (public) is
//! worth nothing to anyone but the payer.
//!
//! Cost bounds: a transaction already read is answered from the ledger (its receipt, or its
//! refusal) without the chain; reading a new one costs one transaction fetch and at most
//! [`MAX_DESTINATION_LOOKUPS`] account reads, and only requests that read the chain take a token
//! from the client's bucket ([`rate_limit`]).

mod http;
mod ledger;
pub mod rate_limit;

pub use http::router;
pub use ledger::{Ledger, LedgerError, Recorded};
pub use zk402_chain::payment::{MAX_DESTINATION_LOOKUPS, Payment, TransferError, find_commitment, find_payment};

use anchor_lang::prelude::Pubkey;
use rate_limit::{Client, RateLimit, RateLimiter};
use solana_signature::Signature;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zk402_chain::{Chain, ChainError, Finality};
use zk402_circuit::{IssueRequest, PublicKey, Receipt, ReceiptClaim, SigningKey};

/// What the issuer accepts as a payment, and how it reads and rations the chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IssuerConfig {
    /// The token mint payments are made in (USDC on a real cluster).
    pub mint: Pubkey,
    /// The merchant wallet that owns the receiving token accounts (the policy's recipient).
    pub recipient: Pubkey,
    /// How settled a payment must be before it earns a receipt. `Finalized` (the default)
    /// cannot be rolled back; `Confirmed` answers ~13 s sooner and risks a receipt for a
    /// payment a fork drops.
    pub finality: Finality,
    /// Per-client limit on requests that read the chain.
    pub rate_limit: RateLimit,
}

impl IssuerConfig {
    /// Payments of `mint` to `recipient`, read at `finalized`, with the default rate limit.
    pub fn new(mint: Pubkey, recipient: Pubkey) -> IssuerConfig {
        IssuerConfig { mint, recipient, finality: Finality::Finalized, rate_limit: RateLimit::default() }
    }
}

/// Why no receipt was issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The cluster does not know the transaction at the issuer's finality (yet): retry later.
    #[error("transaction not found at {} commitment (not there yet?)", finality_name(*.0))]
    NotFound(Finality),
    /// The transaction earns no receipt.
    #[error(transparent)]
    Transfer(TransferError),
    /// The payment's memo names another commitment: its receipt is not the caller's.
    #[error("the payment's memo names another commitment than the request's")]
    CommitmentMismatch,
    /// The client has made too many requests that read the chain; retry after the duration.
    #[error("too many requests from this client: retry after the Retry-After delay")]
    RateLimited(Duration),
    /// The chain or the ledger is unavailable: nothing was issued.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl From<LedgerError> for IssueError {
    fn from(e: LedgerError) -> IssueError {
        IssueError::Unavailable(e.to_string())
    }
}

impl From<ChainError> for IssueError {
    fn from(e: ChainError) -> IssueError {
        IssueError::Unavailable(e.to_string())
    }
}

impl From<TransferError> for IssueError {
    fn from(e: TransferError) -> IssueError {
        match e {
            TransferError::Chain(e) => IssueError::from(e),
            other => IssueError::Transfer(other),
        }
    }
}

/// A receipt issuer over a chain backend.
pub struct Issuer<C> {
    chain: C,
    key: SigningKey,
    config: IssuerConfig,
    ledger: Ledger,
    limiter: Mutex<RateLimiter>,
}

impl<C: Chain> Issuer<C> {
    /// An issuer signing with `key`.
    pub fn new(chain: C, key: SigningKey, config: IssuerConfig, ledger: Ledger) -> Issuer<C> {
        let limiter = Mutex::new(RateLimiter::new(config.rate_limit));
        Issuer { chain, key, config, ledger, limiter }
    }

    /// The issuer's public key (the policy's `issuer`).
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// The issuer's configuration.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// The receipt of the payment `request.transaction`, if its memo names `request.commitment`.
    /// A transaction read before is answered from the ledger; otherwise `client` pays a token
    /// and the transaction is read on chain and recorded (as a payment, or as refused for good).
    pub async fn issue(&self, request: &IssueRequest, client: Client) -> Result<Receipt, IssueError> {
        let signature = Signature::from_str(&request.transaction)
            .map_err(|e| IssueError::BadRequest(format!("transaction: not a base58 signature ({e})")))?;
        let transfer = signature.to_string();
        let payment = match self.ledger.lookup(&transfer)? {
            Some(Recorded::Paid(payment)) => payment,
            Some(Recorded::Refused(refusal)) => return Err(IssueError::Transfer(refusal)),
            None => {
                self.limiter
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .check(client, Instant::now())
                    .map_err(IssueError::RateLimited)?;
                self.read_payment(&signature, &transfer).await?
            }
        };
        if payment.commitment != request.commitment {
            return Err(IssueError::CommitmentMismatch);
        }
        let claim = ReceiptClaim {
            amount: payment.amount,
            recipient: self.config.recipient.to_bytes(),
            paid_at: payment.paid_at,
            commitment: payment.commitment,
        };
        Ok(claim.sign(&self.key))
    }

    /// Reads `signature` on chain at the configured finality and records what it is.
    async fn read_payment(&self, signature: &Signature, transfer: &str) -> Result<Payment, IssueError> {
        let finality = self.config.finality;
        let tx = self.chain.transaction(signature, finality).await?.ok_or(IssueError::NotFound(finality))?;
        match find_payment(&self.chain, &tx, &self.config.mint, &self.config.recipient).await {
            Ok(payment) => Ok(self.ledger.record_paid(transfer, &payment)?),
            Err(refusal) => {
                self.ledger.record_refused(transfer, &refusal)?;
                Err(refusal.into())
            }
        }
    }
}

/// The JSON-RPC name of a commitment level.
pub fn finality_name(finality: Finality) -> &'static str {
    match finality {
        Finality::Confirmed => "confirmed",
        Finality::Finalized => "finalized",
    }
}

/// Reads an issuer key: a file holding the 32-byte seed as 64 hex characters (whitespace
/// around it ignored). Keep the file private: whoever holds it can mint receipts.
pub fn read_key(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("issuer key {}: {e}", path.display()))?;
    parse_key(text.trim()).map_err(|e| format!("issuer key {}: {e}", path.display()))
}

/// Parses a 32-byte hex seed.
pub fn parse_key(hex_seed: &str) -> Result<SigningKey, String> {
    if hex_seed.len() != 64 || !hex_seed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("expected 64 hex characters (a 32-byte seed)".into());
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex_seed[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(SigningKey::from_seed(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_strict_hex_seeds() {
        let key = parse_key(&"0a".repeat(32)).unwrap();
        assert_eq!(key.public_key(), SigningKey::from_seed(&[10; 32]).public_key());
        for bad in ["", "0a", &"0g".repeat(32), &"0a".repeat(33)] {
            assert!(parse_key(bad).is_err(), "{bad}");
        }
    }
}
