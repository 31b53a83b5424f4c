//! `zk402 bench` keeps working: a tiny run (debug build) prints every machine-readable line.

use zk402_cli::bench::{BenchOptions, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_prints_every_figure() {
    let lines = run(BenchOptions { requests: 2, verifications: 2 }).await.expect("bench");
    for key in [
        "paid_request_p50_ms deferred ",
        "paid_request_p99_ms deferred ",
        "paid_request_p50_ms confirm ",
        "paid_request_p99_ms confirm ",
        "facilitator_verify_per_s ",
        "fee_lamports_per_proof_batch10 ",
    ] {
        let line = lines.iter().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key:?} in {lines:?}"));
        let value: f64 = line[key.len()..].parse().unwrap_or_else(|_| panic!("{line:?}"));
        assert!(value.is_finite() && value > 0.0, "{line}");
    }
}
