#!/usr/bin/env bash
# Runs every check a change must pass: JavaScript peers installed (circom2, circomlib,
# circomlibjs, snarkjs — pinned by circuits/package-lock.json), the compiled circuit rebuilt and
# compared with the committed one, formatting, clippy, and the whole Rust test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

section() { printf '\n== %s ==\n' "$1"; }

section "npm peers"
if [ ! -d circuits/node_modules ] || [ circuits/package-lock.json -nt circuits/node_modules/.package-lock.json ]; then
  npm ci --prefix circuits --no-audit --no-fund --loglevel=error
fi

section "circuit artifacts are reproducible"
bash circuits/scripts/check-build.sh

section "rustfmt"
cargo fmt --all -- --check

section "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "tests"
cargo test --workspace --locked
