#!/usr/bin/env bash
# Writes the program's Anchor IDL to idl/zk402_verifier.json as `anchor idl build` (anchor 1.x)
# makes it, without the Anchor CLI: the program's lib tests `__anchor_private_print_idl*`,
# built with the feature `idl-build` and the environment the CLI sets, print the IDL's pieces,
# and scripts/idl-assemble.mjs puts them together as anchor-lang-idl's builder does.
# The feature `insecure-test-key` only lets the host build find a verifying key: the key is no
# part of the IDL (no `#[constant]` carries it).
#
#   scripts/idl.sh           regenerate idl/zk402_verifier.json
#   scripts/idl.sh --check   regenerate into a temporary file; fail with the diff if the
#                            committed file differs (scripts/test.sh runs this)
#
# Needs cargo and node. Builds in the workspace's target/ (the idl-build feature gives Anchor's
# crates and this program their own artifacts there, so nothing else is rebuilt).
set -euo pipefail
program=$(cd "$(dirname "$0")/.." && pwd)
committed=$program/idl/zk402_verifier.json

case "${1:-}" in
  "" | --check) ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
printed=$(mktemp)
out=$(mktemp)
trap 'rm -f "$printed" "$out"' EXIT

cd "$program"
# anchor-syn reads these when it is compiled (option_env!), the CLI's defaults.
ANCHOR_IDL_BUILD_NO_DOCS=FALSE ANCHOR_IDL_BUILD_RESOLUTION=TRUE ANCHOR_IDL_BUILD_SKIP_LINT=FALSE \
  ANCHOR_IDL_BUILD_PROGRAM_PATH=$program \
  cargo test --lib --features idl-build,insecure-test-key --locked __anchor_private_print_idl \
  -- --show-output --quiet >"$printed"
node scripts/idl-assemble.mjs <"$printed" >"$out"

if [ "${1:-}" = --check ]; then
  if ! diff -u "$committed" "$out"; then
    echo "error: $committed is stale: run programs/zk402-verifier/scripts/idl.sh and commit it" >&2
    exit 1
  fi
  echo "IDL up to date: $committed"
else
  cat "$out" >"$committed"
  echo "wrote $committed"
fi
