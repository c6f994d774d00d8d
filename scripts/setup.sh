#!/usr/bin/env bash
# Installs the Debian 12 packages tripline needs to build, test and run (only those missing).
set -euo pipefail
packages=(
  g++ cmake ninja-build ccache pkg-config git
  libpcap-dev libtbb-dev libcli11-dev libsimdjson-dev libpcre2-dev libnats-dev nats-server
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  tshark tcpdump tcpreplay iproute2 libdpdk-dev libvectorscan-dev
  gnuplot-nox jq openssl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
