//! Resilient access to a list of RPC endpoints: retries with exponential backoff and full
//! jitter ([`RetryPolicy`]), a circuit breaker per endpoint ([`CircuitBreaker`]), and ordered
//! fallback across endpoints ([`FallbackChain`]) with counters for metrics.

pub mod breaker;
pub mod fallback;
pub mod retry;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker};
pub use fallback::{EndpointStats, FallbackChain, FallbackStats};
pub use retry::RetryPolicy;
