//! `zk402-prover bench` in a tiny mode (one proof per measurement, one one-shot process per
//! cache state, one snarkjs run): the benchmark's code path, including the one-shot
//! processes and their machine-readable lines, runs in CI and cannot rot unnoticed.

mod common;

use common::{wasm_path, zkey_path};
use std::process::Command;

#[test]
fn the_bench_in_tiny_mode_prints_the_one_shot_figures() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zk402-prover"))
        .arg("bench")
        .arg("--zkey")
        .arg(zkey_path())
        .arg("--wasm")
        .arg(wasm_path())
        .arg("--cache-dir")
        .arg(cache.path())
        .args(["--iterations", "1", "--snarkjs-runs", "1", "--oneshot-runs", "1"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("running zk402-prover bench");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let figure = |name: &str| -> f64 {
        let line = text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')));
        line.unwrap_or_else(|| panic!("no `{name}` line in:\n{text}")).parse().unwrap()
    };
    let (cold, warm) = (figure("oneshot_ms_cold_cache"), figure("oneshot_ms_warm_cache"));
    assert!(figure("snarkjs_oneshot_ms") > 0.0 && figure("oneshot_speedup_vs_snarkjs") > 0.0);
    assert!(warm > 0.0 && warm < cold, "a warm cache loads faster than a cold one: {warm} vs {cold} ms");
}
