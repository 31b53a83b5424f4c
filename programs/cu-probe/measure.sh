#!/usr/bin/env bash
# Real compute units of zk402's on-chain verification (issue 5, "Measure").
#
# Builds the no_std probe program (program/) to SBPF with a pinned nightly and sbpf-linker,
# generates a fixture of real Groth16 proofs over the payment circuit (or takes FIXTURE=path),
# and runs every case in mollusk-svm (harness/), which meters compute units exactly as Agave
# does. Prints the CU table, then `cu_single <n>`, `cu_peer_single <n>`,
# `cu_batch <size> <total> <per_proof>` (verification plus recording the nullifiers into a
# nullifier shard) and `lamports_per_access <n>` (at the nullifier set's design load) lines. Needs only rustup and the package registries;
# ~20 minutes cold (sbpf-linker ~5 min, harness ~11 min), seconds warm. Not run by CI.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${CU_PROBE_OUT:-$ROOT/target/cu-probe}

SBF_TOOLCHAIN=nightly-2026-05-19    # ships LLVM 22, which sbpf-linker 0.1.9 loads
HOST_TOOLCHAIN=1.95.0               # mollusk-svm 0.15.1 / agave 4.2.2 (newer need rustc 1.97+)
SBPF_LINKER_VERSION=0.1.9

step() { printf '\n== %s\n' "$*" >&2; }

step "toolchains ($SBF_TOOLCHAIN + rust-src, $HOST_TOOLCHAIN)"
rustup toolchain install "$SBF_TOOLCHAIN" --profile minimal --component rust-src >&2
rustup toolchain install "$HOST_TOOLCHAIN" --profile minimal >&2

LINKER=$OUT/tools/bin/sbpf-linker
# (`sbpf-linker --version` reports on stderr with a non-zero status.)
installed=$("$LINKER" --version 2>&1 || true)
if [[ $installed != *"sbpf-linker $SBPF_LINKER_VERSION"* ]]; then
  step "sbpf-linker $SBPF_LINKER_VERSION"
  cargo "+$HOST_TOOLCHAIN" install sbpf-linker --version "=$SBPF_LINKER_VERSION" --locked --root "$OUT/tools" >&2
fi

step "probe program -> SBPF"
STAGE=$OUT/stage
"$HERE/stage.sh" "$STAGE"
(
  cd "$STAGE/programs/cu-probe/program"
  RUSTFLAGS="-C linker=$LINKER -C panic=abort -C link-arg=--llvm-args=-bpf-stack-size=4096 -C relocation-model=static -A linker-messages" \
    CARGO_TARGET_DIR="$OUT/program" \
    cargo "+$SBF_TOOLCHAIN" build --release --locked \
      -Z build-std=core,alloc -Z json-target-spec --target ../bpfel-solana-none.json >&2
)
SO=$OUT/program/bpfel-solana-none/release/libzk402_cu_probe.so

step "harness (mollusk-svm)"
(cd "$HERE/harness" && CARGO_TARGET_DIR="$OUT/harness" cargo "+$HOST_TOOLCHAIN" build --release --locked >&2)
BIN=$OUT/harness/release

FIXTURE=${FIXTURE:-}
if [[ -z $FIXTURE ]]; then
  step "fixture: setup and 10 proofs over the payment circuit"
  FIXTURE=$OUT/fixture.json
  "$BIN/cu-probe-fixture" --out "$FIXTURE" --proofs 10
fi

step "measure ($SO, $FIXTURE)"
export RUST_LOG=${RUST_LOG:-error} # the SVM's per-instruction logs otherwise go to stderr
"$BIN/cu-probe" --program "$SO" --fixture "$FIXTURE" --batches 1,2,5,10
