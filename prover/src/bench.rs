//! `zk402-prover bench`: witness and proving time, proofs per second with 1 and 2 workers,
//! one-shot `zk402-prover prove` processes (process start to proof printed) with a cold and
//! a warm load cache, and in the same run `snarkjs groth16 fullprove` (itself one-shot: node
//! start, witness, proof) on the same zkey and inputs. Ends with machine-readable lines
//! `prove_p50_ms`, `snarkjs_p50_ms`, `speedup_vs_snarkjs`, `oneshot_ms_cold_cache`,
//! `oneshot_ms_warm_cache`, `snarkjs_oneshot_ms` (the same snarkjs runs as `snarkjs_p50_ms`),
//! `oneshot_speedup_vs_snarkjs` (warm cache) and `proofs_per_s_2workers`; the one-shot figures
//! are medians.

use crate::cache::{CacheDir, KeySource};
use crate::prover::{Prover, single_thread_pool, verify};
use crate::sample;
use crate::stats::{ms, percentile};
use crate::witness::WitnessEngine;
use crate::witness::wasm::WasmCircuit;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zk402_circuit::{Fr, PaymentInputs};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// The zkey.
    pub zkey: PathBuf,
    /// The circuit wasm.
    pub wasm: PathBuf,
    /// The load cache of the bench's own prover (`None`: nothing persisted). The one-shot
    /// processes use fresh temporary caches.
    pub cache: Option<CacheDir>,
    /// Proofs per measurement.
    pub iterations: usize,
    /// `snarkjs groth16 fullprove` runs (0 skips the peer).
    pub snarkjs_runs: usize,
    /// One-shot `prove` processes per cache state, cold and warm (0 skips them).
    pub oneshot_runs: usize,
    /// The `zk402-prover` executable the one-shot runs start.
    pub prover_exe: PathBuf,
    /// Directory whose `node_modules` has snarkjs (run as `npx --no-install snarkjs`).
    pub node_dir: PathBuf,
}

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Runs the benchmark, printing as it goes.
pub fn run(config: &BenchConfig) -> BenchResult<()> {
    let started = Instant::now();
    let prover = Arc::new(Prover::load_in(&config.zkey, &config.wasm, WitnessEngine::Auto, config.cache.as_ref())?);
    let engine = prover.witness_engine();
    let tables = match prover.key_cache().map(|used| &used.source) {
        Some(KeySource::Cached) => "fixed-base tables from the load cache",
        None | Some(KeySource::Built(_) | KeySource::Unstored(_)) => "fixed-base tables built",
    };
    println!("load: zkey, {tables}, {engine} witness engine {:.0} ms", ms(started.elapsed()));
    println!("curve arithmetic: {}", crate::msm::arithmetic());
    let now = sample::unix_now();
    let inputs = sample::payment(now, 600, Fr::from(42u64))?;
    prover.prove(&inputs)?; // warm-up

    // The other engine, for comparison: the circuit's wasm under wasmtime.
    let mut wasm = WasmCircuit::compile(&std::fs::read(&config.wasm)?)?.instantiate()?;
    let wasm_runs: Vec<Duration> =
        (0..10).map(|_| timed(|| wasm.calculate(&inputs).map(drop))).collect::<Result<_, _>>()?;
    println!("witness (wasm engine, wasmtime): p50 {:.1} ms", ms(percentile(&wasm_runs, 50.0)));

    let n = config.iterations.max(1);
    let mut witness_times = Vec::with_capacity(n);
    let mut prove_times = Vec::with_capacity(n);
    // Latency on one core, as each service worker proves.
    single_thread_pool()?.install(|| {
        for _ in 0..n {
            let (_, t) = prover.prove_timed(&inputs)?;
            witness_times.push(t.witness);
            prove_times.push(t.prove);
        }
        Ok::<_, crate::ProveError>(())
    })?;
    let line = |name: &str, v: &[Duration]| {
        println!("{name}: p50 {:.1} ms  p95 {:.1} ms", ms(percentile(v, 50.0)), ms(percentile(v, 95.0)));
    };
    line(&format!("witness ({engine} engine)"), &witness_times);
    line("prove (QAP + MSM + self-verify)", &prove_times);
    let totals: Vec<Duration> = witness_times.iter().zip(&prove_times).map(|(w, p)| *w + *p).collect();
    line("total per proof", &totals);

    let per_s_1 = throughput(&prover, &inputs, 1, n)?;
    let per_s_2 = throughput(&prover, &inputs, 2, n)?;
    println!("throughput: {per_s_1:.1} proofs/s with 1 worker, {per_s_2:.1} proofs/s with 2 workers");

    let oneshot = if config.oneshot_runs > 0 { Some(oneshot_runs(config, &prover, &inputs)?) } else { None };
    let prove_p50 = ms(percentile(&totals, 50.0));
    println!("prove_p50_ms {prove_p50:.1}");
    let snarkjs_p50 = if config.snarkjs_runs > 0 {
        let snarkjs = snarkjs_fullprove(config, &prover, &inputs)?;
        let snarkjs_p50 = ms(percentile(&snarkjs, 50.0));
        println!("snarkjs_p50_ms {snarkjs_p50:.1}");
        println!("speedup_vs_snarkjs {:.1}", snarkjs_p50 / prove_p50);
        Some(snarkjs_p50)
    } else {
        None
    };
    if let Some((cold, warm)) = oneshot {
        println!("oneshot_ms_cold_cache {cold:.1}");
        println!("oneshot_ms_warm_cache {warm:.1}");
        if let Some(snarkjs) = snarkjs_p50 {
            println!("snarkjs_oneshot_ms {snarkjs:.1}");
            println!("oneshot_speedup_vs_snarkjs {:.1}", snarkjs / warm);
        }
    }
    println!("proofs_per_s_2workers {per_s_2:.1}");
    Ok(())
}

/// Median wall times (ms) of one-shot `prove` processes, process start to proof printed:
/// each cold run with a new empty cache directory (the key is built and stored, the native
/// generator installed), then the warm runs with the last of those directories. Every printed
/// proof must verify.
fn oneshot_runs(config: &BenchConfig, prover: &Prover, inputs: &PaymentInputs) -> BenchResult<(f64, f64)> {
    let tmp = tempfile::tempdir()?;
    let input = tmp.path().join("input.json");
    std::fs::write(&input, serde_json::to_vec(inputs)?)?;
    let run = |cache: &Path| -> BenchResult<Duration> {
        let start = Instant::now();
        let out = Command::new(&config.prover_exe)
            .arg("prove")
            .arg("--input")
            .arg(&input)
            .arg("--zkey")
            .arg(&config.zkey)
            .arg("--wasm")
            .arg(&config.wasm)
            .arg("--cache-dir")
            .arg(cache)
            .env("RUST_LOG", "warn")
            .output()?;
        let elapsed = start.elapsed();
        if !out.status.success() {
            return Err(format!("one-shot prove failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        let proof: crate::ProofJson = serde_json::from_slice(&out.stdout)?;
        let public: Vec<Fr> =
            proof.public_signals.iter().map(|s| zk402_circuit::field::fr_from_decimal(s)).collect::<Result<_, _>>()?;
        if !verify(prover.key(), &proof.proof.to_ark()?, &public) {
            return Err("a one-shot proof does not verify".into());
        }
        Ok(elapsed)
    };
    let mut cold = Vec::with_capacity(config.oneshot_runs);
    let mut warm_dir = None;
    for _ in 0..config.oneshot_runs {
        let dir = tempfile::tempdir_in(tmp.path())?;
        cold.push(run(&dir.path().join("cache"))?);
        warm_dir = Some(dir);
    }
    let warm_dir = warm_dir.ok_or("no one-shot run")?;
    let warm: Vec<Duration> =
        (0..config.oneshot_runs).map(|_| run(&warm_dir.path().join("cache"))).collect::<Result<_, _>>()?;
    let line = |name: &str, v: &[Duration]| {
        let runs: Vec<String> = v.iter().map(|d| format!("{:.0}", ms(*d))).collect();
        println!("one-shot prove, {name}: median {:.1} ms (runs: {} ms)", ms(percentile(v, 50.0)), runs.join(", "));
    };
    line("cold cache", &cold);
    line("warm cache", &warm);
    Ok((ms(percentile(&cold, 50.0)), ms(percentile(&warm, 50.0))))
}

fn timed<T, E>(f: impl FnOnce() -> Result<T, E>) -> Result<Duration, E> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

/// Proofs per second with `workers` threads proving `per_worker` proofs each.
fn throughput(prover: &Arc<Prover>, inputs: &PaymentInputs, workers: usize, per_worker: usize) -> BenchResult<f64> {
    let start = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (prover, inputs) = (prover.clone(), *inputs);
            std::thread::spawn(move || {
                let threads = single_thread_pool().map_err(|e| e.to_string())?;
                threads.install(|| {
                    (0..per_worker).try_for_each(|_| prover.prove(&inputs).map(drop).map_err(|e| e.to_string()))
                })
            })
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| "a bench worker panicked")??;
    }
    Ok((workers * per_worker) as f64 / start.elapsed().as_secs_f64())
}

/// Times `snarkjs groth16 fullprove` (node start, witness, proof) on the same inputs and
/// checks its proof verifies under our verifying key, as ours do under snarkjs's.
fn snarkjs_fullprove(config: &BenchConfig, prover: &Prover, inputs: &PaymentInputs) -> BenchResult<Vec<Duration>> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let input = dir.join("input.json");
    std::fs::write(&input, serde_json::to_vec(inputs)?)?;
    let (proof_path, public_path) = (dir.join("proof.json"), dir.join("public.json"));
    let (wasm, zkey) = (std::fs::canonicalize(&config.wasm)?, std::fs::canonicalize(&config.zkey)?);
    let mut times = Vec::new();
    for _ in 0..config.snarkjs_runs {
        let start = Instant::now();
        let status = Command::new("npx")
            .current_dir(&config.node_dir)
            .args(["--no-install", "snarkjs", "groth16", "fullprove"])
            .args([&input, &wasm, &zkey, &proof_path, &public_path])
            .output()?;
        times.push(start.elapsed());
        if !status.status.success() {
            return Err(format!("snarkjs fullprove failed: {}", String::from_utf8_lossy(&status.stderr)).into());
        }
    }
    let proof: crate::SnarkjsProof = serde_json::from_slice(&std::fs::read(&proof_path)?)?;
    let public: Vec<String> = serde_json::from_slice(&std::fs::read(&public_path)?)?;
    let public: Vec<Fr> = public.iter().map(|s| zk402_circuit::field::fr_from_decimal(s)).collect::<Result<_, _>>()?;
    if !verify(prover.key(), &proof.to_ark()?, &public) {
        return Err("snarkjs's proof does not verify under our verifying key".into());
    }
    Ok(times)
}

/// The `circuits/` directory of this source tree (where snarkjs is installed by npm).
pub fn default_node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits")
}
