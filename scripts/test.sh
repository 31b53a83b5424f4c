#!/usr/bin/env bash
# Runs every check a change must pass: JavaScript peers installed (circom2, circomlib,
# circomlibjs, snarkjs — pinned by circuits/package-lock.json; the official x402 SDK for
# examples/x402-express), the compiled circuit rebuilt and
# compared with the committed one, the verifier program's Anchor IDL likewise (its test decodes
# through it with Anchor's npm client, installed here), formatting, clippy, the whole Rust test
# suite (end-to-end, property and metric-name tests included), the monitoring config checks,
# and a short fuzz run of every parser of outside input.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# solana-program-test logs every instruction at debug level unless told otherwise.
export RUST_LOG=${RUST_LOG:-warn}

section() { printf '\n== %s ==\n' "$1"; }

section "npm peers"
if [ ! -d circuits/node_modules ] || [ circuits/package-lock.json -nt circuits/node_modules/.package-lock.json ]; then
  npm ci --prefix circuits --no-audit --no-fund --loglevel=error
fi

section "npm packages of the x402 SDK example"
if [ ! -d examples/x402-express/node_modules ] || [ examples/x402-express/package-lock.json -nt examples/x402-express/node_modules/.package-lock.json ]; then
  npm ci --prefix examples/x402-express --no-audit --no-fund --loglevel=error
fi

section "circuit artifacts are reproducible"
bash circuits/scripts/check-build.sh

section "verifier program IDL is current; Anchor's npm client for its test"
bash programs/zk402-verifier/scripts/idl.sh --check
if [ ! -d programs/zk402-verifier/idl/client/node_modules ] || [ programs/zk402-verifier/idl/client/package-lock.json -nt programs/zk402-verifier/idl/client/node_modules/.package-lock.json ]; then
  npm ci --prefix programs/zk402-verifier/idl/client --no-audit --no-fund --loglevel=error
fi

section "rustfmt"
cargo fmt --all -- --check

section "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "tests"
cargo test --workspace --locked

section "payer access latency script (two fresh processes against localnet, debug build)"
ZK402_BIN=target/debug/zk402 bash scripts/access-latency.sh 2

section "monitoring config (promtool, dashboard)"
bash monitoring/check.sh

section "fuzz smoke (every target, ${FUZZ_SECONDS:=10} s each)"
FUZZ_SECONDS=$FUZZ_SECONDS bash fuzz/smoke.sh
