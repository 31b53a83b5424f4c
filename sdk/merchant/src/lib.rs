//! zk402 merchant side: the x402 gate and the receipt issuer.

pub mod challenge;
pub mod gate;
pub mod issuer;
pub mod metrics;
