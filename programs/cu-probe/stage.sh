#!/usr/bin/env bash
# Stages the probe program for its SBF build: a copy of the no_std crates it uses (the verifier
# core and the nullifier set) under a workspace of only those two, so the SBF build sees none of
# the root workspace's host-only crates. Usage: stage.sh <dir>. The staged root Cargo.toml is the
# repository's with its `members` list (one line or many) replaced; the script fails if it finds
# no list to replace. Checked by CI (programs/nullifier-set/tests/cu_probe_staging.rs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STAGE=${1:?usage: stage.sh <dir>}
CRATES=(programs/verifier-core programs/nullifier-set)

rm -rf "$STAGE" && mkdir -p "$STAGE/programs/cu-probe"
members=$(printf '"%s", ' "${CRATES[@]}")
members="members = [${members%, }]"
# Replace the `members = [ ... ]` array, whether it spans one line or many.
awk -v members="$members" '
  skipping { if ($0 ~ /\]/) skipping = 0; next }
  /^members[ \t]*=/ { print members; replaced = 1; if ($0 !~ /\]/) skipping = 1; next }
  { print }
  END { if (!replaced || skipping) exit 1 }
' "$ROOT/Cargo.toml" >"$STAGE/Cargo.toml" || { echo "stage.sh: no members list in $ROOT/Cargo.toml" >&2; exit 1; }
for crate in "${CRATES[@]}"; do
  cp -r "$ROOT/$crate" "$STAGE/programs/"
done
cp -r "$HERE/program" "$HERE/bpfel-solana-none.json" "$STAGE/programs/cu-probe/"
