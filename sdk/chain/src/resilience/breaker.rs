//! [`CircuitBreaker`]: stop calling an endpoint that keeps failing, probe it again later.
//!
//! Closed (calls flow) → Open after `failure_threshold` consecutive retriable failures (calls
//! are refused at once) → HalfOpen once `cool_down` has passed (exactly one probe call is let
//! through) → Closed if the probe succeeds, Open again (a new cool-down) if it fails.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When a breaker opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive retriable failures that open the breaker (at least 1).
    pub failure_threshold: u32,
    /// How long an open breaker refuses calls before letting one probe through.
    pub cool_down: Duration,
}

impl Default for BreakerConfig {
    /// Opens after 5 consecutive failures, probes again after 30 s.
    fn default() -> Self {
        BreakerConfig { failure_threshold: 5, cool_down: Duration::from_secs(30) }
    }
}

/// A breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// Calls are refused until the cool-down ends.
    Open,
    /// The cool-down ended: one probe call decides.
    HalfOpen,
}

impl BreakerState {
    /// A stable numeric code for gauges: closed 0, half-open 1, open 2.
    pub fn code(self) -> u8 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive_failures: u32,
    opened_at: Instant,
    probe_in_flight: bool,
}

/// A circuit breaker for one endpoint; safe to share between tasks.
#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
    opens: AtomicU64,
}

/// Permission for one call. Report how it ended with [`Permit::succeeded`] or
/// [`Permit::failed`]; a permit dropped without a report (the call was cancelled) frees the
/// half-open probe slot without changing the state.
#[derive(Debug)]
#[must_use = "report the call's outcome"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    reported: bool,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        let inner = Inner {
            state: BreakerState::Closed,
            consecutive_failures: 0,
            opened_at: Instant::now(),
            probe_in_flight: false,
        };
        CircuitBreaker { config, inner: Mutex::new(inner), opens: AtomicU64::new(0) }
    }

    /// The current state (an open breaker whose cool-down has ended reads as half-open).
    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match inner.state {
            BreakerState::Open if inner.opened_at.elapsed() >= self.config.cool_down => BreakerState::HalfOpen,
            state => state,
        }
    }

    /// How many times the breaker has opened.
    pub fn opens(&self) -> u64 {
        self.opens.load(Ordering::Relaxed)
    }

    /// Permission for one call, or `None` while the breaker refuses calls.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut inner = self.lock();
        if inner.state == BreakerState::Open && inner.opened_at.elapsed() >= self.config.cool_down {
            inner.state = BreakerState::HalfOpen;
            inner.probe_in_flight = false;
        }
        match inner.state {
            BreakerState::Closed => Some(Permit { breaker: self, probe: false, reported: false }),
            BreakerState::Open => None,
            BreakerState::HalfOpen if inner.probe_in_flight => None,
            BreakerState::HalfOpen => {
                inner.probe_in_flight = true;
                Some(Permit { breaker: self, probe: true, reported: false })
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The state stays consistent even if a holder panicked: every update is one assignment.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record(&self, probe: bool, success: bool) {
        let mut inner = self.lock();
        if probe {
            inner.probe_in_flight = false;
        }
        if success {
            inner.state = BreakerState::Closed;
            inner.consecutive_failures = 0;
            return;
        }
        inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
        let reopen = probe && inner.state == BreakerState::HalfOpen;
        let trip =
            inner.state == BreakerState::Closed && inner.consecutive_failures >= self.config.failure_threshold.max(1);
        if reopen || trip {
            inner.state = BreakerState::Open;
            inner.opened_at = Instant::now();
            self.opens.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Permit<'_> {
    /// The endpoint answered (successfully, or with an error about the request itself).
    pub fn succeeded(mut self) {
        self.reported = true;
        self.breaker.record(self.probe, true);
    }

    /// The endpoint failed in a way worth retrying (unreachable, timeout, server error).
    pub fn failed(mut self) {
        self.reported = true;
        self.breaker.record(self.probe, false);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            self.breaker.lock().probe_in_flight = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(cool_down_ms: u64) -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig { failure_threshold: 3, cool_down: Duration::from_millis(cool_down_ms) })
    }

    #[test]
    fn opens_after_threshold_consecutive_failures_only() {
        let b = breaker(60_000);
        b.try_acquire().unwrap().failed();
        b.try_acquire().unwrap().failed();
        b.try_acquire().unwrap().succeeded();
        b.try_acquire().unwrap().failed();
        b.try_acquire().unwrap().failed();
        assert_eq!(b.state(), BreakerState::Closed);
        b.try_acquire().unwrap().failed();
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.opens(), 1);
        assert!(b.try_acquire().is_none());
    }

    #[test]
    fn half_open_lets_one_probe_through_then_closes_or_reopens() {
        let b = breaker(30);
        for _ in 0..3 {
            b.try_acquire().unwrap().failed();
        }
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let probe = b.try_acquire().unwrap();
        assert!(b.try_acquire().is_none(), "one probe at a time");
        probe.failed();
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.opens(), 2);
        std::thread::sleep(Duration::from_millis(40));
        b.try_acquire().unwrap().succeeded();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.try_acquire().is_some());
    }

    #[test]
    fn a_cancelled_probe_frees_the_slot() {
        let b = breaker(10);
        for _ in 0..3 {
            b.try_acquire().unwrap().failed();
        }
        std::thread::sleep(Duration::from_millis(20));
        drop(b.try_acquire().unwrap());
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.try_acquire().is_some());
    }
}
