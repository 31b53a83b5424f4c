//! Saturation and 2× overload, measured by the prover's own `zk402-prover load` (an in-process
//! service on loopback): its output goes into the report verbatim, and its capacity figure
//! sets the rates of the suites that follow.

use super::Section;
use super::prover_process::ProverCommand;
use std::process::Command;

/// What the load run found.
pub struct LoadFigures {
    /// Closed-loop capacity, proofs per second.
    pub capacity: f64,
    /// Worst accepted latency the queue allows: (queue depth + workers) proofs ahead of a
    /// request, at the measured capacity, doubled for scheduling noise.
    pub p99_bound_ms: f64,
}

/// Runs `zk402-prover load` for `seconds` of overload.
pub fn run(command: &ProverCommand, seconds: u64) -> Result<(Section, LoadFigures), String> {
    let output = Command::new(&command.binary)
        .arg("load")
        .arg("--zkey")
        .arg(&command.zkey)
        .arg("--wasm")
        .arg(&command.wasm)
        .args(["--workers", &command.workers.to_string(), "--queue-depth", &command.queue_depth.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .env("RUST_LOG", "warn")
        .output()
        .map_err(|e| format!("running {}: {e}", command.binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("zk402-prover load failed:\n{stdout}{}", String::from_utf8_lossy(&output.stderr)));
    }
    let capacity = stdout
        .lines()
        .find_map(|l| l.split_once("proofs): ")?.1.split_whitespace().next()?.parse::<f64>().ok())
        .ok_or_else(|| format!("no capacity line in the load output:\n{stdout}"))?;
    let p99 = stdout
        .lines()
        .find_map(|l| l.split_once("p99 ")?.1.split_whitespace().next()?.parse::<f64>().ok())
        .ok_or_else(|| format!("no p99 in the load output:\n{stdout}"))?;
    let statuses: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("status ")?.split(':').next()).collect();
    let p99_bound_ms = 2.0 * (command.queue_depth + command.workers) as f64 / capacity * 1e3;
    let only_shed = statuses.iter().all(|s| ["200", "429", "503"].contains(s));
    let mut section = Section::new("Saturation and 2× overload (`zk402-prover load`)");
    section.line(format!(
        "`zk402-prover load --workers {} --queue-depth {} --seconds {seconds}` (in-process service, loopback):",
        command.workers, command.queue_depth
    ));
    section.block(stdout.trim_end());
    section.check(only_shed, format!("only 200/429/503 answers under 2× load (seen: {})", statuses.join(", ")));
    section.check(
        p99 <= p99_bound_ms,
        format!("accepted p99 {p99:.0} ms ≤ bound {p99_bound_ms:.0} ms (2 × (queue + workers) / capacity)"),
    );
    Ok((section, LoadFigures { capacity, p99_bound_ms }))
}
