//! What the merchant suites share: a suite body run so that a harness panic (the end-to-end
//! scene asserts its setup) becomes a failed section, the status a paid retry ended with, and
//! scrapes of the merchant's `/metrics` (once, or until a series reaches a value).

use super::Section;
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use zk402_payer::{Access, PayerError};

/// Time limit of one scrape.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `suite` in its own task and notes its wall time; an error or a panic in it gives a
/// failed section `title`.
pub async fn guarded(title: &str, suite: impl Future<Output = Result<Section, String>> + Send + 'static) -> Section {
    let start = Instant::now();
    match tokio::spawn(suite).await {
        Ok(Ok(mut section)) => {
            section.line(format!("suite wall time {:.1} s (scene setup included)", start.elapsed().as_secs_f64()));
            section
        }
        Ok(Err(e)) => Section::failed(title, &e),
        Err(e) => {
            let message = match e.try_into_panic() {
                Ok(panic) => panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panic".into()),
                Err(e) => e.to_string(),
            };
            Section::failed(title, &message)
        }
    }
}

/// How a paid retry (`Payer::redeem` or `Payer::send_proof`) ended: the HTTP status, or the client error.
pub fn redeem_status(result: Result<Access, PayerError>) -> Result<u16, String> {
    match result {
        Ok(access) => Ok(access.status),
        Err(PayerError::Refused { status, .. }) => Ok(status),
        Err(e) => Err(e.to_string()),
    }
}

/// Statuses and errors as one line, e.g. `503, 503, 503`.
pub fn statuses(results: &[Result<u16, String>]) -> String {
    let each: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(status) => status.to_string(),
            Err(e) => format!("error ({e})"),
        })
        .collect();
    each.join(", ")
}

/// The merchant's `/metrics` text.
pub async fn scrape(address: SocketAddr) -> Result<String, String> {
    match crate::http::get(address, "/metrics", &[], SCRAPE_TIMEOUT).await {
        Ok((200, text)) => Ok(text),
        Ok((status, _)) => Err(format!("/metrics answered {status}")),
        Err(e) => Err(format!("/metrics: {e}")),
    }
}

/// Scrapes the merchant's `/metrics` until `series` is at least `at_least` (e.g. the
/// facilitator's settled proofs once its worker has landed them); its value then, or an error
/// naming the last value seen after `limit`.
pub async fn await_sample(address: SocketAddr, series: &str, at_least: f64, limit: Duration) -> Result<f64, String> {
    let start = Instant::now();
    loop {
        let seen = crate::names::sample(&scrape(address).await?, series);
        match seen {
            Some(value) if value >= at_least => return Ok(value),
            _ if start.elapsed() >= limit => {
                return Err(format!("{series} is {seen:?} after {limit:?}, expected at least {at_least}"));
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
