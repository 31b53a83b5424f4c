//! The payer side of zk402: pay a merchant in an SPL token, obtain an issuer-signed receipt,
//! keep it in a durable wallet, and spend it on an x402 request with a zero-knowledge proof
//! verified on chain.
//!
//! - [`payer`]: the flow (`pay`, `obtain_receipt`, `offer` → `prove` → `redeem`).
//! - [`anonymity`]: how many fresh receipts a request would hide among, from public data.
//! - [`prover_client`]: proofs from the prover service over HTTP or from the library in-process.
//! - [`encoding`]: proofs between snarkjs JSON and the verifier program's encoding.
//! - [`wallet`]: the receipt wallet file.

pub mod anonymity;
pub mod encoding;
pub mod payer;
pub mod prover_client;
pub mod wallet;

pub use anonymity::{AnonymitySet, DEFAULT_MIN_ANONYMITY_SET};
pub use payer::{Access, Offer, Payer, PayerError, Proven};
pub use prover_client::{AnyProver, HttpProver, LocalProver, ProofSource, ProveError};
pub use wallet::{ClaimedCredit, Credit, CreditBalance, Wallet, WalletEntry, WalletError};
