//! [`RetryPolicy`]: how often and how long to wait before trying an endpoint again.

use std::time::Duration;

/// Attempts per endpoint and the backoff between them: before retry `n` (0-based) the caller
/// sleeps a uniformly random time in `[0, min(max_delay, base_delay · 2ⁿ)]` ("full jitter"),
/// so clients that failed together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts at one endpoint before moving to the next (at least 1).
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 100 ms doubling up to 2 s.
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2) }
    }
}

impl RetryPolicy {
    /// The backoff ceiling before retry `retry` (0-based): `min(max_delay, base_delay · 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// A random backoff before retry `retry`, uniform in `[0, ceiling(retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// Attempts per endpoint, never fewer than one.
    pub fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_and_caps() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(700),
        };
        let ceilings: Vec<u128> = (0..5).map(|n| policy.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 700, 700]);
        assert_eq!(policy.ceiling(80), Duration::from_millis(700));
    }

    #[test]
    fn backoff_is_jittered_within_the_ceiling() {
        let policy = RetryPolicy::default();
        let samples: Vec<Duration> = (0..200).map(|_| policy.backoff(2)).collect();
        assert!(samples.iter().all(|d| *d <= policy.ceiling(2)));
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(distinct.len() > 150, "full jitter spreads the delays");
        assert!(samples.iter().any(|d| *d < policy.ceiling(2) / 2));
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryPolicy { max_attempts: 0, ..RetryPolicy::default() }.attempts(), 1);
    }
}
