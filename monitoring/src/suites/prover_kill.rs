//! Chaos: the prover is killed with SIGKILL in the middle of steady load and started again on
//! the same address. Clients must see only retriable endings (connection refused or reset,
//! 503 while the key loads) and never hang; service resumes once the key is loaded.

use super::prover_process::{ProverCommand, ProverProcess, free_addr};
use super::traffic::{Ending, Tally, bodies, open_loop};
use super::{LoadFigures, Section};
use std::time::{Duration, Instant};

/// Client deadline per request (a hang is a request still unanswered after it).
const DEADLINE: Duration = Duration::from_secs(30);

/// The steady run after the restarted prover is ready.
const AFTER: Duration = Duration::from_secs(5);

/// Runs the suite: `seconds` of load at half capacity, SIGKILL a third of the way in.
pub async fn run(command: &ProverCommand, figures: &LoadFigures, seconds: u64) -> Result<Section, String> {
    let addr = free_addr().map_err(|e| e.to_string())?;
    let mut prover = ProverProcess::start(command, addr).map_err(|e| e.to_string())?;
    prover.wait_ready(Duration::from_secs(120)).await?;

    let rate = figures.capacity / 2.0;
    let count = (rate * seconds as f64).ceil() as usize;
    let kill_after = Duration::from_secs_f64(seconds as f64 / 3.0);
    let command = command.clone();
    let start = Instant::now();
    let chaos = tokio::spawn(async move {
        tokio::time::sleep(kill_after).await;
        prover.kill().map_err(|e| format!("kill: {e}"))?;
        drop(prover);
        let killed = start.elapsed();
        let restarted = ProverProcess::start(&command, addr).map_err(|e| format!("restart: {e}"))?;
        let ready = restarted.wait_ready(Duration::from_secs(120)).await?;
        Ok::<_, String>((restarted, killed, ready))
    });
    let samples = open_loop(addr, bodies(count, 1 << 40).map_err(|e| e.to_string())?, rate, DEADLINE).await;
    let (restarted, killed, ready) = chaos.await.map_err(|e| e.to_string())??;
    // Once the restarted prover reports ready, a short steady run must be served in full.
    let after_count = (rate * AFTER.as_secs_f64()).ceil().max(3.0) as usize;
    let after = open_loop(addr, bodies(after_count, 1 << 48).map_err(|e| e.to_string())?, rate, DEADLINE).await;
    drop(restarted);

    let tally = Tally::of(&samples);
    let after = Tally::of(&after);
    let allowed = |e: &Ending| matches!(e, Ending::Status(200 | 503) | Ending::Connection(_));
    let mut section = Section::new("Chaos: SIGKILL the prover mid-load, restart it");
    section.line(format!(
        "{count} requests at {rate:.1} req/s over {seconds} s; SIGKILL at {:.1} s, restarted at once (listening at once, \
         answering 503 until the key is loaded), ready {:.1} s after the kill",
        killed.as_secs_f64(),
        ready.as_secs_f64()
    ));
    section.line(format!("client view during the run: {}", tally.summary()));
    section.line(format!("after ready, {after_count} requests over {AFTER:?}: {}", after.summary()));
    section.check(
        !tally.endings.contains_key(&Ending::Timeout) && !after.endings.contains_key(&Ending::Timeout),
        format!("no client hung (deadline {DEADLINE:?})"),
    );
    section.check(
        tally.endings.keys().all(allowed),
        "every failure is retriable: connection refused/reset/closed, or 503 while loading".into(),
    );
    section.check(after.only_statuses(&[200]), "the restarted prover serves every request once ready".into());
    Ok(section)
}
