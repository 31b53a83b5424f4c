//! Chaos: the merchant's challenge store (Redis) is killed with SIGKILL mid-run. While it is
//! down the gate must fail closed: a paid retry is answered 503, never 200, and a new
//! challenge cannot be issued. Once Redis is back the merchant serves paid requests again.
//! Redis runs without persistence, so challenges issued before the kill are gone after it:
//! their paid retries stay refused (402 `challenge_unknown`), which the report records.

use super::Section;
use super::merchant::{redeem_status, scrape, statuses};
use super::prover_process::free_addr;
use super::redis_process::RedisProcess;
use crate::names::sample;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zk402_chain::endpoint::ChainBackend;
use zk402_cli::app::{RESOURCE_PATH, spawn_for_world_with_store};
use zk402_cli::world::Terms;
use zk402_e2e::{Scene, pay_and_prove, rpc_backend, rpc_metrics};
use zk402_merchant::challenge::RedisStore;

/// The report section's title.
pub const TITLE: &str = "Chaos: the merchant's challenge store (Redis) killed and restarted";

/// Paid retries sent while the store is down.
const RETRIES: usize = 5;

/// Time limit of each store command (connect or answer).
const STORE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long the merchant may take to issue challenges again once Redis answers.
const RECOVERY_LIMIT: Duration = Duration::from_secs(15);

/// Runs the suite with the `redis-server` binary at `redis_server`.
pub async fn run(redis_server: PathBuf) -> Result<Section, String> {
    let scene = Scene::start(Terms::default()).await;
    let addr = free_addr().map_err(|e| e.to_string())?;
    let start_redis = || RedisProcess::start(&redis_server, addr, scene.dir.path()).map_err(|e| format!("redis: {e}"));
    let mut redis = start_redis()?;
    redis.wait_ready(Duration::from_secs(10)).await?;
    let store =
        RedisStore::new(&format!("redis://{addr}/"), "zk402-suite:", STORE_TIMEOUT).map_err(|e| e.to_string())?;
    let chain: std::sync::Arc<ChainBackend> = rpc_backend(std::slice::from_ref(&scene.rpc_url));
    let merchant = spawn_for_world_with_store(
        &scene.world,
        &scene.network,
        chain.clone(),
        store,
        scene.dir.path(),
        120,
        rpc_metrics(&chain),
    )
    .await?;
    let payer = scene.payer();
    let (url, base) = (merchant.resource_url(), merchant.base_url());
    let unpaid = || async {
        crate::http::get(merchant.address, RESOURCE_PATH, &[], Duration::from_secs(10)).await.map(|(status, _)| status)
    };

    let (offer, paid) = pay_and_prove(&payer, &url, &base).await;
    let before = redeem_status(payer.redeem(&offer, &paid).await);
    // Paid and verified on chain, not yet redeemed when the store goes away.
    let (offer, paid) = pay_and_prove(&payer, &url, &base).await;
    redis.kill().map_err(|e| format!("kill redis: {e}"))?;
    let mut down = Vec::with_capacity(RETRIES);
    for _ in 0..RETRIES {
        down.push(redeem_status(payer.redeem(&offer, &paid).await));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let unpaid_down = unpaid().await.map_err(|e| e.to_string())?;
    let store_errors = sample(&scrape(merchant.address).await?, "zk402_merchant_store_errors_total").unwrap_or(0.0);

    drop(redis);
    let redis = start_redis()?;
    redis.wait_ready(Duration::from_secs(10)).await?;
    let restarted = Instant::now();
    let mut issuing = None;
    while restarted.elapsed() < RECOVERY_LIMIT {
        if unpaid().await.is_ok_and(|status| status == 402) {
            issuing = Some(restarted.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lost = redeem_status(payer.redeem(&offer, &paid).await);
    let after = match issuing {
        Some(_) => {
            let (offer, paid) = pay_and_prove(&payer, &url, &base).await;
            redeem_status(payer.redeem(&offer, &paid).await)
        }
        None => Err("no challenge issued after the restart".into()),
    };

    let mut section = Section::new(TITLE);
    section.line(format!(
        "merchant with `RedisStore` (command timeout {STORE_TIMEOUT:?}), redis-server without persistence on {addr}; \
         a paid request before the kill: {}",
        statuses(std::slice::from_ref(&before))
    ));
    section.line(format!(
        "Redis killed (SIGKILL) after a payment was verified on chain; {RETRIES} paid retries of it, 200 ms apart: {}; \
         an unpaid request: {unpaid_down}; `zk402_merchant_store_errors_total` {store_errors}",
        statuses(&down)
    ));
    section.line(format!(
        "Redis restarted: challenges issued again after {}; the paid retry of the challenge issued before the kill: {} \
         (the challenge was lost with Redis's memory); a new paid request: {}",
        issuing.map_or("never".into(), |t| format!("{:.2} s", t.as_secs_f64())),
        statuses(std::slice::from_ref(&lost)),
        statuses(std::slice::from_ref(&after)),
    ));
    section.check(before == Ok(200), "before the kill a paid request is served (200)".into());
    section.check(
        down.iter().all(|s| *s == Ok(503)) && unpaid_down == 503,
        "while the store is down every paid retry and the unpaid request get 503 (never 200): fails closed".into(),
    );
    section.check(
        store_errors >= RETRIES as f64,
        "every store failure is counted in zk402_merchant_store_errors_total".into(),
    );
    section.check(lost.as_ref().is_ok_and(|s| *s != 200), "a challenge lost with the store is never honoured".into());
    section.check(
        issuing.is_some() && after == Ok(200),
        format!(
            "after the restart the merchant issues challenges and serves a paid request (within {RECOVERY_LIMIT:?})"
        ),
    );
    Ok(section)
}
