#!/usr/bin/env bash
# Byte-for-byte comparison of `rmperf validate` and `rmperf segment` outputs between an
# earlier source tree and this one, on the lakes given.
#
#   bash bench/validate_identical.sh BEFORE_SRC OUT LAKE...
#
# BEFORE_SRC: src/ of an earlier checkout (e.g. `git archive main src | tar -x -C /tmp/b`),
# run with this venv. For each lake: the rejects files and summary.json of `rmperf
# validate` (before with no valid-row cache; now with an empty cache, again with the
# cache filled, and with the cache off), and the `rmperf segment` file (before, cold;
# now, cold; now, after validate) must be identical. Exits 1 on the first difference.
set -euo pipefail
before=$(realpath "$1"); out=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
rmperf="$here/.venv/bin/rmperf"
today=2026-11-23
mkdir -p "$out"
seg() {  # seg LAKE FILE [env...]
  local lake=$1 file=$2; shift 2
  env "$@" "$rmperf" segment --lake "$lake" --as-of 2026-09-30 --today $today \
    --allow-rejects --out "$file" >/dev/null 2>&1
}
val() {  # val LAKE DEST [env...]: rejects of one run kept in DEST
  local lake=$1 dest=$2; shift 2
  rm -rf "$lake/_rejects"
  env "$@" "$rmperf" validate "$lake" --today $today >/dev/null || true
  rm -rf "$dest"; cp -r "$lake/_rejects" "$dest"
}
for lake in "$@"; do
  lake=$(realpath "$lake"); name=$(basename "$lake"); work="$out/$name"
  rm -rf "$work"; mkdir -p "$work"
  val "$lake" "$work/rej-before" PYTHONPATH="$before" RMPERF_VALID_CACHE=off
  val "$lake" "$work/rej-cold" RMPERF_VALID_CACHE="$work/cache"
  val "$lake" "$work/rej-warm" RMPERF_VALID_CACHE="$work/cache"
  val "$lake" "$work/rej-off" RMPERF_VALID_CACHE=off
  seg "$lake" "$work/seg-after-validate.parquet" RMPERF_VALID_CACHE="$work/cache"
  seg "$lake" "$work/seg-before.parquet" PYTHONPATH="$before" RMPERF_VALID_CACHE="$work/cache-before"
  seg "$lake" "$work/seg-cold.parquet" RMPERF_VALID_CACHE="$work/cache-cold"
  seg "$lake" "$work/seg-before.csv" PYTHONPATH="$before" RMPERF_VALID_CACHE="$work/cache-before"
  seg "$lake" "$work/seg-cold.csv" RMPERF_VALID_CACHE="$work/cache"
  for side in cold warm off; do
    diff -r "$work/rej-before" "$work/rej-$side" >/dev/null \
      || { echo "$name: rejects differ ($side)"; exit 1; }
  done
  for side in cold after-validate; do
    cmp -s "$work/seg-before.parquet" "$work/seg-$side.parquet" \
      || { echo "$name: segment differs ($side)"; exit 1; }
  done
  cmp -s "$work/seg-before.csv" "$work/seg-cold.csv" || { echo "$name: segment CSV differs"; exit 1; }
  rows=$(ls "$work/rej-before" | tr '\n' ' ')
  echo "$name: identical (rejects: $rows; segment Parquet and CSV)"
done
