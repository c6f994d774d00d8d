#!/usr/bin/env bash
# Setup, then build and run the whole test suite: release, ASan+UBSan, TSan (threaded parts),
# and the fuzz targets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

echo "== release build and tests" >&2
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== ASan+UBSan build and tests" >&2
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan -j "$jobs"
ctest --preset asan-ubsan -j "$jobs"

echo "== TSan build and tests of the threaded parts (alert ring, workers, pipeline, NATS sink)" >&2
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target core_tests engine_tests e2e_tests output_tests \
  tripline trafficgen
ctest --preset tsan -j "$jobs" -R 'AlertQueue|WorkerHotPath|GeneratedCapture|SharedCaptureWorkers|Cli\.|NatsQueue|DiskSpool|HotReload'

echo "== fuzz targets (libFuzzer, brief runs)" >&2
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
scripts/run-fuzzers.sh build/fuzz/fuzz "${FUZZ_SECONDS:-15}"
