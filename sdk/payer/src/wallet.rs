//! The payer's durable receipt wallet: a JSON file (mode 0600) of secrets and the receipts
//! issued for them. A secret is written before its commitment leaves the machine, so a crash
//! between paying and receiving the receipt loses nothing; every change is written to a
//! temporary file and renamed over the old one.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use zk402_circuit::{Policy, PublicKey, Receipt, Secret};

/// One payment as the payer remembers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletEntry {
    /// The payment transaction's signature (base58).
    pub transfer: String,
    /// The secret whose commitment the issuer signs.
    pub secret: Secret,
    /// The issuer that signed, once it has.
    pub issuer: Option<PublicKey>,
    /// The receipt, once issued.
    pub receipt: Option<Receipt>,
    /// The signature of the transaction that spent the receipt's nullifier, once spent.
    pub spent: Option<String>,
}

impl WalletEntry {
    /// Whether this entry holds an unspent receipt that meets `policy` at `now`.
    pub fn meets(&self, policy: &Policy, now: u64) -> bool {
        let Some(receipt) = &self.receipt else { return false };
        let claim = &receipt.claim;
        self.spent.is_none()
            && self.issuer == Some(policy.issuer)
            && claim.recipient == policy.recipient
            && claim.amount >= policy.min_amount
            && claim.paid_at <= now
            && now - claim.paid_at <= policy.max_age
    }
}

/// Why the wallet could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// Reading or writing the file failed.
    #[error("wallet {path}: {source}")]
    Io {
        /// The wallet file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a wallet.
    #[error("wallet {path}: {message}")]
    Format {
        /// The wallet file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No entry for the transfer.
    #[error("no wallet entry for transfer {0}")]
    UnknownTransfer(String),
}

/// The wallet file and its entries.
#[derive(Debug)]
pub struct Wallet {
    path: PathBuf,
    entries: Vec<WalletEntry>,
}

impl Wallet {
    /// Opens the wallet at `path`, or starts an empty one there.
    pub fn open(path: &Path) -> Result<Wallet, WalletError> {
        let entries = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| WalletError::Format { path: path.display().to_string(), message: e.to_string() })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(WalletError::Io { path: path.display().to_string(), source }),
        };
        Ok(Wallet { path: path.to_owned(), entries })
    }

    /// Every entry.
    pub fn entries(&self) -> &[WalletEntry] {
        &self.entries
    }

    /// Remembers a fresh secret for a payment before asking for its receipt.
    pub fn add_payment(&mut self, transfer: &str, secret: Secret) -> Result<(), WalletError> {
        self.entries.push(WalletEntry { transfer: transfer.into(), secret, issuer: None, receipt: None, spent: None });
        self.save()
    }

    /// The secret remembered for a payment, if any (to retry a receipt request with it).
    pub fn secret_of(&self, transfer: &str) -> Option<Secret> {
        self.entries.iter().find(|e| e.transfer == transfer).map(|e| e.secret.clone())
    }

    /// Stores the receipt issued for a payment.
    pub fn set_receipt(&mut self, transfer: &str, issuer: PublicKey, receipt: Receipt) -> Result<(), WalletError> {
        let entry = self.entry_mut(transfer)?;
        entry.issuer = Some(issuer);
        entry.receipt = Some(receipt);
        self.save()
    }

    /// Marks the receipt of a payment spent by `transaction`.
    pub fn mark_spent(&mut self, transfer: &str, transaction: &str) -> Result<(), WalletError> {
        self.entry_mut(transfer)?.spent = Some(transaction.into());
        self.save()
    }

    /// The oldest unspent receipt meeting `policy` at `now` (oldest first: it expires first).
    pub fn select(&self, policy: &Policy, now: u64) -> Option<&WalletEntry> {
        self.entries
            .iter()
            .filter(|e| e.meets(policy, now))
            .min_by_key(|e| e.receipt.map(|r| r.claim.paid_at).unwrap_or(u64::MAX))
    }

    fn entry_mut(&mut self, transfer: &str) -> Result<&mut WalletEntry, WalletError> {
        self.entries
            .iter_mut()
            .find(|e| e.transfer == transfer)
            .ok_or_else(|| WalletError::UnknownTransfer(transfer.into()))
    }

    fn save(&self) -> Result<(), WalletError> {
        let io = |source| WalletError::Io { path: self.path.display().to_string(), source };
        let bytes = serde_json::to_vec_pretty(&self.entries)
            .map_err(|e| WalletError::Format { path: self.path.display().to_string(), message: e.to_string() })?;
        let temporary = self.path.with_extension("tmp");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&temporary, &self.path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk402_circuit::{ReceiptClaim, SigningKey};

    fn policy(issuer: &SigningKey) -> Policy {
        Policy { min_amount: 100, recipient: [3; 32], max_age: 60, issuer: issuer.public_key() }
    }

    #[test]
    fn survives_reopen_and_selects_only_receipts_meeting_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let issuer = SigningKey::from_seed(&[1; 32]);
        let mut wallet = Wallet::open(&path).unwrap();
        for (i, (amount, paid_at)) in [(99, 1_000), (100, 990), (500, 1_001)].into_iter().enumerate() {
            let secret = Secret::from_fr(zk402_circuit::Fr::from(i as u64 + 1));
            let claim = ReceiptClaim { amount, recipient: [3; 32], paid_at, commitment: secret.commitment() };
            let transfer = format!("t{i}");
            wallet.add_payment(&transfer, secret).unwrap();
            wallet.set_receipt(&transfer, issuer.public_key(), claim.sign(&issuer)).unwrap();
        }
        let wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 3);
        assert_eq!(wallet.secret_of("t1"), Some(Secret::from_fr(zk402_circuit::Fr::from(2u64))));
        assert_eq!(wallet.secret_of("t9"), None);
        let p = policy(&issuer);
        assert_eq!(wallet.select(&p, 1_001).unwrap().transfer, "t1", "oldest receipt meeting the minimum");
        assert_eq!(wallet.select(&p, 1_051).unwrap().transfer, "t2", "t1 is older than max_age by then");
        let other = policy(&SigningKey::from_seed(&[2; 32]));
        assert!(wallet.select(&other, 1_001).is_none(), "another issuer's policy");
        let mut wallet = wallet;
        wallet.mark_spent("t1", "sig").unwrap();
        assert_eq!(Wallet::open(&path).unwrap().select(&p, 1_001).unwrap().transfer, "t2");
        let mode = std::fs::metadata(&path).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    }
}
