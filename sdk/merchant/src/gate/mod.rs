//! The x402 gate: a tower [`Layer`] that puts a price on every route behind it.
//!
//! ```text
//! no PAYMENT-SIGNATURE                → 402 + PAYMENT-REQUIRED (fresh challenge)
//! malformed PAYMENT-SIGNATURE         → 400 {error: <code>}
//! payment refused                     → 402 + PAYMENT-REQUIRED (error, fresh challenge)
//!                                           + PAYMENT-RESPONSE (success: false)
//! payment confirmed on chain          → inner service's answer + PAYMENT-RESPONSE
//! challenge store or chain unreachable → 503, the inner service is never called
//! ```
//!
//! A payment is checked in this order: the payload's network, policy and program are ours;
//! its challenge is reserved (single use); the challenge was issued for this policy and this
//! resource, and its request hash is the payload's; then on chain (see [`confirm`]). The
//! challenge is committed once everything passed, and released when anything failed.

pub mod config;
pub mod confirm;
pub mod refusal;
pub mod response;

pub use config::GateConfig;
pub use refusal::Refusal;

use crate::challenge::{
    Challenge, ChallengeStore, Reservation, StoreError, new_challenge, request_hash_bytes, unix_now,
};
use crate::metrics::MerchantMetrics;
use axum::body::Body;
use axum::response::Response;
use confirm::{Expected, Unconfirmed, confirm_payment};
use http::{HeaderValue, Request};
use solana_signature::Signature;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::{Layer, Service};
use zk402_chain::{Chain, ChainError};
use zk402_x402::{
    ChallengeInfo, PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, Scheme, SettlementResponse,
    X402_VERSION, ZkExtra, decode_header_bytes,
};

/// The layer: `Router::new().route(..).layer(X402Gate::new(config, chain, store))`.
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
    chain: C,
    store: S,
    metrics: Arc<MerchantMetrics>,
}

impl<C: Chain + 'static, S: ChallengeStore> X402Gate<C, S> {
    /// A gate with its own metrics (see [`X402Gate::metrics`]).
    pub fn new(config: GateConfig, chain: C, store: S) -> Self {
        X402Gate::with_metrics(config, chain, store, Arc::new(MerchantMetrics::new()))
    }

    /// A gate that counts into `metrics` (shared with a `/metrics` route, or with other gates).
    pub fn with_metrics(config: GateConfig, chain: C, store: S, metrics: Arc<MerchantMetrics>) -> Self {
        X402Gate { shared: Arc::new(Shared { config, chain, store, metrics }) }
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
    S: ChallengeStore,
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
        Box::pin(async move {
            let resource = shared.config.resource_url(&path);
            match shared.admit(signature, resource).await {
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
    Store(StoreError),
    Chain(ChainError),
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Failure {
        Failure::Refused(refusal)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

impl From<Unconfirmed> for Failure {
    fn from(unconfirmed: Unconfirmed) -> Failure {
        match unconfirmed {
            Unconfirmed::Refused(refusal) => Failure::Refused(refusal),
            Unconfirmed::Chain(error) => Failure::Chain(error),
        }
    }
}

impl<C: Chain, S: ChallengeStore> Shared<C, S> {
    async fn admit(&self, signature: Option<HeaderValue>, resource: String) -> Admission {
        let Some(header) = signature else {
            return self.payment_required(resource, None).await;
        };
        let payload = match decode_header_bytes::<PaymentPayload>(header.as_bytes()) {
            Ok(payload) => payload,
            Err(e) => return self.bad_request(e.code(), &e.to_string()),
        };
        let Ok(tx) = Signature::from_str(&payload.payload.transaction) else {
            return self.bad_request("invalid_transaction_signature", "payload.transaction is not a base58 signature");
        };
        match self.settle(&payload, &tx, &resource).await {
            Ok(()) => {
                self.metrics.accepted();
                Admission::Paid(self.settlement(payload.payload.transaction, None))
            }
            Err(Failure::Refused(refusal)) => {
                self.metrics.refused(refusal);
                self.payment_required(resource, Some(refusal)).await
            }
            Err(Failure::Store(e)) => self.store_down(&e),
            Err(Failure::Chain(e)) => {
                self.metrics.chain_error();
                tracing::warn!(error = %e, "chain unavailable; refusing to serve");
                Admission::Answer(response::unavailable("chain_unavailable", "payments cannot be checked on chain now"))
            }
        }
    }

    /// Reserve → check → commit, or release on any failure.
    async fn settle(&self, payload: &PaymentPayload, tx: &Signature, resource: &str) -> Result<(), Failure> {
        self.check_terms(&payload.accepted)?;
        let nonce = payload.accepted.extra.challenge.nonce;
        let challenge = match self.store.reserve(&nonce, unix_now()).await? {
            Reservation::Reserved(challenge) => challenge,
            Reservation::AlreadyUsed => return Err(Refusal::ChallengeUsed.into()),
            Reservation::Unknown => return Err(Refusal::ChallengeUnknown.into()),
            Reservation::Expired => return Err(Refusal::ChallengeExpired.into()),
            Reservation::InUse => return Err(Refusal::ChallengeInUse.into()),
        };
        match self.check_payment(&challenge, payload, tx, resource).await {
            Ok(()) => Ok(self.store.commit(&nonce, &payload.payload.transaction).await?),
            Err(failure) => {
                if let Err(e) = self.store.release(&nonce).await {
                    self.metrics.store_error();
                    tracing::warn!(error = %e, "could not release a challenge; it stays reserved until it expires");
                }
                Err(failure)
            }
        }
    }

    /// The payment names our network, policy and verifier program.
    fn check_terms(&self, accepted: &PaymentRequirements) -> Result<(), Refusal> {
        if accepted.network != self.config.network {
            return Err(Refusal::NetworkMismatch);
        }
        if accepted.extra.policy != self.config.policy.to_string() {
            return Err(Refusal::PolicyMismatch);
        }
        if accepted.extra.verifier_program != self.config.program_id.to_string() {
            return Err(Refusal::ProgramMismatch);
        }
        Ok(())
    }

    /// The reserved challenge fits this request and the payload, and the chain confirms it.
    async fn check_payment(
        &self,
        challenge: &Challenge,
        payload: &PaymentPayload,
        tx: &Signature,
        resource: &str,
    ) -> Result<(), Failure> {
        if challenge.policy != self.config.policy.to_bytes() {
            return Err(Refusal::PolicyMismatch.into());
        }
        if challenge.resource != resource {
            return Err(Refusal::ResourceMismatch.into());
        }
        let request_hash = request_hash_bytes(challenge);
        if payload.payload.request_hash != request_hash {
            return Err(Refusal::RequestHashMismatch.into());
        }
        let expected = Expected {
            program_id: &self.config.program_id,
            policy: &self.config.policy,
            request_hash: &request_hash,
            nullifier: &payload.payload.nullifier,
        };
        let started = Instant::now();
        let confirmed = confirm_payment(&self.chain, tx, expected).await;
        self.metrics.confirmation(started.elapsed());
        Ok(confirmed?)
    }

    /// A 402 with a fresh challenge (and the refusal, if any).
    async fn payment_required(&self, resource: String, refusal: Option<Refusal>) -> Admission {
        let config = &self.config;
        let challenge = match new_challenge(config.policy.to_bytes(), resource, unix_now(), config.challenge_ttl_secs) {
            Ok(challenge) => challenge,
            Err(e) => {
                tracing::error!(error = %e, "cannot create a challenge");
                return Admission::Answer(response::unavailable(
                    "challenge_unavailable",
                    "cannot issue a challenge now",
                ));
            }
        };
        if let Err(e) = self.store.issue(&challenge).await {
            return self.store_down(&e);
        }
        self.metrics.payment_required();
        let required = PaymentRequired {
            x402_version: X402_VERSION,
            error: Some(refusal.map_or("PAYMENT-SIGNATURE header is required", Refusal::message).to_owned()),
            resource: ResourceInfo {
                url: challenge.resource.clone(),
                description: config.description.clone(),
                mime_type: config.mime_type.clone(),
            },
            accepts: vec![PaymentRequirements {
                scheme: Scheme::ZkGroth16,
                network: config.network.clone(),
                amount: config.amount,
                asset: config.asset.clone(),
                pay_to: config.pay_to.clone(),
                max_timeout_seconds: config.max_timeout_seconds,
                extra: ZkExtra {
                    policy: config.policy.to_string(),
                    verifier_program: config.program_id.to_string(),
                    challenge: ChallengeInfo {
                        nonce: challenge.nonce,
                        expires_at: challenge.expires_at,
                        request_hash: request_hash_bytes(&challenge),
                    },
                },
            }],
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

    fn store_down(&self, error: &StoreError) -> Admission {
        self.metrics.store_error();
        tracing::warn!(error = %error, "challenge store unavailable; refusing to serve");
        Admission::Answer(response::unavailable("store_unavailable", "payments cannot be checked now"))
    }
}
