//! The JSON-RPC backend: the [`RpcEndpoint`] client and (feature `local`) a JSON-RPC facade
//! serving any [`Chain`](crate::Chain) over HTTP. Both speak the methods' parameters and results
//! in the types Solana maintains (`solana-rpc-client-api`, `solana-transaction-status-client-types`,
//! `solana-account-decoder-client-types`), so legacy and v0 transactions in any binary encoding
//! are read by maintained code; only the JSON-RPC envelope ([`wire`]) and the conversions to the
//! [`Chain`](crate::Chain) types ([`codec`]) are ours.

pub mod client;
pub mod codec;
#[cfg(feature = "local")]
pub mod server;
pub mod wire;

pub use client::{EndpointError, RpcEndpoint};
