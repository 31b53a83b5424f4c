//! The JSON-RPC backend: wire shapes shared by client and server, the [`RpcEndpoint`] client,
//! and (feature `local`) a JSON-RPC facade serving any [`Chain`](crate::Chain) over HTTP.

pub mod client;
pub mod codec;
#[cfg(feature = "local")]
pub mod server;
pub mod wire;

pub use client::{EndpointError, RpcEndpoint};
