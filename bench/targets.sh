#!/usr/bin/env bash
# Measures the performance targets of docs/performance.md with `tripline bench` on generated
# inputs, and writes every report (JSON) and a summary to OUT (default /tmp/tripline-targets).
# Run on an otherwise idle machine after `cmake --preset release && cmake --build --preset
# release`. Then `bench/plot.sh OUT` draws the plots.
#   bench/targets.sh [OUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/release
out=${1:-/tmp/tripline-targets}
tripline=$bin/engine/tripline
benchgen=$bin/bench/benchgen
trafficgen=$bin/bench/trafficgen
mkdir -p "$out"
cd "$out"

# Captures: a realistic mix (trafficgen: DNS, TLS, HTTP, bulk TCP, UDP; sizes 60-1514 bytes)
# and minimum-size packets (64 bytes on the wire: TCP ACKs over 200k flows).
[[ -f mix.pcap ]] || "$trafficgen" --out mix.pcap --truth /dev/null --packets 500000 --seed 42
[[ -f small.pcap ]] || "$benchgen" small --out small.pcap --packets 2000000 --flows 200000

rules() {  # rules DIR ARGS...: a generated rule set, once
  local dir=$1
  shift
  [[ -d $dir ]] || { mkdir -p "$dir" && "$benchgen" rules --out "$dir" "$@"; }
}

# Target 1 (one worker vs the Hyperscan ceiling) and target 4 (2 workers vs 1).
rules rules-mixed --ips 10000 --domains 10000 --content 1000 --pcre 100
"$tripline" bench --json --workers 1,2 --repeat 5 --profile-rules 5 --rules rules-mixed mix.pcap \
  >mixed.json

# Target 2: packets/s per worker on 64-byte packets with 1e5 IP indicators.
rules rules-ips --ips 100000
"$tripline" bench --json --workers 1,2 --repeat 5 --rules rules-ips small.pcap >small64.json

# Target 3: 1e6 IPs + 1e6 domains, loaded and compiled by a whole `tripline scan` (wall time
# and peak resident memory of the process; the capture is a few packets).
rules rules-big --ips 1000000 --domains 1000000
"$trafficgen" --out tiny.pcap --truth /dev/null --packets 100 --seed 1 >/dev/null
/usr/bin/time -f '%e s elapsed, %M KiB max resident' "$tripline" scan -q --workers 1 \
  --rules rules-big --alerts /dev/null tiny.pcap 2>big.time

# Series for the plots: throughput against content and pcre rule counts, one worker.
for n in 100 1000 10000 100000; do
  rules "rules-content-$n" --content "$n"
  "$tripline" bench --json --workers 1 --repeat 3 --rules "rules-content-$n" mix.pcap \
    >"content-$n.json"
done
for n in 10 100 1000; do
  rules "rules-pcre-$n" --pcre "$n"
  "$tripline" bench --json --workers 1 --repeat 3 --rules "rules-pcre-$n" mix.pcap >"pcre-$n.json"
done

summary() {
  jq -r --arg name "$1" '.rule_sets[0] as $s | $s.runs[] |
    "\($name): \(.workers) worker(s): \(.packets_per_second / 1e6 | . * 100 | round / 100) Mpkt/s, " +
    "\(.gbps | . * 100 | round / 100) Gbit/s" +
    (if .ceiling_ratio then ", \(.ceiling_ratio * 100 | round) % of the Hyperscan ceiling" else "" end)' "$2"
}
{
  summary "mixed (10k IPs, 10k domains, 1k content, 100 pcre), mix.pcap" mixed.json
  summary "1e5 IPs, 64-byte packets" small64.json
  echo "1e6 IPs + 1e6 domains, load + compile + scan of 100 packets: $(cat big.time)"
  for f in content-*.json pcre-*.json; do summary "${f%.json}" "$f"; done
} | tee summary.txt
