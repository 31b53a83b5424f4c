//! The merchant server: a paid resource behind the x402 gate with its facilitator (and its
//! settlement worker), the receipt issuer, `/metrics` and `/health`. The demo,
//! `zk402 merchant serve` and the end-to-end tests run this same app.

use crate::config::{FacilitatorFileConfig, FacilitatorSettings, MerchantConfig};
use crate::world::World;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use solana_signer::Signer;
use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use zk402_chain::Chain;
use zk402_chain::endpoint::ChainBackend;
use zk402_chain::program::{PROGRAM_ID, fetch_policy, issuer_bytes};
use zk402_circuit::SigningKey;
use zk402_facilitator::store::{AnyStore, NullifierStore, SqliteStore};
use zk402_facilitator::{ChallengeKey, Facilitator, FacilitatorConfig, Mode, SettleConfig};
use zk402_merchant::gate::{GateConfig, X402Gate};
use zk402_merchant::issuer::{Issuer, IssuerConfig, Ledger, read_key};
use zk402_merchant::metrics::{MerchantMetrics, render_rpc};
use zk402_x402::Network;

/// The paid route.
pub const RESOURCE_PATH: &str = "/v1/resource";

/// Builds the merchant's app around `facilitator` (whose settlement worker the caller runs).
/// `extra_metrics` renders more Prometheus text for `/metrics` (the RPC fallback's counters
/// when the chain is reached over JSON-RPC).
pub fn merchant_router<C, S>(
    gate: GateConfig,
    facilitator: Arc<Facilitator<C, S>>,
    issuer: Issuer<C>,
    extra_metrics: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> Router
where
    C: Chain + Clone + 'static,
    S: NullifierStore,
{
    let metrics = Arc::new(MerchantMetrics::new());
    let facilitator_metrics = facilitator.metrics().clone();
    let gate = X402Gate::with_metrics(gate, facilitator, metrics.clone());
    let paid = Router::new().route(RESOURCE_PATH, get(resource)).layer(gate);
    let render = move || {
        let (metrics, facilitator_metrics, extra_metrics) =
            (metrics.clone(), facilitator_metrics.clone(), extra_metrics.clone());
        async move {
            let extra = join_metrics(&facilitator_metrics.render(), &extra_metrics());
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], join_metrics(&metrics.render(), &extra))
        }
    };
    paid.merge(zk402_merchant::issuer::router(Arc::new(issuer)))
        .route("/metrics", get(render))
        .route("/health", get(|| async { "ok" }))
}

/// Two Prometheus texts as one, with one `# EOF` at the end.
fn join_metrics(own: &str, extra: &str) -> String {
    let own = own.trim_end().strip_suffix("# EOF").unwrap_or(own).to_owned();
    let extra = extra.trim_end().strip_suffix("# EOF").unwrap_or(extra.trim_end());
    format!("{own}{}{}# EOF\n", extra, if extra.is_empty() { "" } else { "\n" })
}

/// The paid content: a small JSON document.
async fn resource() -> impl IntoResponse {
    axum::Json(serde_json::json!({
        "resource": RESOURCE_PATH,
        "message": "paid content: this request was paid with a zero-knowledge proof verified on Solana",
    }))
}

/// A merchant app running on loopback (demo, tests).
pub struct RunningMerchant {
    /// Its address.
    pub address: SocketAddr,
    /// The server task and the settlement worker (aborted on drop).
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningMerchant {
    /// `http://address`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The paid resource's URL.
    pub fn resource_url(&self) -> String {
        format!("{}{RESOURCE_PATH}", self.base_url())
    }
}

impl Drop for RunningMerchant {
    fn drop(&mut self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// Serves `router` on `listener` in a background task, beside `worker`.
pub fn spawn(
    listener: TcpListener,
    router: Router,
    worker: tokio::task::JoinHandle<()>,
) -> Result<RunningMerchant, String> {
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await {
            tracing::error!(error = %e, "merchant server stopped");
        }
    });
    Ok(RunningMerchant { address, tasks: vec![task, worker] })
}

/// How a demo or test merchant challenges and settles.
#[derive(Debug, Clone)]
pub struct MerchantSetup {
    /// Lifetime of its challenges, seconds.
    pub challenge_ttl_secs: u64,
    /// When it serves a paid request.
    pub mode: Mode,
    /// How its facilitator batches settlements.
    pub settle: SettleConfig,
    /// Its challenge key (default: a fresh one).
    pub challenge_key: Option<ChallengeKey>,
}

impl Default for MerchantSetup {
    /// Challenges of 120 s, `deferred` mode, batches of up to 10 flushed after 500 ms.
    fn default() -> MerchantSetup {
        let settle = SettleConfig { flush_after: Duration::from_millis(500), ..SettleConfig::default() };
        MerchantSetup { challenge_ttl_secs: 120, mode: Mode::Deferred, settle, challenge_key: None }
    }
}

/// Numbers the SQLite files of the merchants started in one process.
fn next_instance() -> usize {
    static INSTANCES: AtomicUsize = AtomicUsize::new(0);
    INSTANCES.fetch_add(1, Ordering::Relaxed)
}

/// The merchant of a demo [`World`] on an ephemeral loopback port: the gate, its facilitator
/// (nullifiers in a SQLite file in `dir`, fees paid by the world's facilitator key, a fresh
/// challenge key) and the issuer (its ledger in `dir`).
pub async fn spawn_for_world<C: Chain + Clone + 'static>(
    world: &World,
    network: &Network,
    chain: C,
    dir: &Path,
    setup: MerchantSetup,
    extra_metrics: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> Result<RunningMerchant, String> {
    let path = dir.join(format!("nullifiers-{}.sqlite", next_instance()));
    let store = SqliteStore::open(&path).map_err(|e| e.to_string())?;
    spawn_for_world_with_store(world, network, chain, store, dir, setup, extra_metrics).await
}

/// [`spawn_for_world`] with the nullifiers in `store` (e.g. a Redis store, for the
/// monitoring suites' store-outage test).
pub async fn spawn_for_world_with_store<C: Chain + Clone + 'static, S: NullifierStore>(
    world: &World,
    network: &Network,
    chain: C,
    store: S,
    dir: &Path,
    setup: MerchantSetup,
    extra_metrics: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> Result<RunningMerchant, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let challenge_ttl_secs = setup.challenge_ttl_secs;
    let gate = GateConfig {
        policy: world.policy,
        program_id: PROGRAM_ID,
        network: network.clone(),
        amount: world.terms.price,
        asset: world.mint.to_string(),
        pay_to: world.merchant.pubkey().to_string(),
        challenge_ttl_secs,
        max_timeout_seconds: challenge_ttl_secs,
        public_base_url: format!("http://{address}"),
        description: Some("zk402 demo resource".into()),
        mime_type: Some("application/json".into()),
    };
    let ledger = Ledger::open(&dir.join(format!("issuer-{}.sqlite", next_instance()))).map_err(|e| e.to_string())?;
    let issuer_config = IssuerConfig::new(world.mint, world.merchant.pubkey());
    let issuer = Issuer::new(chain.clone(), world.issuer.clone(), issuer_config, ledger);
    let key = match setup.challenge_key {
        Some(key) => key,
        None => ChallengeKey::generate().map_err(|e| e.to_string())?,
    };
    let config = FacilitatorConfig::new(network.clone(), key, vec![world.policy], setup.mode);
    let facilitator = Facilitator::new(config, setup.settle, chain.clone(), store, world.facilitator.insecure_clone());
    let worker = facilitator.spawn_worker();
    spawn(listener, merchant_router(gate, facilitator, issuer, extra_metrics), worker)
}

/// `zk402 merchant serve`: the app from a configuration, until Ctrl-C (in-flight requests
/// finish first).
pub async fn serve_configured(chain: Arc<ChainBackend>, config: &MerchantConfig) -> Result<(), String> {
    let network = Network::parse(&config.cluster.network).map_err(|e| format!("network: {e}"))?;
    let address = |text: &str, what: &str| {
        anchor_lang::prelude::Pubkey::from_str(text).map_err(|e| format!("{what} {text:?}: {e}"))
    };
    let gate = GateConfig {
        policy: address(&config.policy, "policy")?,
        program_id: PROGRAM_ID,
        network,
        amount: config.price,
        asset: config.mint.clone(),
        pay_to: config.recipient.clone(),
        challenge_ttl_secs: config.challenge_ttl_secs,
        max_timeout_seconds: config.challenge_ttl_secs,
        public_base_url: config.public_url.clone(),
        description: config.description.clone(),
        mime_type: Some("application/json".into()),
    };
    let issuer_config = config.issuer()?;
    let issuer_key = read_key(&config.issuer_key_file)?;
    check_policy(chain.as_ref(), &gate, &issuer_config, &issuer_key).await?;
    let ledger = Ledger::open(&config.issuer_ledger).map_err(|e| e.to_string())?;
    let issuer = Issuer::new(chain.clone(), issuer_key, issuer_config, ledger);
    let stats_chain = chain.clone();
    let extra = move || stats_chain.rpc_stats().map(|stats| render_rpc(&stats)).unwrap_or_default();
    let facilitator_config = config.facilitator.config(network_of(config)?, vec![gate.policy])?;
    let facilitator = start_facilitator(facilitator_config, &config.facilitator, chain.clone()).await?;
    let worker = facilitator.spawn_worker();
    let router = merchant_router(gate, facilitator, issuer, extra);
    let listener = TcpListener::bind(&config.bind).await.map_err(|e| format!("bind {}: {e}", config.bind))?;
    println!("merchant serving {}{RESOURCE_PATH} on {}", config.public_url, config.bind);
    serve_until_ctrl_c(listener, router, worker).await
}

/// Serves `router` until Ctrl-C (in-flight requests finish first), then stops `worker`.
pub(crate) async fn serve_until_ctrl_c(
    listener: TcpListener,
    router: Router,
    worker: tokio::task::JoinHandle<()>,
) -> Result<(), String> {
    let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string());
    worker.abort();
    served
}

/// The facilitator of `config` (from [`FacilitatorSettings::config`]), over `chain`, with the
/// fee payer and store `settings` name.
pub async fn start_facilitator<C: Chain + 'static>(
    config: FacilitatorConfig,
    settings: &FacilitatorSettings,
    chain: C,
) -> Result<Arc<Facilitator<C, AnyStore>>, String> {
    let fee_payer = crate::config::read_keypair(&settings.fee_payer_keypair_file).map_err(|e| e.to_string())?;
    let store = AnyStore::open(&settings.nullifier_store).await.map_err(|e| format!("nullifier_store: {e}"))?;
    Ok(Facilitator::new(config, SettleConfig::default(), chain, store, fee_payer))
}

/// `zk402 facilitator serve`: x402's facilitator API (`/supported`, `/verify`, `/settle`,
/// `/challenge`, `/metrics`) and the settlement worker, until Ctrl-C.
pub async fn serve_facilitator(chain: Arc<ChainBackend>, config: &FacilitatorFileConfig) -> Result<(), String> {
    let network = Network::parse(&config.cluster.network).map_err(|e| format!("network: {e}"))?;
    let policies = config
        .policies
        .iter()
        .map(|p| anchor_lang::prelude::Pubkey::from_str(p).map_err(|e| format!("policy {p:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut facilitator_config = config.facilitator.config(network, policies)?;
    if let Some(ttl) = config.challenge_ttl_secs {
        facilitator_config.challenge_ttl_secs = ttl;
    }
    let facilitator = start_facilitator(facilitator_config, &config.facilitator, chain).await?;
    let worker = facilitator.spawn_worker();
    let listener = TcpListener::bind(&config.bind).await.map_err(|e| format!("bind {}: {e}", config.bind))?;
    println!("facilitator serving /supported, /verify, /settle, /challenge on {}", config.bind);
    serve_until_ctrl_c(listener, zk402_facilitator::api::router(facilitator), worker).await
}

fn network_of(config: &MerchantConfig) -> Result<Network, String> {
    Network::parse(&config.cluster.network).map_err(|e| format!("network: {e}"))
}

/// Refuses to start a merchant whose configuration disagrees with its policy account: payments
/// it asks for could never be proved (another recipient or issuer key), or its price is not
/// the policy's price of one request.
async fn check_policy(
    chain: &impl Chain,
    gate: &GateConfig,
    issuer: &IssuerConfig,
    key: &SigningKey,
) -> Result<(), String> {
    let policy = fetch_policy(chain, &gate.policy)
        .await
        .map_err(|e| format!("reading policy {}: {e}", gate.policy))?
        .ok_or_else(|| format!("policy {} does not exist (run merchant create-policy)", gate.policy))?;
    if policy.recipient != issuer.recipient {
        return Err(format!("policy {} pays {}, not the configured recipient", gate.policy, policy.recipient));
    }
    if policy.issuer != issuer_bytes(&key.public_key()) {
        return Err(format!("policy {} names another issuer key than issuer_key_file", gate.policy));
    }
    if gate.amount != policy.price {
        return Err(format!("price {} is not the policy's price of one request, {}", gate.amount, policy.price));
    }
    Ok(())
}
