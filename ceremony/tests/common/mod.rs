//! Shared by the integration tests: snarkjs from circuits/node_modules (as scripts/test.sh
//! installs it) and the recorded drand quicknet round the test ceremonies use.

use std::path::{Path, PathBuf};
use std::process::Command;
use zk402_ceremony::drand::{from_hex, verify_round};

/// A real quicknet round from ../shared/vectors/drand.json.
pub const ROUND: u64 = 12040883;
/// Its signature.
pub const SIGNATURE: &str =
    "929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394";

/// The round's verified randomness.
pub fn randomness() -> [u8; 32] {
    verify_round(ROUND, &from_hex(SIGNATURE).unwrap()).unwrap()
}

/// The circuits package (snarkjs runs from there).
pub fn circuits_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits")
}

/// Runs snarkjs; panics with its output if it fails. Returns stdout + stderr.
pub fn snarkjs(args: &[&str]) -> String {
    let out =
        Command::new("npx").args(["--no-install", "snarkjs"]).args(args).current_dir(circuits_dir()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "snarkjs {args:?} failed:\n{text}");
    text
}

/// A path as &str for command arguments.
pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}
