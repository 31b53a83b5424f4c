//! The x402 gate: a tower [`Layer`] that puts a price on every route behind it.
//!
//! ```text
//! no PAYMENT-SIGNATURE                 → 402 + PAYMENT-REQUIRED (fresh stateless challenge)
//! malformed PAYMENT-SIGNATURE          → 400 {error: <code>}
//! payment refused                      → 402 + PAYMENT-REQUIRED (error, fresh challenge)
//!                                            + PAYMENT-RESPONSE (success: false)
//! payment verified (deferred) or       → inner service's answer + PAYMENT-RESPONSE
//!   settled on chain (confirm)
//! facilitator's store or chain down    → 503, the inner service is never called
//! ```
//!
//! Challenges are minted with the merchant's challenge key and stored nowhere: an unpaid request
//! writes nothing. A payment must answer a challenge for this request's method and URL; the
//! gate's facilitator checks the rest (MAC, proof, nullifier), reserves the credit and settles.

pub mod config;
pub mod refusal;
pub mod response;

pub use config::GateConfig;
pub use refusal::Refusal;

use crate::metrics::MerchantMetrics;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, Method, Request};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::{Layer, Service};
use zk402_chain::Chain;
use zk402_facilitator::store::NullifierStore;
use zk402_facilitator::{Facilitator, SettleError, VerifyError, challenge, unix_now};
use zk402_x402::{
    ChallengeInfo, PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, Scheme, SettlementResponse,
    X402_VERSION, ZkExtra, decode_header_bytes,
};

/// The layer: `Router::new().route(..).layer(X402Gate::new(config, facilitator))`.
pub struct X402Gate<C, S> {
    shared: Arc<Shared<C, S>>,
}

impl<C, S> Clone for X402Gate<C, S> {
    fn clone(&self) -> Self {
        X402Gate { shared: Arc::clone(&self.shared) }
    }
}

struct Shared<C, S> {
    config: GateConfig,
    facilitator: Arc<Facilitator<C, S>>,
    metrics: Arc<MerchantMetrics>,
}

impl<C: Chain + 'static, S: NullifierStore> X402Gate<C, S> {
    /// A gate with its own metrics (see [`X402Gate::metrics`]) that verifies and settles
    /// through `facilitator` (whose challenge key it mints with).
    pub fn new(config: GateConfig, facilitator: Arc<Facilitator<C, S>>) -> Self {
        X402Gate::with_metrics(config, facilitator, Arc::new(MerchantMetrics::new()))
    }

    /// A gate that counts into `metrics` (shared with a `/metrics` route, or with other gates).
    pub fn with_metrics(
        config: GateConfig,
        facilitator: Arc<Facilitator<C, S>>,
        metrics: Arc<MerchantMetrics>,
    ) -> Self {
        X402Gate { shared: Arc::new(Shared { config, facilitator, metrics }) }
    }

    /// The gate's metrics.
    pub fn metrics(&self) -> &Arc<MerchantMetrics> {
        &self.shared.metrics
    }
}

impl<I, C, S> Layer<I> for X402Gate<C, S> {
    type Service = X402GateService<I, C, S>;

    fn layer(&self, inner: I) -> Self::Service {
        X402GateService { inner, shared: Arc::clone(&self.shared) }
    }
}

/// The service the layer wraps around the protected routes.
pub struct X402GateService<I, C, S> {
    inner: I,
    shared: Arc<Shared<C, S>>,
}

impl<I: Clone, C, S> Clone for X402GateService<I, C, S> {
    fn clone(&self) -> Self {
        X402GateService { inner: self.inner.clone(), shared: Arc::clone(&self.shared) }
    }
}

/// The gate's response future.
pub type ResponseFuture<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

impl<I, C, S> Service<Request<Body>> for X402GateService<I, C, S>
where
    I: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    I::Future: Send,
    C: Chain + 'static,
    S: NullifierStore,
{
    type Response = Response;
    type Error = I::Error;
    type Future = ResponseFuture<I::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request; a fresh clone stays behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        let signature = request.headers().get(response::PAYMENT_SIGNATURE).cloned();
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let method = request.method().clone();
        Box::pin(async move {
            let target = Target { method, url: shared.config.resource_url(&path) };
            match shared.admit(signature, &target).await {
                Admission::Paid(settlement) => {
                    let mut answer = inner.call(request).await?;
                    response::add_settlement(&mut answer, &settlement);
                    Ok(answer)
                }
                Admission::Answer(answer) => Ok(answer),
            }
        })
    }
}

/// The request being paid for.
struct Target {
    method: Method,
    url: String,
}

/// What the gate decided about one request.
enum Admission {
    /// Paid: serve it and attach this settlement.
    Paid(SettlementResponse),
    /// Answer it with this response instead.
    Answer(Response),
}

/// Why a payment did not go through.
enum Failure {
    Refused(Refusal),
    /// The nullifier store failed, or settlement did not confirm in time.
    Store(String),
    /// The chain could not be read.
    Chain(String),
}

impl From<VerifyError> for Failure {
    fn from(error: VerifyError) -> Failure {
        match error {
            VerifyError::Invalid(invalid) => Failure::Refused(Refusal::Invalid(invalid)),
            VerifyError::Chain(e) => Failure::Chain(e.to_string()),
            VerifyError::Store(e) => Failure::Store(e.to_string()),
        }
    }
}

impl From<SettleError> for Failure {
    fn from(error: SettleError) -> Failure {
        match error {
            SettleError::Verify(e) => e.into(),
            SettleError::Failed(reason) => Failure::Refused(Refusal::Settlement(reason)),
            other => Failure::Store(other.to_string()),
        }
    }
}

impl<C: Chain + 'static, S: NullifierStore> Shared<C, S> {
    async fn admit(&self, signature: Option<HeaderValue>, target: &Target) -> Admission {
        let Some(header) = signature else {
            return self.payment_required(target, None);
        };
        let payload = match decode_header_bytes::<PaymentPayload>(header.as_bytes()) {
            Ok(payload) => payload,
            Err(e) => return self.bad_request(e.code(), &e.to_string()),
        };
        let started = Instant::now();
        let outcome = self.pay(&payload, target).await;
        self.metrics.confirmation(started.elapsed());
        match outcome {
            Ok(transaction) => {
                self.metrics.accepted();
                Admission::Paid(self.settlement(transaction.unwrap_or_default(), None))
            }
            Err(Failure::Refused(refusal)) => {
                self.metrics.refused(&refusal);
                self.payment_required(target, Some(refusal))
            }
            Err(Failure::Store(message)) => {
                self.metrics.store_error();
                tracing::warn!(error = %message, "nullifier store unavailable; refusing to serve");
                Admission::Answer(response::unavailable("store_unavailable", "payments cannot be checked now"))
            }
            Err(Failure::Chain(message)) => {
                self.metrics.chain_error();
                tracing::warn!(error = %message, "chain unavailable; refusing to serve");
                Admission::Answer(response::unavailable("chain_unavailable", "payments cannot be checked on chain now"))
            }
        }
    }

    /// The payment answers a challenge for this request; the facilitator verifies it (reserving
    /// its credit) and settles it.
    async fn pay(&self, payload: &PaymentPayload, target: &Target) -> Result<Option<String>, Failure> {
        let challenge = &payload.accepted.extra.challenge;
        if payload.resource.as_ref().map(|r| r.url.as_str()) != Some(target.url.as_str()) {
            return Err(Failure::Refused(Refusal::ResourceMismatch));
        }
        if challenge.method != target.method.as_str() {
            return Err(Failure::Refused(Refusal::MethodMismatch));
        }
        let requirements = self.requirements(challenge.clone());
        let verified = self.facilitator.verify(payload, &requirements).await?;
        Ok(self.facilitator.settle_verified(verified).await?)
    }

    /// Our requirements around `challenge`.
    fn requirements(&self, challenge: ChallengeInfo) -> PaymentRequirements {
        let config = &self.config;
        PaymentRequirements {
            scheme: Scheme::ZkGroth16,
            network: config.network.clone(),
            amount: config.amount,
            asset: config.asset.clone(),
            pay_to: config.pay_to.clone(),
            max_timeout_seconds: config.max_timeout_seconds,
            extra: ZkExtra {
                policy: config.policy.to_string(),
                verifier_program: config.program_id.to_string(),
                challenge,
            },
        }
    }

    /// A 402 with a fresh challenge (and the refusal, if any).
    fn payment_required(&self, target: &Target, refusal: Option<Refusal>) -> Admission {
        let config = &self.config;
        let key = &self.facilitator.config().challenge_key;
        let method = target.method.as_str();
        let challenge = match challenge::mint(
            key,
            &config.policy.to_bytes(),
            method,
            &target.url,
            unix_now(),
            config.challenge_ttl_secs,
        ) {
            Ok(challenge) => challenge,
            Err(e) => {
                tracing::error!(error = %e, "cannot mint a challenge");
                return Admission::Answer(response::unavailable(
                    "challenge_unavailable",
                    "cannot issue a challenge now",
                ));
            }
        };
        self.metrics.payment_required();
        let required = PaymentRequired {
            x402_version: X402_VERSION,
            error: Some(refusal.as_ref().map_or("PAYMENT-SIGNATURE header is required".into(), Refusal::message)),
            resource: ResourceInfo {
                url: target.url.clone(),
                description: config.description.clone(),
                mime_type: config.mime_type.clone(),
            },
            accepts: vec![self.requirements(challenge)],
            extensions: None,
        };
        let failed = refusal.map(|r| self.settlement(String::new(), Some(r)));
        Admission::Answer(response::payment_required(&required, failed.as_ref()))
    }

    fn settlement(&self, transaction: String, refusal: Option<Refusal>) -> SettlementResponse {
        SettlementResponse {
            success: refusal.is_none(),
            error_reason: refusal.map(|r| r.code().to_owned()),
            payer: None,
            transaction,
            network: self.config.network.clone(),
        }
    }

    fn bad_request(&self, code: &'static str, message: &str) -> Admission {
        self.metrics.bad_request(code);
        Admission::Answer(response::bad_request(code, message))
    }
}
