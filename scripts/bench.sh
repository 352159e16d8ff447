#!/usr/bin/env bash
# Builds release binaries and runs the benchmark harness (bench/run_benchmarks.py).
# Results go to standard output as a Markdown table; copy them into docs/benchmarks.md
# with the machine description and the date.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q --no-install-recommends wrk
fi
swift build -c release --scratch-path .build-release --product cirrus
swift build -c release --scratch-path .build-release --product cirrus-bench-bare
exec python3 bench/run_benchmarks.py "$@"
