//! Harness of the end-to-end tests: a fresh in-process cluster with the demo world (mint,
//! merchant, issuer, facilitator key, payer, policy), the cluster served over real JSON-RPC on
//! loopback, the prover service and the merchant app (x402 gate + facilitator + issuer) on
//! loopback, and a payer that reaches all of them over HTTP — the same code the CLI runs against
//! a real cluster.

use solana_keypair::Keypair;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;
use zk402_chain::endpoint::{ChainBackend, ChainConfig};
use zk402_chain::local::LocalChain;
use zk402_chain::resilience::{BreakerConfig, RetryPolicy};
pub use zk402_cli::app::MerchantSetup;
use zk402_cli::app::{RunningMerchant, spawn_for_world};
use zk402_cli::world::{Terms, World};
use zk402_merchant::metrics::render_rpc;
use zk402_payer::{HttpProver, Offer, Payer, Proven, Wallet};
use zk402_prover::service::config::{ServiceConfig, ServiceSettings};
use zk402_x402::Network;

/// A server task that stops when dropped.
pub struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Binds an ephemeral loopback port.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    (listener, address)
}

/// A loopback address nothing listens on (bound, then released).
pub async fn dead_address() -> SocketAddr {
    let (listener, address) = listener().await;
    drop(listener);
    address
}

/// The cluster served over JSON-RPC on loopback.
pub async fn serve_rpc(chain: &LocalChain) -> (Url, Task) {
    let (listener, address) = listener().await;
    (Url::parse(&format!("http://{address}")).expect("url"), serve_rpc_on(listener, chain))
}

/// The cluster served over JSON-RPC on `listener` (e.g. bound again on an endpoint's address
/// to bring a failed endpoint back).
pub fn serve_rpc_on(listener: TcpListener, chain: &LocalChain) -> Task {
    let chain = Arc::new(chain.clone());
    Task(tokio::spawn(async move {
        let _ = zk402_chain::rpc::server::serve(listener, chain).await;
    }))
}

/// The prover service on loopback with the committed test-ceremony key; returns once it is
/// ready.
pub async fn serve_prover() -> (String, Task) {
    let (listener, address) = listener().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let paths = ServiceSettings {
        zkey: Some(root.join("ceremony/test-ceremony/payment_final.zkey")),
        wasm: Some(zk402_circuit::artifacts::ArtifactPaths::committed().wasm),
        ..ServiceSettings::default()
    };
    let defaults = paths.with_defaults().expect("the test prover's settings");
    let config = ServiceConfig {
        bind: address,
        workers: 1,
        queue_depth: 8,
        rate: 100.0,
        burst: 100,
        max_clients: 100,
        cache_capacity: 16,
        cache_ttl: 60,
        ..defaults
    };
    let task = tokio::spawn(async move {
        let _ = zk402_prover::service::run(listener, config, std::future::pending()).await;
    });
    let url = format!("http://{address}");
    wait_healthy(&url, Duration::from_secs(60)).await;
    (url, Task(task))
}

/// Waits until `{base_url}/health` answers 2xx; panics after `limit`.
pub async fn wait_healthy(base_url: &str, limit: Duration) {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if client.get(format!("{base_url}/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base_url} not healthy after {limit:?}");
}

/// A JSON-RPC chain backend over `urls` (in fallback order) with quick retries.
pub fn rpc_backend(urls: &[Url]) -> Arc<ChainBackend> {
    rpc_backend_with_breaker(urls, BreakerConfig::default())
}

/// [`rpc_backend`] with each endpoint's circuit breaker set by `breaker` (a short cool-down
/// lets a test see it open and close).
pub fn rpc_backend_with_breaker(urls: &[Url], breaker: BreakerConfig) -> Arc<ChainBackend> {
    let mut config = ChainConfig::new(urls.to_vec());
    config.breaker = breaker;
    config.request_timeout = Duration::from_secs(10);
    config.retry =
        RetryPolicy { max_attempts: 2, base_delay: Duration::from_millis(20), max_delay: Duration::from_millis(100) };
    Arc::new(ChainBackend::rpc(&config).expect("rpc backend"))
}

/// The merchant app of `world` on loopback, reaching the chain through `chain`; its metrics
/// include the RPC fallback's counters.
pub async fn serve_merchant(
    world: &World,
    network: &Network,
    chain: Arc<ChainBackend>,
    dir: &std::path::Path,
    setup: MerchantSetup,
) -> RunningMerchant {
    let extra = rpc_metrics(&chain);
    spawn_for_world(world, network, chain, dir, setup, extra).await.expect("merchant server")
}

/// Renders `chain`'s RPC fallback counters for a merchant's `/metrics` (empty for the
/// in-process backend).
pub fn rpc_metrics(chain: &Arc<ChainBackend>) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let chain = chain.clone();
    move || chain.rpc_stats().map(|stats| render_rpc(&stats)).unwrap_or_default()
}

/// Pays the merchant behind `url` for one credit, obtains the receipt from the issuer at
/// `issuer_url` and proves; the caller redeems the proof (shared by the end-to-end tests and the
/// monitoring suites).
pub async fn pay_and_prove(payer: &HttpPayer, url: &str, issuer_url: &str) -> (Offer, Proven) {
    let offer = payer.offer(url).await.expect("offer").expect("402");
    let mint = offer.accepted.asset.parse().expect("mint");
    let pay_to = offer.accepted.pay_to.parse().expect("payTo");
    let transfer = payer.pay(&mint, &pay_to, offer.accepted.amount).await.expect("payment");
    payer.obtain_receipt(issuer_url, &offer.policy.issuer, &transfer).await.expect("receipt");
    let proven = payer.prove(&offer).await.expect("proof");
    (offer, proven)
}

/// Everything one scenario needs.
pub struct Scene {
    /// The cluster.
    pub chain: LocalChain,
    /// Its CAIP-2 id.
    pub network: Network,
    /// Mint, merchant, issuer, payer, policy.
    pub world: World,
    /// The cluster's JSON-RPC facade.
    pub rpc_url: Url,
    /// The prover service's base URL.
    pub prover_url: String,
    /// The merchant app.
    pub merchant: RunningMerchant,
    /// Files of this scene (wallets, stores).
    pub dir: TempDir,
    _servers: Vec<Task>,
}

/// The payer type of the scenes: JSON-RPC chain access and the prover service over HTTP.
pub type HttpPayer = Payer<Arc<ChainBackend>, HttpProver>;

impl Scene {
    /// A fresh cluster and world, every server on loopback; the merchant reaches the chain
    /// through `merchant_rpc` (default: the facade alone).
    pub async fn start(terms: Terms) -> Scene {
        let chain = LocalChain::start().await;
        chain.set_unix_time(zk402_facilitator::unix_now() as i64).await.expect("clock");
        let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).expect("network id");
        let world = World::create(&chain, terms).await.expect("world");
        let (rpc_url, rpc_task) = serve_rpc(&chain).await;
        let (prover_url, prover_task) = serve_prover().await;
        let dir = tempfile::tempdir().expect("temporary directory");
        let merchant = serve_merchant(
            &world,
            &network,
            rpc_backend(std::slice::from_ref(&rpc_url)),
            dir.path(),
            MerchantSetup::default(),
        )
        .await;
        Scene { chain, network, world, rpc_url, prover_url, merchant, dir, _servers: vec![rpc_task, prover_task] }
    }

    /// A payer with `keypair` and its own wallet file `name`, reaching the chain over `rpc`
    /// and the prover at `prover_url`.
    pub fn payer_with(&self, keypair: Keypair, name: &str, rpc: &[Url], prover_url: &str) -> HttpPayer {
        let wallet = Wallet::open(&self.dir.path().join(format!("{name}.json"))).expect("wallet");
        let retry = RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        };
        let prover = HttpProver::new(prover_url, None, retry, Duration::from_secs(60)).expect("prover client");
        Payer::new(rpc_backend(rpc), prover, keypair, wallet, self.network.clone())
    }

    /// The world's payer, over the facade and the prover service.
    pub fn payer(&self) -> HttpPayer {
        self.payer_with(
            self.world.payer.insecure_clone(),
            "wallet",
            std::slice::from_ref(&self.rpc_url),
            &self.prover_url,
        )
    }
}
