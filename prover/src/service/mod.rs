//! The HTTP proof service (axum): `POST /v1/proofs`, `GET /health`, `GET /metrics`,
//! `GET /openapi.json`. See `prover/openapi.json` for the contract.

pub mod cache;
pub mod client;
pub mod config;
pub mod error;
pub mod metrics;
pub mod pool;
pub mod rate_limit;
pub mod request;

use crate::proof::ProofJson;
use crate::prover::{LoadError, Prover};
use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cache::ProofCache;
use client::{Access, Client};
use config::ServiceConfig;
use error::ApiError;
use metrics::{Metrics, Outcome};
use pool::WorkerPool;
use rate_limit::RateLimiter;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// The committed OpenAPI document of this service.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Shared state of the service.
pub struct Service {
    config: ServiceConfig,
    ready: OnceLock<Ready>,
    /// The service's metrics.
    pub metrics: Metrics,
    cache: Mutex<ProofCache>,
    access: Access,
    limiter: Mutex<RateLimiter<Client>>,
}

struct Ready {
    pool: WorkerPool,
    zkey_sha256: String,
    witness: &'static str,
}

impl Service {
    /// A service that answers `not_ready` until [`Service::set_ready`].
    pub fn new(config: ServiceConfig) -> Service {
        Service {
            cache: Mutex::new(ProofCache::new(config.cache_capacity, Duration::from_secs(config.cache_ttl))),
            access: Access::new(&config.api_key_header, &config.api_key_sha256, config.allow_anonymous),
            limiter: Mutex::new(RateLimiter::new(config.rate, config.burst, config.max_clients)),
            metrics: Metrics::default(),
            ready: OnceLock::new(),
            config,
        }
    }

    /// Starts the workers over a loaded prover; from now on `/health` is ready.
    pub fn set_ready(&self, prover: Arc<Prover>) {
        let (zkey_sha256, witness) = (hex(&prover.key().zkey_sha256), prover.witness_engine());
        let pool = WorkerPool::new(prover, self.config.workers, self.config.queue_depth);
        let _ = self.ready.set(Ready { pool, zkey_sha256, witness });
    }

    /// Takes a token from `client`'s bucket, or answers 429.
    fn limit(&self, client: Client) -> Result<(), ApiError> {
        let limited = self.limiter.lock().unwrap_or_else(|e| e.into_inner()).check(&client, Instant::now());
        limited.map_err(ApiError::rate_limited)
    }

    /// Authenticates the request and charges the bucket it is limited by. A refused key costs
    /// its address a token first, so guessing keys is throttled like any request.
    fn admit(&self, request: &Request) -> Result<(), ApiError> {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let address = Client::from_peer(peer);
        match self.access.authenticate(request.headers()) {
            Ok(key) => self.limit(key.map_or(address, Client::Key)),
            Err(refused) => {
                self.limit(address)?;
                Err(refused)
            }
        }
    }

    async fn proof(&self, request: Request) -> Result<(ProofJson, bool), ApiError> {
        self.admit(&request)?;
        let headers = request.headers().clone();
        let ready = self.ready.get().ok_or_else(|| ApiError::not_ready(self.config.retry_after))?;

        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
        if !is_json {
            return Err(ApiError::unsupported_media_type());
        }
        let limit = self.config.body_limit;
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(ApiError::payload_too_large(limit));
        }
        let body = to_bytes(request.into_body(), limit).await.map_err(|_| ApiError::payload_too_large(limit))?;
        let inputs = request::parse_inputs(&body)?;

        let key = request::cache_key(&inputs);
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let hit = cache.get(&key, Instant::now());
            self.metrics.cache_lookup(hit.is_some(), cache.len());
            if let Some(proof) = hit {
                return Ok((proof, true));
            }
        }

        let pending = ready.pool.submit(inputs).map_err(|_| ApiError::overloaded(self.config.retry_after))?;
        let in_flight = self.metrics.in_flight();
        let result = pending.await;
        drop(in_flight);
        let (proof, timings) = match result {
            Ok(Ok(done)) => done,
            Ok(Err(err)) => return Err(ApiError::from_prove_error(&err)),
            Err(_) => {
                tracing::error!("a proving worker dropped its job");
                return Err(ApiError::internal());
            }
        };
        self.metrics.proof_duration(timings.witness + timings.prove);
        let json = proof.to_json();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(key, json.clone(), Instant::now());
        self.metrics.cache_size(cache.len());
        Ok((json, false))
    }
}

/// The service's routes over shared state.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/v1/proofs", post(post_proof))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .with_state(service)
}

async fn post_proof(State(service): State<Arc<Service>>, request: Request) -> Response {
    let result = service.proof(request).await;
    let outcome = match &result {
        Ok((_, true)) => Outcome::Cached,
        Ok((_, false)) => Outcome::Proved,
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => Outcome::RateLimited,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Outcome::Unauthorized,
        Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => Outcome::Overloaded,
        Err(e) if e.status.is_client_error() => Outcome::BadRequest,
        Err(_) => Outcome::Internal,
    };
    service.metrics.outcome(outcome);
    match result {
        Ok((proof, cached)) => {
            let mut response = Json(proof).into_response();
            let value = if cached { "hit" } else { "miss" };
            response.headers_mut().insert("x-cache", header::HeaderValue::from_static(value));
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn health(State(service): State<Arc<Service>>) -> Response {
    match service.ready.get() {
        Some(ready) => {
            Json(serde_json::json!({"status": "ready", "zkey_sha256": ready.zkey_sha256, "witness": ready.witness}))
                .into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "loading"}))).into_response(),
    }
}

async fn metrics(State(service): State<Arc<Service>>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], service.metrics.render()).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Why the service stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listener failed.
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
    /// The proving key or circuit could not be loaded.
    #[error("loading the prover: {0}")]
    Load(#[from] LoadError),
}

/// Serves on `listener` until `shutdown` resolves, then stops accepting and finishes every
/// request in flight (queued proofs included). The listener answers at once; the key loads in
/// the background and `/health` turns ready when it is in memory.
pub async fn run(
    listener: TcpListener,
    config: ServiceConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (zkey, wasm, engine) = (config.zkey.clone(), config.wasm.clone(), config.witness);
    let service = Arc::new(Service::new(config));
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<LoadError>();
    let loading = service.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        match tokio::task::spawn_blocking(move || Prover::load_with(&zkey, &wasm, engine)).await {
            Ok(Ok(prover)) => {
                let witness = prover.witness_engine();
                loading.set_ready(Arc::new(prover));
                tracing::info!(seconds = started.elapsed().as_secs_f64(), witness, "proving key loaded; ready");
            }
            Ok(Err(err)) => {
                let _ = failed_tx.send(err);
            }
            Err(err) => tracing::error!(error = %err, "key loading task failed"),
        }
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<Option<LoadError>>();
    tokio::spawn(async move {
        let failure = tokio::select! {
            () = shutdown => None,
            Ok(err) = failed_rx => Some(err),
        };
        let _ = stop_tx.send(failure);
    });
    let (failure_tx, failure_rx) = tokio::sync::oneshot::channel::<LoadError>();
    let app = router(service).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            if let Ok(Some(err)) = stop_rx.await {
                let _ = failure_tx.send(err);
            }
        })
        .await?;
    match failure_rx.await {
        Ok(err) => Err(err.into()),
        Err(_) => Ok(()),
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
