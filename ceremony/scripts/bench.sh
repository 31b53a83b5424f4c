#!/usr/bin/env bash
# Times every ceremony step at 2^13 with our release binary and with snarkjs on the same
# machine and inputs, in one run, and checks byte-identity where both compute the same file
# (prepare phase2, zkey new). snarkjs's prepare phase2 takes minutes: skip it with
# BENCH_SNARKJS_PREPARE=0.
#   usage: ceremony/scripts/bench.sh [work dir]
set -u
cd "$(dirname "$0")/../.."
cargo build --release --locked -p zk402-ceremony >/dev/null 2>&1 || { echo "build failed"; exit 1; }
B=$PWD/target/release/zk402-ceremony
D=${1:-$(mktemp -d)}; mkdir -p "$D"
R1=$PWD/circuits/build/payment.r1cs
DRAND=$PWD/ceremony/test-ceremony/drand-quicknet-12040883.json
RAND=$($B drand-verify --drand-json "$DRAND")
SJ="npx --no-install snarkjs"
t() {
  local name=$1; shift
  local s e rc
  s=$(date +%s.%N); "$@" > "$D/$name.log" 2>&1; rc=$?; e=$(date +%s.%N)
  printf "%-28s %7.2f s  rc=%d\n" "$name" "$(echo "$e - $s" | bc)" $rc
}
cd circuits
t ours_ptau_new $B ptau-new --power 13 --out "$D/o_0.ptau"
t snarkjs_ptau_new $SJ powersoftau new bn128 13 "$D/s_0.ptau"
t ours_ptau_contribute $B ptau-contribute --in "$D/o_0.ptau" --out "$D/o_1.ptau" --text x
t snarkjs_ptau_contribute $SJ powersoftau contribute "$D/s_0.ptau" "$D/s_1.ptau" -e=x
t ours_ptau_beacon $B ptau-beacon --in "$D/o_1.ptau" --out "$D/o_2.ptau" --drand-json "$DRAND"
t snarkjs_ptau_beacon $SJ powersoftau beacon "$D/s_1.ptau" "$D/s_2.ptau" "$RAND" 10
t ours_prepare $B prepare --ptau "$D/o_2.ptau" --out "$D/o.ptau"
if [ "${BENCH_SNARKJS_PREPARE:-1}" = 1 ]; then
  t snarkjs_prepare $SJ powersoftau prepare phase2 "$D/o_2.ptau" "$D/s_prep.ptau"
  cmp "$D/o.ptau" "$D/s_prep.ptau" && echo "prepare: byte-identical to snarkjs"
fi
t ours_ptau_verify $B ptau-verify --ptau "$D/o.ptau"
t snarkjs_ptau_verify $SJ powersoftau verify "$D/o.ptau"
t ours_zkey_new $B zkey-new --r1cs "$R1" --ptau "$D/o.ptau" --out "$D/o0.zkey"
t snarkjs_zkey_new $SJ zkey new "$R1" "$D/o.ptau" "$D/s0.zkey"
cmp "$D/o0.zkey" "$D/s0.zkey" && echo "zkey new: byte-identical to snarkjs"
t ours_contribute $B contribute --in "$D/o0.zkey" --out "$D/o1.zkey" --text abc
t snarkjs_contribute $SJ zkey contribute "$D/s0.zkey" "$D/s1.zkey" -e=abc
t ours_beacon $B beacon --in "$D/o1.zkey" --out "$D/o2.zkey" --drand-json "$DRAND"
t snarkjs_beacon $SJ zkey beacon "$D/s1.zkey" "$D/s2.zkey" "$RAND" 10
$B export rust --zkey "$D/o2.zkey" --out "$D/o2_key.rs"
$B export rust --zkey "$D/s2.zkey" --out "$D/s2_key.rs"
t ours_verify $B verify --r1cs "$R1" --ptau "$D/o.ptau" --zkey "$D/o2.zkey" --drand-json "$DRAND" --program-key "$D/o2_key.rs"
t snarkjs_verify $SJ zkey verify "$R1" "$D/o.ptau" "$D/s2.zkey"
t ours_verify_snarkjs_zkey $B verify --r1cs "$R1" --ptau "$D/o.ptau" --zkey "$D/s2.zkey" --drand-json "$DRAND" \
  --program-key "$D/s2_key.rs"
t snarkjs_verify_our_zkey $SJ zkey verify "$R1" "$D/o.ptau" "$D/o2.zkey"
ls -l "$D"/*.ptau "$D"/*.zkey
