#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for a bounded time (FUZZ_SECONDS, default 20)
# from its committed seeds (seeds/<target>/, read only: new inputs go to a scratch corpus).
# FUZZ_TARGETS (space-separated) limits the run to those targets; default: every target of
# `cargo fuzz list`. Fails if any target finds a crash; the reproducer is left in
# fuzz/artifacts/<target>/.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-20}
export CARGO_INCREMENTAL=0

targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}
if [ -n "${FUZZ_TARGETS:-}" ]; then
  for target in $targets; do cargo +nightly fuzz build "$target"; done
else
  cargo +nightly fuzz build
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failed=()
for target in $targets; do
  [ -d "seeds/$target" ] || { echo "no seeds/$target: every target needs seeds" >&2; exit 1; }
  mkdir -p "$scratch/$target"
  log="$scratch/$target.log"
  if cargo +nightly fuzz run "$target" "$scratch/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "$target: ok, ${runs:-?} runs in ${seconds} s"
  else
    echo "$target: FAILED" >&2
    grep -E 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke failed: ${failed[*]}" >&2
  exit 1
fi
