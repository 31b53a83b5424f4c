//! The CU probe's staging step (`programs/cu-probe/stage.sh`, run by `measure.sh` before its
//! 20-minute SBF build) still works on this repository: it finds the root `members` list, and
//! the staged workspace loads with the probe program and the crates it builds from. A cheap
//! guard run with the workspace tests, so `measure.sh` cannot silently break again.

use std::path::Path;
use std::process::Command;

#[test]
fn cu_probe_staging_yields_a_workspace_that_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let stage = std::env::temp_dir().join(format!("zk402-cu-probe-stage-{}", std::process::id()));
    let status = Command::new("bash").arg(root.join("programs/cu-probe/stage.sh")).arg(&stage).status().unwrap();
    assert!(status.success(), "stage.sh failed");

    let manifest = std::fs::read_to_string(stage.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("members = [\"programs/verifier-core\", \"programs/nullifier-set\"]"), "{manifest}");

    // The probe program's manifest, and the staged crates' manifests with workspace
    // inheritance resolved against the staged root: what the SBF build starts from.
    let program = metadata(&stage.join("programs/cu-probe/program/Cargo.toml"));
    assert!(program.contains("\"name\":\"zk402-cu-probe\""), "{program}");
    for crate_dir in ["verifier-core", "nullifier-set"] {
        metadata(&stage.join("programs").join(crate_dir).join("Cargo.toml"));
    }
    std::fs::remove_dir_all(&stage).unwrap();
}

/// `cargo metadata --no-deps --offline` of a manifest (no download needed); its JSON.
fn metadata(manifest: &Path) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline", "--manifest-path"])
        .arg(manifest)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: {}", manifest.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
