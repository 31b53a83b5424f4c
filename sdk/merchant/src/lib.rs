//! zk402 merchant side: the x402 gate (stateless challenges, payments verified and settled by
//! the merchant's facilitator) and the receipt issuer.

pub mod gate;
pub mod issuer;
pub mod metrics;
