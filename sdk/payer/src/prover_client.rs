//! Where proofs come from: the prover service over HTTP (`POST /v1/proofs`), or the prover
//! library in-process. Both answer the same snarkjs-shaped [`ProofJson`].

use reqwest::StatusCode;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use zk402_chain::resilience::RetryPolicy;
use zk402_circuit::PaymentInputs;
use zk402_prover::{ProofJson, Prover};

/// Why no proof came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    /// The prover refused the inputs (stable `code` from the service, e.g.
    /// `statement_check_failed`); retrying the same inputs cannot help.
    #[error("prover refused the inputs: {code}: {message}")]
    Refused {
        /// The service's error code.
        code: String,
        /// Its message (names the failed check).
        message: String,
    },
    /// The prover could not be reached or stayed overloaded through every attempt.
    #[error("prover unavailable: {0}")]
    Unavailable(String),
}

/// A source of proofs.
pub trait ProofSource: Send + Sync {
    /// Proves the payment statement for `inputs`.
    fn prove(&self, inputs: &PaymentInputs) -> impl Future<Output = Result<ProofJson, ProveError>> + Send;
}

/// The prover library in this process (proving runs on the blocking pool).
#[derive(Clone)]
pub struct LocalProver(pub Arc<Prover>);

impl ProofSource for LocalProver {
    async fn prove(&self, inputs: &PaymentInputs) -> Result<ProofJson, ProveError> {
        let (prover, inputs) = (self.0.clone(), *inputs);
        let proof = tokio::task::spawn_blocking(move || prover.prove(&inputs))
            .await
            .map_err(|e| ProveError::Unavailable(format!("proving task: {e}")))?;
        proof
            .map(|p| p.to_json())
            .map_err(|e| ProveError::Refused { code: "prove_failed".into(), message: e.to_string() })
    }
}

/// The prover service at `base_url`. Overload answers (429, 503) are retried after the
/// server's `Retry-After` (capped by the retry policy's longest delay), connection failures
/// after the policy's jittered backoff; a refusal of the inputs (4xx) is final.
#[derive(Clone)]
pub struct HttpProver {
    client: reqwest::Client,
    base_url: String,
    api_key: Option<String>,
    retry: RetryPolicy,
}

impl HttpProver {
    /// A client of the service at `base_url` (e.g. `http://127.0.0.1:8402`), sending `api_key`
    /// as `x-api-key` when given; each HTTP request is limited to `timeout`.
    pub fn new(
        base_url: &str,
        api_key: Option<String>,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<HttpProver, String> {
        let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(HttpProver { client, base_url: base_url.trim_end_matches('/').into(), api_key, retry })
    }

    async fn attempt(&self, inputs: &PaymentInputs) -> Result<ProofJson, (ProveError, Option<Duration>)> {
        let mut request = self.client.post(format!("{}/v1/proofs", self.base_url)).json(inputs);
        if let Some(key) = &self.api_key {
            request = request.header("x-api-key", key);
        }
        let unavailable = |message: String| (ProveError::Unavailable(message), None);
        let response = request.send().await.map_err(|e| unavailable(format!("{}: {e}", self.base_url)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(self.retry.max_delay));
        let body = response.bytes().await.map_err(|e| unavailable(format!("{}: {e}", self.base_url)))?;
        if status == StatusCode::OK {
            return serde_json::from_slice(&body).map_err(|e| unavailable(format!("unreadable proof: {e}")));
        }
        let detail: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let field = |name: &str| detail["error"][name].as_str().unwrap_or_default().to_owned();
        let (code, message) = (field("code"), field("message"));
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err((ProveError::Unavailable(format!("HTTP {status} {code}: {message}")), retry_after))
        } else {
            Err((ProveError::Refused { code, message }, None))
        }
    }
}

impl ProofSource for HttpProver {
    async fn prove(&self, inputs: &PaymentInputs) -> Result<ProofJson, ProveError> {
        let mut retry = 0;
        loop {
            match self.attempt(inputs).await {
                Ok(proof) => return Ok(proof),
                Err((error @ ProveError::Refused { .. }, _)) => return Err(error),
                Err((error, _)) if retry + 1 >= self.retry.attempts() => return Err(error),
                Err((_, retry_after)) => {
                    tokio::time::sleep(retry_after.unwrap_or_else(|| self.retry.backoff(retry))).await;
                    retry += 1;
                }
            }
        }
    }
}

/// A proof source chosen at run time (from configuration).
#[derive(Clone)]
pub enum AnyProver {
    /// The prover service.
    Http(HttpProver),
    /// The library in-process.
    Local(LocalProver),
}

impl ProofSource for AnyProver {
    async fn prove(&self, inputs: &PaymentInputs) -> Result<ProofJson, ProveError> {
        match self {
            AnyProver::Http(prover) => prover.prove(inputs).await,
            AnyProver::Local(prover) => prover.prove(inputs).await,
        }
    }
}
