#!/usr/bin/env bash
# Draws the performance plots of docs/performance.md from bench/targets.sh's reports:
# throughput against rule count (content and pcre, one worker, with the Hyperscan ceiling)
# and against workers. Needs gnuplot and jq (scripts/setup.sh installs them).
#   bench/plot.sh [DIR] [DEST]   (defaults /tmp/tripline-targets, docs/img)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/tripline-targets}
dest=${2:-$root/docs/img}
mkdir -p "$dest"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

for kind in content pcre; do
  for f in "$dir"/"$kind"-*.json; do
    n=${f##*-}
    n=${n%.json}
    jq -r --arg n "$n" '.rule_sets[0] | "\($n) \(.runs[0].payload_gbps) \(.ceiling_payload_gbps // 0)"' "$f"
  done | sort -n >"$data/$kind.dat"
done
jq -r '.rule_sets[0].runs[] | "\(.workers) \(.packets_per_second / 1e6)"' "$dir/mixed.json" \
  >"$data/workers-mixed.dat"
jq -r '.rule_sets[0].runs[] | "\(.workers) \(.packets_per_second / 1e6)"' "$dir/small64.json" \
  >"$data/workers-small.dat"

gnuplot <<GNUPLOT
set terminal pngcairo size 800,480 font ",10"
set grid
set key top right

set output "$dest/throughput-vs-rules.png"
set title "Payload throughput, one worker, generated mix (trafficgen, 500k packets)"
set logscale x
set xlabel "rules"
set ylabel "Gbit/s of TCP/UDP payload"
plot "$data/content.dat" using 1:2 with linespoints title "tripline, content rules", \
     "$data/content.dat" using 1:3 with linespoints dashtype 2 title "Hyperscan ceiling, content", \
     "$data/pcre.dat" using 1:2 with linespoints title "tripline, pcre rules", \
     "$data/pcre.dat" using 1:3 with linespoints dashtype 2 title "Hyperscan ceiling, pcre"

set output "$dest/throughput-vs-workers.png"
set title "Packets/s against workers (capture preloaded)"
unset logscale x
set xlabel "workers"
set xtics 1
set ylabel "Mpkt/s"
set yrange [0:*]
plot "$data/workers-mixed.dat" using 1:2 with linespoints title "mix, 10k IPs/10k domains/1k content/100 pcre", \
     "$data/workers-small.dat" using 1:2 with linespoints title "64-byte packets, 1e5 IPs"
GNUPLOT
echo "plots in $dest" >&2
