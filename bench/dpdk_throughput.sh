#!/usr/bin/env bash
# Packets/s per worker on the DPDK path: net_pcap replays a generated capture forever
# (infinite_rx=1) into QUEUES RX queues, against 1e5 random IPv4 indicators plus the demo
# list; after SECONDS, SIGINT, and the summary line gives packets/s.
#   bench/dpdk_throughput.sh [QUEUES=1] [SECONDS=6]     (after a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
queues=${1:-1}
seconds=${2:-6}
bin=build/release/engine/tripline
work=$(mktemp -d)
trap 'rm -rf "$work" /var/run/dpdk/tl-bench-$$' EXIT

build/release/bench/trafficgen --out "$work/in.pcap" --truth /dev/null --packets 5000 --seed 8 \
  --inject rules/demo/demo.list 2>/dev/null
awk 'BEGIN { srand(5); for (i = 0; i < 100000; i++) {
       a = 1 + int(rand() * 223); if (a == 10 || a == 127 || a == 198) a = 45;
       printf "%d.%d.%d.%d\n", a, int(rand() * 256), int(rand() * 256), int(rand() * 256) } }' \
  >"$work/ip1e5.list"
cat rules/demo/demo.list >>"$work/ip1e5.list"

vdev=net_pcap0
for _ in $(seq "$queues"); do vdev+=",rx_pcap=$work/in.pcap"; done
"$bin" run --dpdk --queues "$queues" --stats-interval 0 --rules "$work/ip1e5.list" \
  --alerts /dev/null -- --no-huge --no-pci -m 1024 --no-shconf --file-prefix "tl-bench-$$" \
  --log-level=error "--vdev=$vdev,infinite_rx=1" 2>"$work/err" &
pid=$!
sleep "$seconds"
kill -INT "$pid"
wait "$pid"
grep '^tripline: [0-9]* packets' "$work/err"
