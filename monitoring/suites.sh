#!/usr/bin/env bash
# Runs the load and chaos suites on loopback and writes monitoring/report.md: against the
# prover, saturation and 2× overload (`zk402-prover load`), overload then recovery, and SIGKILL
# mid-load with a restart; against the merchant app, the Redis nullifier store behind its
# facilitator killed and restarted, and a failing RPC endpoint (fallback, breaker opens and
# closes). Bounded: about a minute and a half of load plus the build. Needs redis-server (Debian package
# `redis-server`; ZK402_REDIS_SERVER to point elsewhere). Settings: SUITE_SECONDS (per load
# phase, default 10), SUITE_WORKERS (2), SUITE_QUEUE_DEPTH (8), ZK402_PROVER_ZKEY /
# ZK402_PROVER_WASM (default: the committed test ceremony's key and the committed circuit),
# CARGO_PROFILE (dev; `release` for figures).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile=${CARGO_PROFILE:-dev}
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-0} CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

cargo build --profile "$profile" -p zk402-prover -p zk402-monitoring --bins
target="${CARGO_TARGET_DIR:-$root/target}/$dir"
zkey=${ZK402_PROVER_ZKEY:-$root/ceremony/test-ceremony/payment_final.zkey}
wasm=${ZK402_PROVER_WASM:-$root/circuits/build/payment_js/payment.wasm}
header="$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; \`$profile\` build; commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' + local changes')."

"$target/zk402-suites" \
  --prover-bin "$target/zk402-prover" --zkey "$zkey" --wasm "$wasm" \
  --workers "${SUITE_WORKERS:-2}" --queue-depth "${SUITE_QUEUE_DEPTH:-8}" --seconds "${SUITE_SECONDS:-10}" \
  --out "$root/monitoring/report.md" --header "$header"
