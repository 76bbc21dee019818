#!/usr/bin/env bash
# Runs the benchmarks built in build-bench (`make bench` builds them first) and prints a short
# report: each benchmark's own output, then one summary line per benchmark.
#   scripts/bench.sh [extra bench_sip options, e.g. --seconds 5 --messages 8000]
#
# 1. sip parse: bench_sip, voipsec's parser against libosip2 on preloaded messages.
# 2. monitor:   `voipsec monitor -r FILE --format json --no-db` (release build, every detector on)
#    against `tshark -r FILE -Y sip -T fields -e sip.Method -e sip.Call-ID` on the same capture
#    (gen_pcap: 1,000,000 SIP messages, 20,000 sources, ~250,000 Call-IDs): wall time, messages/s,
#    the ratio, peak RSS of each. Both must count the same number of SIP messages.
# 3. flood:     voipsec monitor, with capped tables (max_sources etc. = BENCH_FLOOD_CAP), on
#    1,000,000 distinct sources and Call-IDs with a brute force from 203.0.113.66 hidden inside:
#    peak RSS must stay under BENCH_FLOOD_RSS_MIB, evictions must be counted, and the brute force
#    must still be reported (a `bruteforce` finding with that source).
# The captures are generated into BENCH_DIR once and reused while gen_pcap and its parameters are
# unchanged (a .params file beside each records them).
#
# Environment: BENCH_DIR (build-bench), BUILD_DIR (build: the release build whose voipsec is
# timed; it is configured if missing and brought up to date), BENCH_MESSAGES (1000000),
# BENCH_SOURCES (20000), BENCH_CALL_IDS (250000), BENCH_FLOOD_SOURCES (1000000),
# BENCH_FLOOD_CAP (32768, the default caps), BENCH_FLOOD_RSS_MIB (128), BENCH_GOAL_RATE (2000000 messages/s),
# BENCH_GOAL_RSS_MIB (128), BENCH_STRICT (0; 1: missing a goal fails too), BENCH_NO_TSHARK (0),
# BENCH_ONLY (all; or "parse" / "monitor" to run one part), BENCH_NO_BUILD (0; 1: time
# $BUILD_DIR/voipsec as it is, without rebuilding it).
# Exit status: non-zero when a benchmark fails its own check (voipsec rejects a message that
# libosip2 accepts; voipsec and tshark count different numbers of messages; the flood checks), a
# tool is missing, or a run exceeds its time limit. Missing a speed/RSS goal is reported, and only
# fails with BENCH_STRICT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-build-bench}
build=${BUILD_DIR:-build}
only=${BENCH_ONLY:-all}
bin=$dir/bench_sip
gen=$dir/gen_pcap
for b in "$bin" "$gen"; do
  if [ ! -x "$b" ]; then
    echo "bench: $b not found; run 'make bench' (or cmake -DVS_BUILD_BENCH=ON)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
summaries=()
failed=0

# ---- 1. SIP parsing -----------------------------------------------------------------------------
if [ "$only" = all ] || [ "$only" = parse ]; then
  log=$tmp/sip.log
  echo "bench: SIP parsing, voipsec against libosip2 $(pkg-config --modversion libosip2 2>/dev/null || echo '?') ($(nproc 2>/dev/null || echo '?') CPUs)"
  rc=0
  timeout 600 "$bin" "$@" | tee "$log" || rc=$?
  summary=$(grep '^summary:' "$log" | tail -n 1 | sed 's/^summary: //' || true)
  if [ -z "$summary" ]; then
    echo "bench: FAILED: bench_sip printed no summary (exit $rc)" >&2
    exit 1
  fi
  echo
  if [ "$rc" -ne 0 ]; then
    echo "make bench: FAILED (exit $rc): sip parse: $summary" >&2
    exit "$rc"
  fi
  summaries+=("sip parse: $summary")
fi
if [ "$only" = parse ]; then
  echo "make bench: ${summaries[0]}"
  exit 0
fi

# ---- helpers ----------------------------------------------------------------------------------
# measure LIMIT_S OUT CMD...: runs CMD with standard output to OUT (stderr to OUT.err), at most
# LIMIT_S seconds; prints "WALL_S PEAK_RSS_KIB EXIT" (exit 124 on timeout). Peak RSS is the
# child's ru_maxrss, as GNU time %M reports it.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
limit, out, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
with open(out, "wb") as o, open(out + ".err", "wb") as e:
    p = subprocess.Popen(cmd, stdout=o, stderr=e)
    try:
        rc = p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = 124
wall = time.monotonic() - t0
print("%.3f %d %d" % (wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc))
PY
}

# gen_capture FILE ARGS...: writes FILE with gen_pcap unless it is there with the same parameters
# and the same generator.
gen_capture() {
  local f=$1
  shift
  local params
  params="$(md5sum < "$gen" | cut -d' ' -f1) $*"
  if [ -s "$f" ] && [ -f "$f.params" ] && [ "$(cat "$f.params")" = "$params" ]; then
    echo "bench: reusing $f ($*)"
    return 0
  fi
  rm -f "$f" "$f.params"
  echo "bench: generating $f ($*)"
  timeout 300 "$gen" -o "$f" "$@"
  echo "$params" > "$f.params"
}

# json_stat FILE KEY: a number from the final {"stats":{...}} line of voipsec's JSON output.
json_stat() {
  python3 - "$1" "$2" <<'PY'
import json, sys
last = None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if line.startswith('{"stats"'):
        last = line
if last is None:
    print("none"); sys.exit(0)
print(json.loads(last)["stats"].get(sys.argv[2], "none"))
PY
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# ---- 2. monitor against tshark ------------------------------------------------------------------
if [ ! -f "$build/Makefile" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
if [ "$btype" != Release ]; then
  echo "bench: $build is a '$btype' build; the monitor bench needs the release build (BUILD_DIR)" >&2
  exit 1
fi
if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
  echo "bench: using $build/voipsec as it is (BENCH_NO_BUILD=1)"
else
  echo "bench: bringing $build/voipsec up to date (release)"
  cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target voipsec_cli >/dev/null
fi
voipsec=$build/voipsec

msgs=${BENCH_MESSAGES:-1000000}
base=$dir/monitor-base.pcap
gen_capture "$base" --messages "$msgs" --sources "${BENCH_SOURCES:-20000}" \
  --call-ids "${BENCH_CALL_IDS:-250000}"
cat "$base" > /dev/null # into the page cache: both tools then read from memory
size=$(stat -c %s "$base")

echo "bench: voipsec monitor -r $base --format json --no-db"
res=$(measure 120 "$tmp/mon.json" "$voipsec" monitor -r "$base" --format json --no-db)
read -r v_wall v_rss v_rc <<< "$res"
v_ok=yes
if [ "$v_rc" -ne 0 ] && [ "$v_rc" -ne 1 ]; then
  # keep going: tshark and the flood still give their figures, the bench fails at the end
  if [ "$v_rc" -eq 124 ]; then
    echo "bench: FAILED: voipsec monitor did not finish within 120 s (under $((msgs / 120)) messages/s)" >&2
  else
    echo "bench: FAILED: voipsec monitor exited $v_rc" >&2
  fi
  sed -n 1,20p "$tmp/mon.json.err" >&2
  v_ok=no
  failed=1
fi
v_msgs=$(json_stat "$tmp/mon.json" sip_messages)
if [ "$v_ok" = yes ] && [ "$v_msgs" != none ]; then
  v_rate=$(awk -v n="$v_msgs" -v s="$v_wall" 'BEGIN { printf "%.0f", n / s }')
else
  v_rate=0
fi
echo "  voipsec: $v_msgs SIP messages in $v_wall s: $v_rate messages/s, peak RSS $(mib "$v_rss") MiB"
echo "  findings: $(grep -c '"rule"' "$tmp/mon.json" || true) ($(grep -o '"rule":"[a-z-]*"' "$tmp/mon.json" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, substr($2, 8), $1; sep = ", " }'))"

t_rate=0 ratio="n/a" t_rss=0 t_wall=0
if [ "${BENCH_NO_TSHARK:-0}" = 1 ]; then
  echo "bench: tshark skipped (BENCH_NO_TSHARK=1)"
elif ! command -v tshark >/dev/null 2>&1; then
  echo "bench: FAILED: tshark not found (scripts/install-deps.sh installs it)" >&2
  exit 1
else
  echo "bench: tshark $(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) //p') -r $base -Y sip -T fields -e sip.Method -e sip.Call-ID"
  res=$(measure 240 "$tmp/tshark.txt" tshark -r "$base" -Y sip -T fields -e sip.Method -e sip.Call-ID)
  read -r t_wall t_rss t_rc <<< "$res"
  if [ "$t_rc" -ne 0 ]; then
    echo "bench: FAILED: tshark exited $t_rc (124: over 240 s)" >&2
    grep -v '^Running as user' "$tmp/tshark.txt.err" | sed -n 1,10p >&2
    exit 1
  fi
  t_msgs=$(wc -l < "$tmp/tshark.txt")
  t_rate=$(awk -v n="$t_msgs" -v s="$t_wall" 'BEGIN { printf "%.0f", n / s }')
  ratio=$(awk -v a="$v_rate" -v b="$t_rate" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
  echo "  tshark:  $t_msgs SIP messages in $t_wall s: $t_rate messages/s, peak RSS $(mib "$t_rss") MiB"
  if [ "$v_ok" = yes ] && [ "$t_msgs" != "$v_msgs" ]; then
    echo "bench: FAILED: voipsec counted $v_msgs SIP messages, tshark $t_msgs" >&2
    failed=1
  fi
fi
if [ "$v_ok" = yes ]; then
  mb_s=$(awk -v b="$size" -v s="$v_wall" 'BEGIN { printf "%.0f", b / s / 1e6 }')
else
  mb_s="n/a" ratio="n/a"
fi
goal_rate=${BENCH_GOAL_RATE:-2000000}
goal_rss=${BENCH_GOAL_RSS_MIB:-128}
goals="goals >= $goal_rate msg/s and <= $goal_rss MiB:"
if [ "$v_rate" -ge "$goal_rate" ] && [ "$v_rss" -le $((goal_rss * 1024)) ]; then
  goals="$goals met"
else
  goals="$goals NOT met"
  [ "${BENCH_STRICT:-0}" = 1 ] && failed=1
fi
echo "  ratio voipsec/tshark: ${ratio}x; voipsec reads $mb_s MB/s of capture; $goals"
echo
summaries+=("monitor: voipsec $v_rate msg/s ($(mib "$v_rss") MiB peak), tshark $t_rate msg/s ($(mib "$t_rss") MiB peak), ${ratio}x, $v_msgs messages; $goals")

# ---- 3. flood with a hidden brute force ---------------------------------------------------------
fsrc=${BENCH_FLOOD_SOURCES:-1000000}
cap=${BENCH_FLOOD_CAP:-32768}
rss_cap=${BENCH_FLOOD_RSS_MIB:-128}
flood=$dir/monitor-flood.pcap
gen_capture "$flood" --flood-sources "$fsrc" --hide-bruteforce 203.0.113.66
cat > "$tmp/flood.conf" <<EOF
# monitor bench: bounded tables under a flood of distinct sources
[general]
max_sources = $cap
max_users = $cap
max_dialogs = $cap
max_incidents = 4096
EOF
echo "bench: voipsec monitor -r $flood --config (max_sources = $cap ...) --format json --no-db"
res=$(measure 120 "$tmp/flood.json" "$voipsec" monitor -r "$flood" -c "$tmp/flood.conf" --format json --no-db)
read -r f_wall f_rss f_rc <<< "$res"
flood_ok=yes
if [ "$f_rc" -ne 0 ] && [ "$f_rc" -ne 1 ]; then
  echo "bench: FAILED: voipsec monitor (flood) exited $f_rc (124: over 120 s)" >&2
  sed -n 1,20p "$tmp/flood.json.err" >&2
  flood_ok=no
fi
f_msgs=$(json_stat "$tmp/flood.json" sip_messages)
f_evicted=$(json_stat "$tmp/flood.json" evicted)
f_rate=$(awk -v n="$f_msgs" -v s="$f_wall" 'BEGIN { printf "%.0f", n / s }')
brute=$(python3 - "$tmp/flood.json" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        f = json.loads(line)
    except ValueError:
        continue
    if f.get("rule") == "bruteforce" and (f.get("src") or {}).get("ip") == "203.0.113.66":
        n += 1
print(n)
PY
)
echo "  voipsec: $f_msgs SIP messages in $f_wall s: $f_rate messages/s, peak RSS $(mib "$f_rss") MiB (bound $rss_cap MiB), evicted $f_evicted"
echo "  findings: $(grep -o '"rule":"[a-z-]*"' "$tmp/flood.json" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, substr($2, 8), $1; sep = ", " }')"
if [ "$f_rss" -gt $((rss_cap * 1024)) ]; then
  echo "bench: FAILED: flood: peak RSS $(mib "$f_rss") MiB over the bound of $rss_cap MiB" >&2
  flood_ok=no
fi
if [ "$f_evicted" = none ] || [ "$f_evicted" -le 0 ]; then
  echo "bench: FAILED: flood: no eviction counted (stats.evicted = $f_evicted)" >&2
  flood_ok=no
fi
if [ "$brute" -lt 1 ]; then
  echo "bench: FAILED: flood: the brute force from 203.0.113.66 was not reported (no bruteforce finding with that source)" >&2
  flood_ok=no
fi
[ "$flood_ok" = yes ] || failed=1
echo
summaries+=("flood: $f_msgs messages from $fsrc sources at $f_rate msg/s, peak $(mib "$f_rss") MiB (bound $rss_cap), evicted $f_evicted, brute force found: $([ "$brute" -ge 1 ] && echo yes || echo NO)")

for s in "${summaries[@]}"; do
  echo "make bench: $s"
done
if [ "$failed" -ne 0 ]; then
  echo "make bench: FAILED (see above)" >&2
  exit 1
fi
