//! What the facilitator reads from the chain on every verification, cached briefly: the
//! policies it serves (with their nullifier sets) and the cluster clock.

use anchor_lang::prelude::Pubkey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zk402_chain::program::{NullifierSet, fetch_policy};
use zk402_chain::{Chain, ChainError};
use zk402_verifier::state::Policy;

/// How long a fetched policy is used before it is read again.
pub const POLICY_TTL: Duration = Duration::from_secs(10);

/// How long a read of the cluster clock is extrapolated before it is read again.
pub const CLOCK_TTL: Duration = Duration::from_secs(1);

/// A policy account as last read, with its nullifier set.
#[derive(Debug)]
pub struct PolicyView {
    /// Its address.
    pub address: Pubkey,
    /// Its contents.
    pub policy: Policy,
    /// Its nullifier set (`None` until its authority created the shards).
    pub set: Option<NullifierSet>,
}

/// Policies by address, each re-read after [`POLICY_TTL`].
#[derive(Default)]
pub struct PolicyCache {
    entries: Mutex<HashMap<Pubkey, (Instant, Arc<PolicyView>)>>,
}

impl PolicyCache {
    /// The policy at `address` (`None`: no such account).
    pub async fn get(&self, chain: &impl Chain, address: &Pubkey) -> Result<Option<Arc<PolicyView>>, ChainError> {
        if let Some((read_at, view)) = self.lock().get(address)
            && read_at.elapsed() < POLICY_TTL
        {
            return Ok(Some(Arc::clone(view)));
        }
        let Some(policy) = fetch_policy(chain, address).await? else { return Ok(None) };
        let view = Arc::new(PolicyView { address: *address, set: NullifierSet::of(&policy), policy });
        self.lock().insert(*address, (Instant::now(), Arc::clone(&view)));
        Ok(Some(view))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Pubkey, (Instant, Arc<PolicyView>)>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The cluster clock (unix seconds), read at most once per [`CLOCK_TTL`] and extrapolated with
/// the local monotonic clock in between.
#[derive(Default)]
pub struct ChainClock {
    last: Mutex<Option<(Instant, i64)>>,
}

impl ChainClock {
    /// The cluster's unix time now.
    pub async fn now(&self, chain: &impl Chain) -> Result<i64, ChainError> {
        let cached = *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((read_at, time)) = cached
            && read_at.elapsed() < CLOCK_TTL
        {
            return Ok(time.saturating_add(read_at.elapsed().as_secs() as i64));
        }
        let time = chain.unix_time().await?;
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), time));
        Ok(time)
    }
}
