//! `zk402-prover config`: settings layered flag > environment > config file > default, as the
//! `serve` command resolves them.

use std::process::Command;

/// Runs `zk402-prover config` with only the given ZK402_PROVER_* variables set.
fn resolved(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zk402-prover"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ZK402_PROVER_") {
            command.env_remove(key);
        }
    }
    let out = command.arg("config").args(args).envs(env.iter().copied()).output().expect("running zk402-prover");
    let text = if out.status.success() { out.stdout } else { out.stderr };
    (out.status.success(), String::from_utf8_lossy(&text).into_owned())
}

#[test]
fn flag_over_environment_over_file_over_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prover.toml");
    std::fs::write(&file, "zkey = \"file.zkey\"\nwasm = \"file.wasm\"\nworkers = 3\nburst = 30\ncache_ttl = 60\n")
        .unwrap();
    let file = file.to_str().unwrap();
    let env = [("ZK402_PROVER_CONFIG", file), ("ZK402_PROVER_WORKERS", "5"), ("ZK402_PROVER_BURST", "50")];
    let (ok, out) = resolved(&["--burst", "70"], &env);
    assert!(ok, "{out}");
    assert!(out.contains("workers = 5\n"), "environment over file:\n{out}");
    assert!(out.contains("burst = 70\n"), "flag over environment:\n{out}");
    assert!(out.contains("cache_ttl = 60\n"), "file over default:\n{out}");
    assert!(out.contains("zkey = \"file.zkey\"\n"), "file:\n{out}");
    assert!(out.contains("queue_depth = 16\n"), "default:\n{out}");

    let (ok, out) = resolved(&["--config", file], &[]);
    assert!(ok && out.contains("workers = 3\n"), "--config flag:\n{out}");
}

#[test]
fn a_bad_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prover.toml");
    std::fs::write(&file, "zkey = \"k\"\nwasm = \"w\"\nworkerz = 3\n").unwrap();
    let (ok, out) = resolved(&["--config", file.to_str().unwrap()], &[]);
    assert!(!ok && out.contains("workerz"), "{out}");
    let (ok, out) = resolved(&["--wasm", "w"], &[]);
    assert!(!ok && out.contains("missing setting `zkey`"), "{out}");
}

#[test]
fn api_keys_are_configured_and_printed_only_as_hashes() {
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; // sha256("test")
    let (ok, out) = resolved(&["--zkey", "k", "--wasm", "w"], &[("ZK402_PROVER_API_KEY_SHA256", hash)]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("api_key_sha256 = [\"{hash}\"]\n")), "{out}");
    assert!(out.contains("allow_anonymous = false\n"), "configured keys turn anonymous access off:\n{out}");
    assert!(out.contains("api_key_header = \"x-api-key\"\n"), "{out}");
    let (ok, out) = resolved(&["--zkey", "k", "--wasm", "w", "--api-key-sha256", "test"], &[]);
    assert!(!ok && out.contains("api-key-sha256"), "a key where its hash belongs is refused:\n{out}");
    assert!(!out.contains("test\""), "{out}");
}
