//! Chaos: the merchant's first Solana RPC endpoint fails (nothing listens on its address). The
//! merchant must keep serving paid requests through the fallback endpoint, its metrics must
//! show the fallback in use and the endpoint's circuit breaker open; once the endpoint is back
//! (the cluster's JSON-RPC facade bound again on its address) and the cool-down has passed,
//! the breaker's probe succeeds and it closes.

use super::Section;
use super::merchant::{redeem_status, scrape, statuses};
use crate::names::sample;
use std::time::{Duration, Instant};
use url::Url;
use zk402_chain::resilience::BreakerConfig;
use zk402_cli::world::Terms;
use zk402_e2e::{
    HttpPayer, MerchantSetup, Scene, dead_address, pay_and_prove, rpc_backend_with_breaker, serve_merchant,
    serve_rpc_on,
};

/// The report section's title.
pub const TITLE: &str = "Chaos: a failing Solana RPC endpoint (fallback, breaker opens and closes)";

/// The merchant's breakers: open after 3 consecutive failures, probe again after 3 s.
const BREAKER: BreakerConfig = BreakerConfig { failure_threshold: 3, cool_down: Duration::from_secs(3) };

/// One paid request through the merchant at `url`: its status.
async fn paid_request(payer: &HttpPayer, url: &str, base: &str) -> Result<u16, String> {
    let (offer, paid) = pay_and_prove(payer, url, base).await;
    redeem_status(payer.redeem(&offer, &paid).await)
}

/// The metrics of the failing endpoint `label` and the fallback counter.
struct RpcFigures {
    fallbacks: f64,
    state: f64,
    opens: f64,
    ok: f64,
}

impl RpcFigures {
    fn read(exposition: &str, label: &str) -> RpcFigures {
        let series = |name: &str, labels: &str| sample(exposition, &format!("{name}{{endpoint=\"{label}\"{labels}}}"));
        RpcFigures {
            fallbacks: sample(exposition, "zk402_rpc_fallbacks_total").unwrap_or(-1.0),
            state: series("zk402_rpc_breaker_state", "").unwrap_or(-1.0),
            opens: series("zk402_rpc_breaker_opens_total", "").unwrap_or(-1.0),
            ok: series("zk402_rpc_calls_total", ",outcome=\"ok\"").unwrap_or(-1.0),
        }
    }

    fn summary(&self) -> String {
        format!(
            "`zk402_rpc_fallbacks_total` {}, failing endpoint's `breaker_state` {}, `breaker_opens_total` {}, ok calls {}",
            self.fallbacks, self.state, self.opens, self.ok
        )
    }
}

/// Runs the suite.
pub async fn run() -> Result<Section, String> {
    let scene = Scene::start(Terms::default()).await;
    let failing = dead_address().await;
    let urls = [Url::parse(&format!("http://{failing}")).map_err(|e| e.to_string())?, scene.rpc_url.clone()];
    let chain = rpc_backend_with_breaker(&urls, BREAKER);
    let label = chain
        .rpc_stats()
        .and_then(|stats| stats.endpoints.first().map(|e| e.endpoint.clone()))
        .ok_or("the JSON-RPC backend has no endpoint")?;
    let merchant =
        serve_merchant(&scene.world, &scene.network, chain, scene.dir.path(), MerchantSetup::default()).await;
    let payer = scene.payer();
    let (url, base) = (merchant.resource_url(), merchant.base_url());

    let down = paid_request(&payer, &url, &base).await;
    let open = RpcFigures::read(&scrape(merchant.address).await?, &label);

    let listener = tokio::net::TcpListener::bind(failing).await.map_err(|e| format!("rebind {failing}: {e}"))?;
    let _restored = serve_rpc_on(listener, &scene.chain);
    let back = Instant::now();
    tokio::time::sleep(BREAKER.cool_down + Duration::from_millis(200)).await;
    let up = paid_request(&payer, &url, &base).await;
    let closed = RpcFigures::read(&scrape(merchant.address).await?, &label);
    let closed_after = back.elapsed();

    let mut section = Section::new(TITLE);
    section.line(format!(
        "merchant RPC endpoints [`{label}` (nothing listening), the facade]; breaker opens after {} consecutive failures, \
         cool-down {:?}; retries: 2 attempts per endpoint",
        BREAKER.failure_threshold, BREAKER.cool_down
    ));
    section.line(format!(
        "endpoint down: a paid request: {}; then {}",
        statuses(std::slice::from_ref(&down)),
        open.summary()
    ));
    section.line(format!(
        "endpoint back (facade bound on its address), after the cool-down: a paid request: {}; then {} ({:.1} s after the endpoint came back)",
        statuses(std::slice::from_ref(&up)),
        closed.summary(),
        closed_after.as_secs_f64()
    ));
    section.check(
        down == Ok(200),
        "with the first endpoint down, paid requests are served through the fallback (200)".into(),
    );
    section.check(open.fallbacks >= 1.0, "the fallback is in use: zk402_rpc_fallbacks_total grows".into());
    section.check(open.state == 2.0 && open.opens >= 1.0, "the failing endpoint's breaker is open (state 2)".into());
    section.check(
        up == Ok(200) && closed.state == 0.0 && closed.ok > open.ok.max(0.0),
        "after the cool-down the probe succeeds: the breaker closes (state 0) and the endpoint answers again".into(),
    );
    Ok(section)
}
