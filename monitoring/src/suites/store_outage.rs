//! Chaos: the `redis-server` behind the merchant's facilitator (its `RedisStore` of reserved
//! nullifiers and the settlement queue) is killed with SIGKILL mid-run. While it is down the
//! gate must fail closed: a paid request is answered 503, never 200, since its nullifier cannot
//! be reserved (so it could be spent twice); an unpaid request still gets its 402, challenges
//! being stateless. Once Redis is back the proof refused during the outage is served (nothing
//! of it was reserved), new payments are served and settled, and a replay is refused.
//!
//! Redis runs without persistence, so whatever it held is lost with the kill: the suite waits
//! for the first payment's settlement before killing it, and the report says why an operator
//! runs the store with persistence.

use super::Section;
use super::merchant::{await_sample, redeem_status, scrape, statuses};
use super::prover_process::free_addr;
use super::redis_process::RedisProcess;
use crate::names::sample;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zk402_cli::app::{MerchantSetup, RESOURCE_PATH, spawn_for_world_with_store};
use zk402_cli::world::Terms;
use zk402_e2e::{HttpPayer, Scene, pay_and_prove, rpc_backend, rpc_metrics};
use zk402_facilitator::store::RedisStore;
use zk402_payer::{Offer, Proven};

/// The report section's title.
pub const TITLE: &str = "Chaos: the facilitator's nullifier store (Redis) killed and restarted";

/// Paid attempts sent while the store is down.
const RETRIES: usize = 5;

/// How long the merchant may take to serve paid requests again once Redis answers.
const RECOVERY_LIMIT: Duration = Duration::from_secs(15);

/// How long the settlement worker may take to land a served payment.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);

/// The facilitator's count of proofs recorded on chain.
const SETTLED: &str = "zk402_facilitator_settled_total";

/// Its count of verifications that failed closed (store or chain down).
const UNAVAILABLE: &str = "zk402_facilitator_verifications_total{result=\"unavailable\"}";

/// Runs the suite with the `redis-server` binary at `redis_server`.
pub async fn run(redis_server: PathBuf) -> Result<Section, String> {
    let scene = Scene::start(Terms::default()).await;
    let addr = free_addr().map_err(|e| e.to_string())?;
    let start_redis = || RedisProcess::start(&redis_server, addr, scene.dir.path()).map_err(|e| format!("redis: {e}"));
    let mut redis = start_redis()?;
    redis.wait_ready(Duration::from_secs(10)).await?;
    let store = RedisStore::connect(&format!("redis://{addr}/"), "zk402-suite:").await.map_err(|e| e.to_string())?;
    let chain = rpc_backend(std::slice::from_ref(&scene.rpc_url));
    let metrics = rpc_metrics(&chain);
    let setup = MerchantSetup::default();
    let flush_after = setup.settle.flush_after;
    let merchant =
        spawn_for_world_with_store(&scene.world, &scene.network, chain, store, scene.dir.path(), setup, metrics)
            .await?;
    let payer = scene.payer();
    let (url, base) = (merchant.resource_url(), merchant.base_url());
    let unpaid = || async {
        crate::http::get(merchant.address, RESOURCE_PATH, &[], Duration::from_secs(10)).await.map(|(status, _)| status)
    };

    let (offer, paid) = pay_and_prove(&payer, &url, &base).await;
    let before = redeem_status(payer.redeem(&offer, &paid).await);
    // Settled before the kill: a queue entry in a Redis without persistence dies with it.
    let settled_before = await_sample(merchant.address, SETTLED, 1.0, SETTLE_LIMIT).await;

    // Paid and proved, not yet sent when the store goes away.
    let (offer, paid) = pay_and_prove(&payer, &url, &base).await;
    redis.kill().map_err(|e| format!("kill redis: {e}"))?;
    let mut down = Vec::with_capacity(RETRIES);
    for _ in 0..RETRIES {
        down.push(redeem_status(payer.send_proof(&offer, &paid.submission).await));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let unpaid_down = unpaid().await.map_err(|e| e.to_string())?;
    let outage = scrape(merchant.address).await?;
    let store_errors = sample(&outage, "zk402_merchant_store_errors_total").unwrap_or(0.0);
    let unavailable = sample(&outage, UNAVAILABLE).unwrap_or(0.0);

    drop(redis);
    let redis = start_redis()?;
    redis.wait_ready(Duration::from_secs(10)).await?;
    let restarted = Instant::now();
    let (recovered, recovered_after) = serve_once_back(&payer, &offer, &paid).await;
    let replay = redeem_status(payer.send_proof(&offer, &paid.submission).await);
    let (offer, paid) = pay_and_prove(&payer, &url, &base).await;
    let after = redeem_status(payer.redeem(&offer, &paid).await);
    let settled_after = await_sample(merchant.address, SETTLED, 3.0, SETTLE_LIMIT).await;
    let settled_in = restarted.elapsed();

    let mut section = Section::new(TITLE);
    section.line(format!(
        "merchant whose facilitator keeps its nullifiers and settlement queue in `RedisStore`, redis-server without \
         persistence on {addr}; settlement batches flushed after {flush_after:?}; a paid request before the kill: {}, \
         settled on chain: {}",
        statuses(std::slice::from_ref(&before)),
        settled_before.as_ref().map_or_else(Clone::clone, |n| format!("`{SETTLED}` {n}"))
    ));
    section.line(format!(
        "Redis killed (SIGKILL) with a second payment proved but not sent; {RETRIES} paid attempts with its proof, \
         200 ms apart: {}; an unpaid request: {unpaid_down}; `zk402_merchant_store_errors_total` {store_errors}, \
         `{UNAVAILABLE}` {unavailable}",
        statuses(&down)
    ));
    section.line(format!(
        "Redis restarted (empty): the proof refused during the outage: {} after {}; sent again: {}; a new paid request: \
         {}; every served payment settled: {} ({:.1} s after the restart)",
        statuses(std::slice::from_ref(&recovered)),
        recovered_after.map_or("never".into(), |t| format!("{:.2} s", t.as_secs_f64())),
        statuses(std::slice::from_ref(&replay)),
        statuses(std::slice::from_ref(&after)),
        settled_after.as_ref().map_or_else(Clone::clone, |n| format!("`{SETTLED}` {n}")),
        settled_in.as_secs_f64(),
    ));
    section.line(
        "a Redis without persistence loses, with its memory, the nullifiers of payments served but not yet settled \
         (the same proof would then be accepted again) and their queue entries (served, never settled): run the store \
         with `appendonly yes` (or use PostgreSQL)"
            .into(),
    );
    section.check(
        before == Ok(200) && settled_before.is_ok(),
        "before the kill a paid request is served (200) and settled on chain".into(),
    );
    section.check(
        down.iter().all(|s| *s == Ok(503)),
        "while the store is down every paid request gets 503 (never 200): fails closed".into(),
    );
    section.check(
        unpaid_down == 402,
        "while the store is down an unpaid request gets its 402 challenge, never the resource".into(),
    );
    section.check(
        store_errors >= RETRIES as f64 && unavailable >= RETRIES as f64,
        format!("every store failure is counted in zk402_merchant_store_errors_total and {UNAVAILABLE}"),
    );
    section.check(
        recovered == Ok(200) && after == Ok(200),
        format!(
            "after the restart the proof refused during the outage and a new payment are served (within {RECOVERY_LIMIT:?})"
        ),
    );
    section.check(replay.as_ref().is_ok_and(|s| *s == 402), "a replay of the served proof is refused (402)".into());
    section.check(
        settled_after.is_ok(),
        format!("settlement resumes: every served payment lands (within {SETTLE_LIMIT:?})"),
    );
    Ok(section)
}

/// Sends the proof refused during the outage until it is served or refused otherwise than
/// with 503 (the store still unreachable), for at most [`RECOVERY_LIMIT`]; the last status and
/// when the first answer other than 503 came.
async fn serve_once_back(payer: &HttpPayer, offer: &Offer, paid: &Proven) -> (Result<u16, String>, Option<Duration>) {
    let start = Instant::now();
    loop {
        let status = redeem_status(payer.redeem(offer, paid).await);
        if status != Ok(503) {
            return (status, Some(start.elapsed()));
        }
        if start.elapsed() >= RECOVERY_LIMIT {
            return (status, None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
