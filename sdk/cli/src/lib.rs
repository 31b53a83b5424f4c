//! The `zk402` command line as a library: the demo and the benchmark on the embedded default,
//! the local cluster, the merchant app, and the commands for real clusters (the end-to-end tests drive the same code).

pub mod app;
pub mod bench;
pub mod commands;
pub mod config;
pub mod demo;
pub mod localnet;
pub mod steps;
pub mod world;

use std::path::PathBuf;

/// A path inside the repository (the demo reads the committed proving key), found from the
/// working directory or, when run through cargo, from this crate's manifest directory.
pub fn repository_path(relative: &str) -> Result<PathBuf, String> {
    let candidates = [PathBuf::from(relative), PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)];
    candidates
        .into_iter()
        .find(|p| p.exists())
        .ok_or_else(|| format!("{relative} not found: run from the repository root"))
}
