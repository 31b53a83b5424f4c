//! The receipt issuer: checks on chain that a transaction paid the merchant in the configured
//! mint, records it (one receipt per payment, ever) and signs a receipt over the payer's
//! commitment Poseidon(secret) — never the secret, so it cannot link a nullifier to a payment.

mod http;
mod ledger;
mod transfer;

pub use http::router;
pub use ledger::{Ledger, LedgerError};
pub use transfer::{Payment, TransferError, find_payment};

use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use std::path::Path;
use std::str::FromStr;
use zk402_chain::{Chain, ChainError};
use zk402_circuit::{IssueRequest, PublicKey, Receipt, ReceiptClaim, SigningKey};

/// What the issuer accepts as a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuerConfig {
    /// The token mint payments are made in (USDC on a real cluster).
    pub mint: Pubkey,
    /// The merchant wallet that owns the receiving token accounts (the policy's recipient).
    pub recipient: Pubkey,
}

/// Why no receipt was issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The cluster does not know the transaction (yet): retry after it confirms.
    #[error("transaction not found (not confirmed yet?)")]
    NotFound,
    /// The transaction is not a payment to the merchant.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// The transfer already backs a receipt for another commitment.
    #[error("a receipt was already issued for this transfer")]
    AlreadyIssued,
    /// The chain or the ledger is unavailable: nothing was issued.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl From<LedgerError> for IssueError {
    fn from(e: LedgerError) -> IssueError {
        match e {
            LedgerError::AlreadyIssued => IssueError::AlreadyIssued,
            LedgerError::Store(message) => IssueError::Unavailable(message),
        }
    }
}

impl From<ChainError> for IssueError {
    fn from(e: ChainError) -> IssueError {
        IssueError::Unavailable(e.to_string())
    }
}

/// A receipt issuer over a chain backend.
pub struct Issuer<C> {
    chain: C,
    key: SigningKey,
    config: IssuerConfig,
    ledger: Ledger,
}

impl<C: Chain> Issuer<C> {
    /// An issuer signing with `key`.
    pub fn new(chain: C, key: SigningKey, config: IssuerConfig, ledger: Ledger) -> Issuer<C> {
        Issuer { chain, key, config, ledger }
    }

    /// The issuer's public key (the policy's `issuer`).
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// The accepted mint and recipient.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// Checks the payment on chain, records it, and signs the receipt.
    pub async fn issue(&self, request: &IssueRequest) -> Result<Receipt, IssueError> {
        let signature = Signature::from_str(&request.transaction)
            .map_err(|e| IssueError::BadRequest(format!("transaction: not a base58 signature ({e})")))?;
        let tx = self.chain.transaction(&signature).await?.ok_or(IssueError::NotFound)?;
        let payment =
            find_payment(&self.chain, &tx, &self.config.mint, &self.config.recipient).await.map_err(|e| match e {
                TransferError::Chain(e) => IssueError::from(e),
                other => IssueError::Transfer(other),
            })?;
        self.ledger.claim(&request.transaction, &request.commitment, payment.amount, payment.paid_at)?;
        let claim = ReceiptClaim {
            amount: payment.amount,
            recipient: self.config.recipient.to_bytes(),
            paid_at: payment.paid_at,
            commitment: request.commitment,
        };
        Ok(claim.sign(&self.key))
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
