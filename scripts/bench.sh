#!/usr/bin/env bash
# Builds release binaries and runs a benchmark harness. Results go to standard output as a
# Markdown table; copy them into docs/benchmarks.md with the machine description and the date.
#   bash scripts/bench.sh [options]          the foundation benchmarks (bench/run_benchmarks.py)
#   bash scripts/bench.sh agents [options]   agent links and listHosts at scale (bench/agents_bench.py)
#   bash scripts/bench.sh instances [options] deploy throughput, listVirtualMachines, placement (bench/instances_bench.py)
#   bash scripts/bench.sh network [options]   router document at 600 instances, concurrent associateIpAddress (bench/network_bench.py)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "agents" ]]; then
  shift
  swift build -c release --scratch-path .build-release --product cirrus
  # Every agent link is a socket on both ends: 10,000 links need well over 10,000 descriptors.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  exec python3 bench/agents_bench.py "$@"
fi
if [[ "${1:-}" == "instances" ]]; then
  shift
  swift build -c release --scratch-path .build-release --product cirrus
  swift build -c release --scratch-path .build-release --product cirrus-bench-seed
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  exec python3 bench/instances_bench.py "$@"
fi
if [[ "${1:-}" == "network" ]]; then
  shift
  swift build -c release --scratch-path .build-release --product cirrus
  swift build -c release --scratch-path .build-release --product cirrus-bench-seed
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  exec python3 bench/network_bench.py "$@"
fi
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q --no-install-recommends wrk
fi
swift build -c release --scratch-path .build-release --product cirrus
swift build -c release --scratch-path .build-release --product cirrus-bench-bare
exec python3 bench/run_benchmarks.py "$@"
