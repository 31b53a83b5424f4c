#!/usr/bin/env bash
# Request → 200 latency of fresh `zk402 payer access` processes against `zk402 localnet`: each
# access is a new process (load the proving key, prove in-process, pay the request), the first
# with an empty prover cache, the others with it warm. Prints the figures and their medians.
#
#   scripts/access-latency.sh [ACCESSES]      (default 10; ZK402_BIN picks the binary, default
#                                              target/release/zk402, built when missing)
#
# CI runs it with ACCESSES=2 on the debug binary, so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
accesses=${1:-10}
if [ -n "${ZK402_BIN:-}" ]; then
  bin=$ZK402_BIN
  [ -x "$bin" ] || { echo "error: ZK402_BIN=$bin is not an executable" >&2; exit 1; }
else
  bin=target/release/zk402
  [ -x "$bin" ] || cargo build --release -q -p zk402-cli
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
export ZK402_PROVER_CACHE_DIR="$work/prover-cache" RUST_LOG=error
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done; wait; rm -rf "$work"; }
trap cleanup EXIT

# Starts a server in the background and waits for its ready line.
serve() {
  local log=$1; shift
  (cd "$work" && exec "$bin" "$@") >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do
    grep -qE 'ready|serving' "$log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "error: zk402 $* did not start:" >&2; cat "$log" >&2; exit 1
}
ms_now() { date +%s%3N; }

serve "$work/localnet.log" localnet --dir "$work/net" --rpc-bind 127.0.0.1:18899 \
  --merchant-bind 127.0.0.1:18402 --facilitator-bind 127.0.0.1:18403
"$bin" merchant create-policy --config "$work/net/merchant.toml" --authority "$work/net/merchant.json" \
  --policy-id 1 --price 1000000 >/dev/null
serve "$work/merchant.log" merchant serve --config "$work/net/merchant.toml"
url=http://127.0.0.1:18402/v1/resource
"$bin" payer pay --config "$work/net/payer.toml" --credits "$accesses" "$url" >/dev/null
rm -rf "$ZK402_PROVER_CACHE_DIR"   # the first access starts with an empty prover cache

times=()
for i in $(seq "$accesses"); do
  start=$(ms_now)
  "$bin" payer access --config "$work/net/payer.toml" "$url" >"$work/access.out" 2>&1 \
    || { cat "$work/access.out" >&2; exit 1; }
  grep -q 'HTTP 200' "$work/access.out" || { cat "$work/access.out" >&2; exit 1; }
  times+=($(( $(ms_now) - start )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "payer_access_ms_cold_cache ${times[0]}"
if [ "$accesses" -gt 1 ]; then
  echo "payer_access_ms_warm_cache_p50 $(median "${times[@]:1}") (of $((accesses - 1)): ${times[*]:1})"
fi
