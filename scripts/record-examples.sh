#!/usr/bin/env bash
# Re-records the example captures in examples/pcap/: real tools against a real Kamailio on
# loopback, through the end-to-end test harness (tests/e2e, docs/internals/e2e.md). Needs root
# (tcpdump) and the packages of scripts/install-deps.sh. Traffic stays on 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/voipsec ] || make
out=$(E2E_KEEP=1 bash tests/e2e/test_monitor_attacks.sh build/voipsec . svwar svcrack ordinary 2>&1)
dir=$(printf '%s\n' "$out" | sed -n 's/^e2e: kept //p' | tail -1)
[ -n "$dir" ] && [ -d "$dir" ] || { printf '%s\n' "$out" >&2; echo "record-examples: no capture kept" >&2; exit 1; }
for n in svwar svcrack ordinary; do
  cp "$dir/$n.pcap" "examples/pcap/kamailio-$n.pcap"
done
rm -rf "$dir"
echo "record-examples: examples/pcap/kamailio-{svwar,svcrack,ordinary}.pcap recorded"
