#!/usr/bin/env bash
# Times every ceremony step with our release binary and with snarkjs on the same inputs, in
# the same run, and checks byte-identity where both compute the same file (zkey new; prepare
# when BENCH_SNARKJS_PREPARE=1, which adds snarkjs's ~4-minute prepare phase2).
#   usage: ceremony/scripts/bench.sh [work dir]
set -u
cd "$(dirname "$0")/../.."
cargo build --release --locked -p zk402-ceremony >/dev/null 2>&1 || { echo "build failed"; exit 1; }
B=$PWD/target/release/zk402-ceremony
D=${1:-$(mktemp -d)}; mkdir -p "$D"
R1=$PWD/circuits/build/payment.r1cs
SIG=929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394
RAND=$($B drand-verify --round 12040883 --signature $SIG)
SJ="npx --no-install snarkjs"
t() {
  local name=$1; shift
  local s e rc
  s=$(date +%s.%N); "$@" > "$D/$name.log" 2>&1; rc=$?; e=$(date +%s.%N)
  printf "%-28s %7.2f s  rc=%d\n" "$name" "$(echo "$e - $s" | bc)" $rc
}
cd circuits
t snarkjs_ptau_new_contribute bash -c "$SJ powersoftau new bn128 13 $D/s_new.ptau && $SJ powersoftau contribute $D/s_new.ptau $D/s_1.ptau -e=x"
t ours_ptau_new $B ptau-new --power 13 --out "$D/o.ptau"
t ours_prepare $B prepare --ptau "$D/s_1.ptau" --out "$D/o_prep.ptau"
if [ "${BENCH_SNARKJS_PREPARE:-0}" = 1 ]; then
  t snarkjs_prepare $SJ powersoftau prepare phase2 "$D/s_1.ptau" "$D/s_prep.ptau"
  cmp "$D/o_prep.ptau" "$D/s_prep.ptau" && echo "prepare: byte-identical to snarkjs"
fi
t ours_zkey_new $B zkey-new --r1cs "$R1" --ptau "$D/o.ptau" --out "$D/o0.zkey"
t snarkjs_zkey_new $SJ zkey new "$R1" "$D/o.ptau" "$D/s0.zkey"
cmp "$D/o0.zkey" "$D/s0.zkey" && echo "zkey new: byte-identical to snarkjs"
t ours_contribute $B contribute --in "$D/o0.zkey" --out "$D/o1.zkey" --text abc
t snarkjs_contribute $SJ zkey contribute "$D/s0.zkey" "$D/s1.zkey" -e=abc
t ours_beacon $B beacon --in "$D/o1.zkey" --out "$D/o2.zkey" --round 12040883 --signature $SIG
t snarkjs_beacon $SJ zkey beacon "$D/s1.zkey" "$D/s2.zkey" "$RAND" 10
t ours_verify $B verify --r1cs "$R1" --ptau "$D/o.ptau" --zkey "$D/o2.zkey"
t snarkjs_verify $SJ zkey verify "$R1" "$D/o.ptau" "$D/s2.zkey"
t ours_verify_snarkjs_zkey $B verify --r1cs "$R1" --ptau "$D/o.ptau" --zkey "$D/s2.zkey"
t snarkjs_verify_our_zkey $SJ zkey verify "$R1" "$D/o.ptau" "$D/o2.zkey"
ls -l "$D"/*.ptau "$D"/*.zkey
