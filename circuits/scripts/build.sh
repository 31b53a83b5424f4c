#!/usr/bin/env bash
# Compiles payment.circom with the pinned circom (npm circom2) into OUT_DIR (default: build/),
# records the SHA-256 of every source and output in OUT_DIR/manifest.json (checked by the
# `artifacts` test), and prints the constraint count. Deterministic: on unchanged sources the
# output is byte-identical, which scripts/check-build.sh verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build}
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf "$out"
mkdir -p "$out"
npx --no-install circom2 payment.circom --r1cs --wasm --c --sym --O2 -l node_modules -o "$out"
node scripts/manifest.js "$out" > "$out/manifest.json"
npx --no-install snarkjs r1cs info "$out/payment.r1cs"
