#!/usr/bin/env bash
# Regenerates the committed TEST ceremony in ceremony/test-ceremony/ with our binary.
# INSECURE by design: every secret comes from the fixed --insecure-test-entropy seeds below
# (recorded in transcript.txt), so the output is reproducible byte for byte and can be
# compared with the committed files (`git diff --stat ceremony/test-ceremony` after running).
# Never use these keys for real money. Both beacons (phase 1 and phase 2) use a real drand
# quicknet round, recorded as drand's HTTP answers in drand-quicknet-<round>.json (values from
# ../shared/vectors/drand.json) and verified offline against the pinned chain key.
#
# Committed: pot13.ptau (phase 1, UNPREPARED, 3.1 MB), payment_final.zkey, the verifying key
# (JSON here, Rust constants in the verifier program), the audit report and the transcript.
# The prepared ptau (9.4 MB) is a deterministic function of pot13.ptau and takes seconds:
#   zk402-ceremony prepare --ptau ceremony/test-ceremony/pot13.ptau --out pot13_prepared.ptau
# (our `zkey-new` and `verify` prepare in memory; snarkjs needs the prepared file). The audit
# runs on the committed files (`verify --ptau pot13.ptau`), with the program's key and the round.
#   usage: ceremony/scripts/test-ceremony.sh [output dir]   (default: ceremony/test-ceremony)
# The Rust constants go where the verifier program reads them with its `insecure-test-key`
# feature, the only build that compiles them in (programs/zk402-verifier/keys/insecure_test.rs),
# or into the output dir when one is given.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-ceremony/test-ceremony}
if [ $# -ge 1 ]; then RUST_OUT="$OUT/verifying_key.rs"; else RUST_OUT=programs/zk402-verifier/keys/insecure_test.rs; fi
mkdir -p "$OUT"
cargo build --release --locked -p zk402-ceremony
BIN=target/release/zk402-ceremony
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PHASE1_SEED=$(printf 'zk402 test ceremony phase 1' | od -An -tx1 | tr -d ' \n')
SEED1=$(printf 'zk402 test ceremony contribution 1' | od -An -tx1 | tr -d ' \n')
SEED2=$(printf 'zk402 test ceremony contribution 2' | od -An -tx1 | tr -d ' \n')
ROUND=12040883
DRAND=ceremony/test-ceremony/drand-quicknet-$ROUND.json
[ "$OUT" = ceremony/test-ceremony ] || cp "$DRAND" "$OUT/"
R1CS=circuits/build/payment.r1cs

step() { local s; s=$(date +%s.%N); "$@"; printf '%s %.2f s\n' "$2" "$(echo "$(date +%s.%N) - $s" | bc)" >> "$TMP/times.txt"; }

: > "$TMP/log.txt"
step $BIN ptau-new --power 13 --out "$TMP/pot13_0.ptau"
step $BIN ptau-contribute --in "$TMP/pot13_0.ptau" --out "$TMP/pot13_1.ptau" --name "test phase-1 contributor" \
  --insecure-test-entropy "$PHASE1_SEED" >> "$TMP/log.txt"
step $BIN ptau-beacon --in "$TMP/pot13_1.ptau" --out "$OUT/pot13.ptau" --drand-json "$DRAND" >> "$TMP/log.txt"
step $BIN prepare --ptau "$OUT/pot13.ptau" --out "$TMP/pot13_prepared.ptau" 2> "$TMP/prepare.txt"
step $BIN zkey-new --r1cs $R1CS --ptau "$TMP/pot13_prepared.ptau" --out "$TMP/payment_0.zkey" >> "$TMP/log.txt" 2>/dev/null
step $BIN contribute --in "$TMP/payment_0.zkey" --out "$TMP/payment_1.zkey" --name "test contributor 1" \
  --insecure-test-entropy "$SEED1" >> "$TMP/log.txt" 2>/dev/null
step $BIN contribute --in "$TMP/payment_1.zkey" --out "$TMP/payment_2.zkey" --name "test contributor 2" \
  --insecure-test-entropy "$SEED2" >> "$TMP/log.txt" 2>/dev/null
step $BIN beacon --in "$TMP/payment_2.zkey" --out "$OUT/payment_final.zkey" --drand-json "$DRAND" >> "$TMP/log.txt"
$BIN export vk --zkey "$OUT/payment_final.zkey" --out "$OUT/verification_key.json"
$BIN export rust --zkey "$OUT/payment_final.zkey" --out "$RUST_OUT"
step $BIN verify --r1cs $R1CS --ptau "$OUT/pot13.ptau" --zkey "$OUT/payment_final.zkey" --drand-json "$DRAND" \
  --program-key "$RUST_OUT" --json "$OUT/verify-report.json" > "$TMP/verify.txt" 2>/dev/null

sha() { sha256sum "$1" | cut -d' ' -f1; }
{
  echo "zk402 TEST ceremony (INSECURE: fixed seeds; for tests and demos only)"
  echo "phase 1: ptau-new --power 13; ptau-contribute, seed hex $PHASE1_SEED;"
  echo "  ptau-beacon from drand quicknet round $ROUND ($(basename "$DRAND")), 2^10 SHA-256 iterations"
  echo "  pot13.ptau (unprepared, committed) sha256 $(sha "$OUT/pot13.ptau")"
  echo "  prepared (zk402-ceremony prepare, not committed) sha256 $(sha "$TMP/pot13_prepared.ptau")"
  echo "phase 2: contribution 1 seed hex $SEED1"
  echo "         contribution 2 seed hex $SEED2"
  echo "         beacon from drand quicknet round $ROUND, 2^10 SHA-256 iterations"
  echo "drand round $ROUND signature $(sed -n 's/.*"signature": "\([0-9a-f]*\)".*/\1/p' "$DRAND")"
  echo "  randomness $($BIN drand-verify --drand-json "$DRAND") (verified offline against the pinned chain key)"
  echo "--- outputs ---"
  cat "$TMP/log.txt"
  echo "payment_final.zkey sha256 $(sha "$OUT/payment_final.zkey")"
  echo "--- zk402-ceremony verify (ptau, zkey, drand round, program key) ---"
  cat "$TMP/verify.txt"
} > "$OUT/transcript.txt"
echo "step times (release, this machine):"
cat "$TMP/times.txt"
ls -l "$OUT" "$TMP"/*.ptau
echo "test ceremony written to $OUT"
