#!/usr/bin/env bash
# Rebuilds the circuit into a temporary directory and fails if any committed artifact in
# build/ differs from the fresh build.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash scripts/build.sh "$tmp/build" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
grep -E "# of (Constraints|Wires|Public Inputs|Private Inputs)" "$tmp/log" | sed 's/.*snarkJS[^:]*: //'
if ! diff -r "$tmp/build" build > "$tmp/diff"; then
  cat "$tmp/diff" | head -20
  echo "circuits/build is out of date with its sources: run circuits/scripts/build.sh and commit" >&2
  exit 1
fi
echo "circuits/build matches a fresh build"
