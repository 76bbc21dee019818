#!/usr/bin/env bash
# Runs the benchmarks built in build-bench (`make bench` builds them first) and prints a short
# report: the benchmark's own table, then one summary line per benchmark.
#   scripts/bench.sh [extra bench_sip options, e.g. --seconds 5 --messages 8000]
# Environment: BENCH_DIR (default build-bench). Exit status: non-zero when a benchmark fails its
# own check (e.g. voipsec rejects a message that libosip2 accepts) or is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-build-bench}
bin=$dir/bench_sip
if [ ! -x "$bin" ]; then
  echo "bench: $bin not found; run 'make bench' (or cmake -DVS_BUILD_BENCH=ON)" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "bench: SIP parsing, voipsec against libosip2 $(pkg-config --modversion libosip2 2>/dev/null || echo '?') ($(nproc 2>/dev/null || echo '?') CPUs)"
rc=0
"$bin" "$@" | tee "$log" || rc=$?

summary=$(grep '^summary:' "$log" | tail -n 1 | sed 's/^summary: //')
if [ -z "$summary" ]; then
  echo "bench: FAILED: bench_sip printed no summary (exit $rc)" >&2
  exit 1
fi
echo
if [ "$rc" -ne 0 ]; then
  echo "make bench: FAILED (exit $rc): sip parse: $summary" >&2
  exit "$rc"
fi
echo "make bench: sip parse: $summary"
