//! The committed compiled circuit matches its sources: `build/manifest.json` (written by
//! `scripts/build.sh`) records the SHA-256 of every source and output (the C++ witness
//! generator's sources included), and any edit to one without rebuilding fails here. CI also
//! rebuilds and diffs `build/` byte for byte.

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
    for output in
        ["payment.r1cs", "payment.sym", "payment_js/payment.wasm", "payment_cpp/payment.cpp", "payment_cpp/payment.dat"]
    {
        assert!(manifest.outputs.contains_key(output), "build/manifest.json lacks {output}");
    }
    // Every file of the C++ witness generator is recorded (the prover compiles them all).
    let cpp = std::fs::read_dir(root.join("build/payment_cpp")).expect("build/payment_cpp").count();
    assert_eq!(manifest.outputs.keys().filter(|f| f.starts_with("payment_cpp/")).count(), cpp);
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
