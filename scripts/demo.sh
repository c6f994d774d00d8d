#!/usr/bin/env bash
# Setup, build, then replay a generated capture against the bundled demo rule set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target tripline trafficgen
out=build/demo
mkdir -p "$out"
build/release/bench/trafficgen --out "$out/demo.pcap" --truth "$out/demo.truth.tsv" \
  --packets 20000 --seed 2026 --inject rules/demo/demo.list
build/release/engine/tripline scan --rules rules/demo --alerts "$out/alerts.json" "$out/demo.pcap"
echo
echo "Alerts (EVE JSON, $out/alerts.json), one per flow and indicator:"
grep '"event_type":"alert"' "$out/alerts.json" |
  sed -E 's/.*"pcap_cnt":([0-9]+).*"src_ip":"([^"]+)".*"dest_ip":"([^"]+)".*"signature":"([^"]+)".*"field":"([^"]+)".*/  frame \1  \2 -> \3  \5  \4/' |
  head -n 40
echo "  ($(grep -c '"event_type":"alert"' "$out/alerts.json") alerts; ground truth: $(($(wc -l <"$out/demo.truth.tsv") - 1)) rows in $out/demo.truth.tsv)"
