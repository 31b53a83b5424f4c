#!/usr/bin/env bash
# Regenerates the small binary seeds in fuzz/seeds/ with the pinned circom2 and snarkjs
# (circuits/package.json): a two-constraint circuit, its r1cs and witness, a 2^3 powers of tau
# (raw and prepared), a zkey and a proof. Every file is real tool output, a few KB at most.
# The JSON seeds of the payment circuit come from the prover (see fuzz/README.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
npx() { (cd "$root/circuits" && command npx --no-install "$@"); }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seeds="$root/fuzz/seeds"

cat >"$work/tiny.circom" <<'CIRCOM'
pragma circom 2.0.0;
template Tiny() {
    signal input a;
    signal input b;
    signal output c;
    signal ab;
    ab <== a * b;
    c <== ab * b + a;
}
component main {public [a]} = Tiny();
CIRCOM
echo '{"a": "3", "b": "11"}' >"$work/input.json"

npx circom2 "$work/tiny.circom" --r1cs --wasm -o "$work" >/dev/null
npx snarkjs wtns calculate "$work/tiny_js/tiny.wasm" "$work/input.json" "$work/tiny.wtns" >/dev/null
npx snarkjs powersoftau new bn128 3 "$work/0.ptau" >/dev/null
npx snarkjs powersoftau contribute "$work/0.ptau" "$work/1.ptau" --name=seed -e=zk402-fuzz-seed >/dev/null
npx snarkjs powersoftau prepare phase2 "$work/1.ptau" "$work/final.ptau" >/dev/null
npx snarkjs groth16 setup "$work/tiny.r1cs" "$work/final.ptau" "$work/0.zkey" >/dev/null
npx snarkjs zkey contribute "$work/0.zkey" "$work/tiny.zkey" --name=seed -e=zk402-fuzz-seed >/dev/null
npx snarkjs groth16 prove "$work/tiny.zkey" "$work/tiny.wtns" "$work/proof.json" "$work/public.json" >/dev/null

mkdir -p "$seeds"/{r1cs,wtns,ptau,zkey,snarkjs_proof_json}
cp "$work/tiny.r1cs" "$seeds/r1cs/tiny.r1cs"
cp "$work/tiny.wtns" "$seeds/wtns/tiny.wtns"
cp "$work/1.ptau" "$seeds/ptau/tiny.ptau"
cp "$work/final.ptau" "$seeds/ptau/tiny-prepared.ptau"
cp "$work/tiny.zkey" "$seeds/zkey/tiny.zkey"
# The committed test ceremony's zkey header (first 2 KB): the payment circuit's real header.
head -c 2048 "$root/ceremony/test-ceremony/payment_final.zkey" >"$seeds/zkey/payment-header.zkey"
jq -c '{proof: ., public_signals: $pub}' --slurpfile pub "$work/public.json" "$work/proof.json" \
  | jq -c '.public_signals = .public_signals[0]' >"$seeds/snarkjs_proof_json/tiny-proof.json"
python3 "$root/fuzz/onchain-seeds.py" "$seeds/snarkjs_proof_json/tiny-proof.json"
ls -l "$seeds"/*/
