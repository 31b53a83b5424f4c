//! Overload and recovery against a separate prover process: 2× capacity for a while, then
//! half capacity. Under overload only 200/429/503 may appear; once the backlog has drained,
//! every request is answered 200 again within the latency bound.

use super::prover_process::{ProverCommand, ProverProcess, free_addr};
use super::traffic::{Ending, Tally, bodies, open_loop};
use super::{LoadFigures, Section};
use std::time::Duration;

/// Client deadline per request: far above any accepted latency, so only a hang reaches it.
const DEADLINE: Duration = Duration::from_secs(30);

/// Runs the suite: `seconds` at 2× `figures.capacity`, then `seconds` at half of it.
pub async fn run(command: &ProverCommand, figures: &LoadFigures, seconds: u64) -> Result<Section, String> {
    let prover = ProverProcess::start(command, free_addr().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let ready = prover.wait_ready(Duration::from_secs(120)).await?;
    let mut section = Section::new("Overload, then recovery (separate `zk402-prover serve` process)");
    section.line(format!("prover ready {:.1} s after start (key loaded)", ready.as_secs_f64()));

    let high = 2.0 * figures.capacity;
    let low = figures.capacity / 2.0;
    let high_count = (high * seconds as f64).ceil() as usize;
    let low_count = (low * seconds as f64).ceil().max(4.0) as usize;
    let (high_bodies, low_bodies) = (bodies(high_count, 1), bodies(low_count, 1 << 32));
    let (high_bodies, low_bodies) = (high_bodies.map_err(|e| e.to_string())?, low_bodies.map_err(|e| e.to_string())?);
    // The low phase starts the moment the high one stops sending, with its backlog still queued.
    let (overload, after) = tokio::join!(open_loop(prover.addr, high_bodies, high, DEADLINE), async {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        open_loop(prover.addr, low_bodies, low, DEADLINE).await
    });
    let tally = Tally::of(&overload);
    section.line(format!("2× capacity ({high:.1} req/s for {seconds} s, {high_count} requests): {}", tally.summary()));
    section.check(tally.only_statuses(&[200, 429, 503]), "overload: only 200/429/503 answers, no hang".into());
    section.check(
        tally.p99.as_secs_f64() * 1e3 <= figures.p99_bound_ms,
        format!("overload: accepted p99 within {:.0} ms", figures.p99_bound_ms),
    );

    // Recovered from the first request after which every answer is 200.
    let recovered_at = after
        .iter()
        .rposition(|s| s.ending != Ending::Status(200))
        .map_or(Some(Duration::ZERO), |i| after.get(i + 1).map(|s| s.sent));
    let settled: Vec<_> = after.iter().filter(|s| recovered_at.is_some_and(|t| s.sent >= t)).cloned().collect();
    let settled_tally = Tally::of(&settled);
    let drain = Duration::from_secs_f64(figures.p99_bound_ms / 1e3);
    section.line(format!(
        "then ½ capacity ({low:.1} req/s for {seconds} s, {low_count} requests) while the backlog drains: {}",
        Tally::of(&after).summary()
    ));
    section.check(
        recovered_at.is_some_and(|t| t <= drain) && settled_tally.p99 <= drain,
        match recovered_at {
            Some(t) => format!(
                "recovered {:.1} s after the drop (bound {:.1} s): from then on every request answered 200, p99 {:.0} ms",
                t.as_secs_f64(),
                drain.as_secs_f64(),
                settled_tally.p99.as_secs_f64() * 1e3
            ),
            None => "not recovered: the last request of the low phase was not answered 200".into(),
        },
    );
    Ok(section)
}
