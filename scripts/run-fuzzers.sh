#!/usr/bin/env bash
# Runs every built libFuzzer target for a few seconds each, starting from fuzz/corpus/<name>.
set -euo pipefail
dir=$1
seconds=${2:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for fuzzer in "$dir"/*_fuzzer; do
  name=$(basename "$fuzzer")
  corpus=$(mktemp -d)
  [[ -d $root/fuzz/corpus/$name ]] && cp -r "$root/fuzz/corpus/$name/." "$corpus/"
  echo "fuzz: $name (${seconds}s)" >&2
  if ! "$fuzzer" -max_total_time="$seconds" -max_len=65536 -print_final_stats=0 "$corpus" >"$corpus.log" 2>&1; then
    tail -n 40 "$corpus.log" >&2
    status=1
  fi
  rm -rf "$corpus" "$corpus.log"
done
exit $status
