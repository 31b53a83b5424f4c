//! Chain access for zk402: one [`Chain`] interface with two backends (JSON-RPC for real
//! clusters, the in-process Solana runtime for the embedded default and the tests), and the
//! verifier program's instruction builders and account/event decoders on top of it.
//! Transactions are legacy or versioned (v0, with address lookup tables) wherever they are sent
//! or read; [`ConfirmedTransaction::account_keys`] resolves the addresses a v0 one loaded.

pub mod backend;
pub mod endpoint;
#[cfg(feature = "local")]
pub mod local;
pub mod memo;
pub mod payment;
pub mod program;
pub mod resilience;
pub mod rpc;
pub mod submit;
pub mod token;

pub use backend::{Account, Chain, ChainError, ConfirmedTransaction, Finality, MAX_SIGNATURES_PER_PAGE, SignatureInfo};
pub use endpoint::{BackendError, ChainBackend, ChainConfig};
