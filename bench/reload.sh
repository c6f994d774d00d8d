#!/usr/bin/env bash
# Hot reload cost: how long a reload of a rule set takes (load + compile + per-worker state,
# off the packet path) and the process's peak resident memory while it happens (old and new
# set both alive). Runs `tripline scan` on a FIFO so it stays up, sends SIGHUP three times per
# rule set and prints the reloader's own lines.
#   bench/reload.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
bin=$(realpath "${1:-build/release}")
work=${2:-$bin/bench-reload}
mkdir -p "$work" && cd "$work"
rules() {  # rules DIR ARGS...: a generated rule set, once
  local dir=$1
  shift
  [[ -d $dir ]] || { mkdir -p "$dir" && "$bin/bench/benchgen" rules --out "$dir" "$@"; }
}
rules rules-mixed --ips 10000 --domains 10000 --content 1000 --pcre 100
rules rules-big --ips 1000000 --domains 1000000
empty_pcap() { printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0'; }
for set in rules-mixed rules-big; do
  rm -f capture.fifo && mkfifo capture.fifo
  "$bin/engine/tripline" scan --workers 2 --rules "$set" --alerts /dev/null capture.fifo \
    2>"$set.log" &
  pid=$!
  until grep -q "compiled" "$set.log"; do sleep 0.2; done
  sleep 1  # the pipeline is up once the FIFO is open; give it a moment
  exec 3>capture.fifo
  for n in 1 2 3; do
    kill -HUP "$pid"
    until grep -q "rule set $n," "$set.log"; do sleep 0.2; done
  done
  empty_pcap >&3
  exec 3>&-
  wait "$pid"
  echo "== $set"
  grep -E "compiled|rules reloaded" "$set.log"
done
