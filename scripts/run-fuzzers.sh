#!/usr/bin/env bash
# Runs every built libFuzzer target for a few seconds each, starting from fuzz/corpus/<name>,
# as many at once as there are cores.
#   scripts/run-fuzzers.sh DIR [SECONDS]
set -euo pipefail
dir=$1
seconds=${2:-15}
root=$(cd "$(dirname "$0")/.." && pwd)

run_one() {  # run_one FUZZER: its log's tail on stderr when it fails
  local fuzzer=$1 name corpus
  name=$(basename "$fuzzer")
  corpus=$(mktemp -d)
  [[ -d $root/fuzz/corpus/$name ]] && cp -r "$root/fuzz/corpus/$name/." "$corpus/"
  echo "fuzz: $name (${seconds}s)" >&2
  if ! "$fuzzer" -max_total_time="$seconds" -max_len=65536 -print_final_stats=0 "$corpus" \
    >"$corpus.log" 2>&1; then
    echo "fuzz: $name FAILED" >&2
    tail -n 40 "$corpus.log" >&2
    rm -rf "$corpus" "$corpus.log"
    return 1
  fi
  rm -rf "$corpus" "$corpus.log"
}
export -f run_one
export root seconds

# xargs exits non-zero when any run failed.
printf '%s\0' "$dir"/*_fuzzer | xargs -0 -n 1 -P "$(nproc)" bash -c 'run_one "$1"' _
