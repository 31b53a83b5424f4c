//! The committed compiled circuit matches its sources: `build/manifest.json` (written by
//! `scripts/build.sh`) records the SHA-256 of every source and output, and any edit to one
//! without rebuilding fails here. CI also rebuilds and diffs `build/` byte for byte.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Manifest {
    sources: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
}

#[test]
fn committed_artifacts_match_their_sources() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(root.join("build/manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert!(manifest.sources.contains_key("payment.circom") && manifest.sources.contains_key("package-lock.json"));
    assert_eq!(manifest.outputs.len(), 3);
    let build = root.join("build");
    let files = manifest
        .sources
        .iter()
        .map(|(f, h)| (root.join(f), h))
        .chain(manifest.outputs.iter().map(|(f, h)| (build.join(f), h)));
    for (file, recorded) in files {
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let actual = hex(&Sha256::digest(&bytes));
        assert_eq!(
            &actual,
            recorded,
            "{} drifted from build/manifest.json: run circuits/scripts/build.sh",
            file.display()
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
