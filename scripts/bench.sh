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
# 4. scan:      `voipsec scan 127.0.3.0/24` against SIPVicious `svmap 127.0.3.0/24` with one SIP
#    service (Kamailio, or scan_responders.py when Kamailio is missing) on 127.0.3.10:5060: wall
#    time, peak RSS, the services each found (the sets must be equal), the ratio (goal: voipsec
#    at least BENCH_GOAL_SCAN_RATIO times faster); then --rate accuracy: at each rate of
#    BENCH_SCAN_RATES, a scan of an empty block of 127.0.16.0/20 (about one second of probes, at
#    most 4096), the achieved rate measured independently by tcpdump on lo (probes / (last - first)),
#    beside the rate voipsec reports (stats.rate). Loopback only; takes /tmp/voipsec-e2e.lock, as
#    the end-to-end tests do, since both use port 5060.
# The captures are generated into BENCH_DIR once and reused while gen_pcap and its parameters are
# unchanged (a .params file beside each records them).
#
# Environment: BENCH_DIR (build-bench), BUILD_DIR (build: the release build whose voipsec is
# timed; it is configured if missing and brought up to date), BENCH_MESSAGES (1000000),
# BENCH_SOURCES (20000), BENCH_CALL_IDS (250000), BENCH_FLOOD_SOURCES (1000000),
# BENCH_FLOOD_CAP (32768, the default caps), BENCH_FLOOD_RSS_MIB (128), BENCH_GOAL_RATE (2000000 messages/s),
# BENCH_GOAL_RSS_MIB (128), BENCH_STRICT (0; 1: missing a goal fails too), BENCH_NO_TSHARK (0),
# BENCH_ONLY (all; or "parse" / "monitor" (monitor and flood) / "scan" to run one part),
# BENCH_NO_BUILD (0; 1: time $BUILD_DIR/voipsec as it is, without rebuilding it),
# BENCH_SCAN_RATE (10000 probes/s) and BENCH_SCAN_TIMEOUT (0.25 s) for the scan against svmap,
# BENCH_SCAN_RATES ("500 2000 10000") for the accuracy runs, BENCH_GOAL_SCAN_RATIO (10),
# BENCH_SCAN_TOLERANCE (10: percent off the asked rate that still counts as accurate).
# Exit status: non-zero when a benchmark fails its own check (voipsec rejects a message that
# libosip2 accepts; voipsec and tshark count different numbers of messages; the flood checks; the
# scan bench's SIP service does not come up or voipsec scan fails), a tool is missing, or a run
# exceeds its time limit. Missing a speed/RSS/rate goal, and svmap and voipsec finding different
# services, are reported, and only fail with BENCH_STRICT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-build-bench}
build=${BUILD_DIR:-build}
only=${BENCH_ONLY:-all}
bin=$dir/bench_sip
gen=$dir/gen_pcap
case $only in
all | parse | monitor | scan) ;;
*) echo "bench: BENCH_ONLY must be all, parse, monitor or scan (not '$only')" >&2; exit 1 ;;
esac
if [ "$only" != scan ]; then
  for b in "$bin" "$gen"; do
    if [ ! -x "$b" ]; then
      echo "bench: $b not found; run 'make bench' (or cmake -DVS_BUILD_BENCH=ON)" >&2
      exit 1
    fi
  done
fi

tmp=$(mktemp -d)
bg_pids=() # process groups started by the scan bench (setsid), stopped on exit
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do
    kill -TERM -- "-$p" 2>/dev/null || true
  done
  for p in "${bg_pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
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

# ---- the release build ------------------------------------------------------------------------
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

# ---- 2. monitor against tshark ------------------------------------------------------------------
if [ "$only" = all ] || [ "$only" = monitor ]; then
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
fi # monitor and flood

# ---- 4. scan against svmap, and --rate accuracy ------------------------------------------------
if [ "$only" = all ] || [ "$only" = scan ]; then
  # Loopback only: the service on 127.0.3.10, the sweep over 127.0.3.0/24, the accuracy runs over
  # (part of) 127.0.16.0/20 where nothing listens.
  scan_net=127.0.3.0/24
  scan_addr=127.0.3.10
  rate_base=127.0.16.0
  s_rate=${BENCH_SCAN_RATE:-10000}
  s_timeout=${BENCH_SCAN_TIMEOUT:-0.25}
  goal_ratio=${BENCH_GOAL_SCAN_RATIO:-10}
  tolerance=${BENCH_SCAN_TOLERANCE:-10}
  for t in svmap python3 ss; do
    command -v "$t" > /dev/null 2>&1 || {
      echo "bench: FAILED: $t not found (scripts/install-deps.sh installs it)" >&2
      exit 1
    }
  done
  # Port 5060 on loopback is shared with the end-to-end tests: one at a time.
  exec {scan_lock}> /tmp/voipsec-e2e.lock
  if ! flock -w 180 "$scan_lock"; then
    echo "bench: FAILED: /tmp/voipsec-e2e.lock held for 3 minutes (an e2e test running?)" >&2
    exit 1
  fi
  # Nothing else may answer in the scanned blocks (nor on the wildcard address, which answers for
  # every loopback address); listeners on other loopback addresses do not disturb the bench.
  busy=$(ss -Hlnu "sport = :5060" | awk '{ print $4 }' | python3 -c '
import ipaddress, sys
nets = [ipaddress.ip_network(n) for n in ("127.0.3.0/24", "127.0.16.0/20")]
for line in sys.stdin:
    a = line.strip().rsplit(":", 1)[0].strip("[]").split("%")[0]
    try:
        ip = ipaddress.ip_address(a)
    except ValueError:
        continue
    if ip.is_unspecified or any(ip in n for n in nets):
        print(line.strip())')
  if [ -n "$busy" ]; then
    echo "bench: FAILED: UDP port 5060 is already in use where the scan bench probes: $busy" >&2
    ss -Hlnup "sport = :5060" >&2
    exit 1
  fi

  # The one SIP service: Kamailio answering OPTIONS (or the stand-in responder).
  kmods=/usr/lib/x86_64-linux-gnu/kamailio/modules
  mkdir -p "$tmp/kamailio"
  if command -v kamailio > /dev/null 2>&1 && [ -f "$kmods/sl.so" ]; then
    cat > "$tmp/kamailio/bench.cfg" <<EOF
#!KAMAILIO
# scan bench: one SIP service answering OPTIONS with 200 (scripts/bench.sh)
debug=1
log_stderror=yes
fork=yes
children=2
disable_tcp=yes
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=off
listen=udp:$scan_addr:5060
mpath="$kmods/"
loadmodule "sl.so"
request_route {
	if (method == "OPTIONS") {
		sl_send_reply("200", "OK");
		exit;
	}
	sl_send_reply("405", "Method Not Allowed");
	exit;
}
EOF
    if ! kamailio -c -f "$tmp/kamailio/bench.cfg" > "$tmp/kamailio/check.log" 2>&1; then
      echo "bench: FAILED: kamailio rejects the bench configuration:" >&2
      tail -5 "$tmp/kamailio/check.log" >&2
      exit 1
    fi
    service="Kamailio $(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\) .*/\1/p')"
    setsid kamailio -f "$tmp/kamailio/bench.cfg" -P "$tmp/kamailio/pid" -DD -E -w "$tmp/kamailio" \
      -Y "$tmp/kamailio" -m 32 -M 4 > "$tmp/kamailio.log" 2>&1 &
  else
    service="scan_responders.py sip (Kamailio not installed)"
    setsid python3 tests/e2e/scan_responders.py sip "$scan_addr" 5060 > "$tmp/kamailio.log" 2>&1 &
  fi
  svc_pid=$!
  bg_pids+=("$svc_pid")
  for _ in $(seq 100); do
    ss -Hlnu "src $scan_addr:5060" | grep -q . && break
    kill -0 "$svc_pid" 2> /dev/null || break
    sleep 0.1
  done
  if ! ss -Hlnu "src $scan_addr:5060" | grep -q .; then
    echo "bench: FAILED: $service did not come up on $scan_addr:5060:" >&2
    tail -10 "$tmp/kamailio.log" >&2
    exit 1
  fi
  sleep 0.3

  # found_svmap FILE / found_voipsec FILE: the services each found, "IP:PORT" per line, sorted.
  found_svmap() { grep -o '| *[0-9.]*:[0-9]* *|' "$1" | tr -d '| ' | sort -u; }
  found_voipsec() {
    python3 - "$1" <<'PY'
import json, sys
found = set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d.get("record") == "host" and d.get("status") == "answered":
        found.add("%s:%s" % (d["ip"], d["port"]))
print("\n".join(sorted(found)))
PY
  }

  echo "bench: scan: one SIP service ($service) on $scan_addr:5060, sweep of $scan_net"
  mkdir -p "$tmp/home"
  echo "bench: svmap $(svmap --version 2>/dev/null | head -n 1) -b 127.0.0.1 -p 5060 $scan_net"
  res=$(HOME=$tmp/home measure 120 "$tmp/svmap.txt" svmap -b 127.0.0.1 -p 5060 "$scan_net")
  read -r sv_wall sv_rss sv_rc <<< "$res"
  found_svmap "$tmp/svmap.txt" > "$tmp/svmap.found"
  sv_n=$(grep -c . "$tmp/svmap.found" || true)
  if [ "$sv_rc" -ne 0 ]; then
    echo "bench: FAILED: svmap exited $sv_rc (124: over 120 s)" >&2
    sed -n 1,10p "$tmp/svmap.txt.err" >&2
    failed=1
  fi
  echo "  svmap:   $sv_n service(s) in $sv_wall s, peak RSS $(mib "$sv_rss") MiB: $(tr '\n' ' ' < "$tmp/svmap.found")"

  echo "bench: voipsec scan $scan_net --rate $s_rate --timeout $s_timeout --retries 0 --format json --no-db"
  res=$(measure 60 "$tmp/scan.json" "$voipsec" scan "$scan_net" --rate "$s_rate" \
    --timeout "$s_timeout" --retries 0 --format json --no-db)
  read -r vs_wall vs_rss vs_rc <<< "$res"
  found_voipsec "$tmp/scan.json" > "$tmp/scan.found"
  vs_n=$(grep -c . "$tmp/scan.found" || true)
  scan_ok=yes
  if [ "$vs_rc" -ne 0 ]; then
    echo "bench: FAILED: voipsec scan exited $vs_rc (124: over 60 s)" >&2
    sed -n 1,10p "$tmp/scan.json.err" >&2
    scan_ok=no
    failed=1
  fi
  echo "  voipsec: $vs_n service(s) in $vs_wall s, peak RSS $(mib "$vs_rss") MiB: $(tr '\n' ' ' < "$tmp/scan.found")"
  echo "           (its stats: $(python3 -c 'import json,sys; l=[x for x in open(sys.argv[1]) if x.startswith("{\"stats\"")]; print(json.dumps(json.loads(l[-1])["stats"]) if l else "none")' "$tmp/scan.json"))"
  if cmp -s "$tmp/svmap.found" "$tmp/scan.found" && [ "$vs_n" -gt 0 ]; then
    same="same services"
  else
    same="DIFFERENT services"
    echo "bench: svmap and voipsec found different services:" >&2
    diff "$tmp/svmap.found" "$tmp/scan.found" | sed 's/^/  /' >&2 || true
    [ "${BENCH_STRICT:-0}" = 1 ] && failed=1
  fi
  s_ratio=$(awk -v a="$sv_wall" -v b="$vs_wall" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
  if [ "$scan_ok" = yes ] && awk -v r="$s_ratio" -v g="$goal_ratio" 'BEGIN { exit !(r >= g) }'; then
    s_goal="goal >= ${goal_ratio}x: met"
  else
    s_goal="goal >= ${goal_ratio}x: NOT met"
    [ "${BENCH_STRICT:-0}" = 1 ] && failed=1
  fi
  echo "  ratio svmap/voipsec wall time: ${s_ratio}x; $same; $s_goal"
  summaries+=("scan: voipsec ${vs_wall} s ($(mib "$vs_rss") MiB peak), svmap ${sv_wall} s ($(mib "$sv_rss") MiB peak), ${s_ratio}x, services found $vs_n/$sv_n, $same; $s_goal")

  # --rate accuracy. The probes go to an empty block (ICMP port unreachable comes back; the
  # capture keeps only our UDP datagrams); no retries, so that every datagram is a first probe.
  if [ "$(id -u)" != 0 ] || ! command -v tcpdump > /dev/null 2>&1; then
    echo "bench: rate accuracy skipped: needs root and tcpdump (capture on lo)"
    summaries+=("scan rate: skipped (needs root and tcpdump)")
  else
    echo "bench: --rate accuracy: achieved rate measured by tcpdump on lo (probes / (last - first))"
    printf '  %8s %6s %-17s %10s %8s %10s %8s %7s\n' asked probes block tcpdump error voipsec error wall
    rate_line=""
    for r in ${BENCH_SCAN_RATES:-500 2000 10000}; do
      # about one second of probes, a power of two between 256 and 4096 addresses
      n=256 bits=24
      while [ "$n" -lt "$r" ] && [ "$n" -lt 4096 ]; do n=$((n * 2)); bits=$((bits - 1)); done
      block=$rate_base/$bits
      pcap=$tmp/rate-$r.pcap
      setsid tcpdump -i lo -n -U -B 65536 -s 128 -w "$pcap" \
        "udp and dst net $block and dst port 5060" > "$tmp/tcpdump-$r.log" 2>&1 &
      td=$!
      bg_pids+=("$td")
      for _ in $(seq 50); do
        grep -q 'listening on' "$tmp/tcpdump-$r.log" && break
        sleep 0.1
      done
      res=$(measure 60 "$tmp/rate-$r.json" "$voipsec" scan "$block" --rate "$r" --timeout 0.5 \
        --retries 0 --format json --no-db)
      read -r r_wall _ r_rc <<< "$res"
      sleep 2 # libpcap hands packets over a block at a time, a partial block after 1 s
      kill -INT "$td" 2> /dev/null || true
      for _ in $(seq 50); do kill -0 "$td" 2> /dev/null || break; sleep 0.1; done
      if [ "$r_rc" -ne 0 ]; then
        echo "bench: FAILED: voipsec scan --rate $r exited $r_rc" >&2
        sed -n 1,10p "$tmp/rate-$r.json.err" >&2
        failed=1
        continue
      fi
      read -r t_n t_rate v_sent v_rate <<< "$(python3 - "$pcap" "$tmp/rate-$r.json" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
ts, off = [], 24
while off + 16 <= len(data):
    sec, frac, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
    ts.append(sec + frac / (1e9 if nano else 1e6))
    off += 16 + caplen
rate = (len(ts) - 1) / (ts[-1] - ts[0]) if len(ts) > 1 and ts[-1] > ts[0] else 0
s = {}
for line in open(sys.argv[2]):
    if line.startswith('{"stats"'):
        s = json.loads(line)["stats"]
sent = s.get("sent", 0)
vrate = s.get("rate") or (sent / s["send_seconds"] if s.get("send_seconds") else 0)
print(len(ts), "%.0f" % rate, sent, "%.0f" % vrate)
PY
)"
      drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$tmp/tcpdump-$r.log")
      t_err=$(awk -v a="$t_rate" -v r="$r" 'BEGIN { printf "%+.1f%%", (a - r) * 100 / r }')
      v_err=$(awk -v a="$v_rate" -v r="$r" 'BEGIN { printf "%+.1f%%", (a - r) * 100 / r }')
      printf '  %8s %6s %-17s %10s %8s %10s %8s %7s\n' "$r" "$t_n" "$block" "$t_rate" "$t_err" \
        "$v_rate" "$v_err" "$r_wall"
      if [ "$t_n" != "$n" ] || [ "$v_sent" != "$n" ] || [ "${drops:-0}" != 0 ]; then
        echo "  (the capture holds $t_n datagrams, voipsec says it sent $v_sent, expected $n; tcpdump dropped ${drops:-?})"
      fi
      if ! awk -v a="$t_rate" -v r="$r" -v t="$tolerance" 'BEGIN { d = (a - r) / r; if (d < 0) d = -d; exit !(d * 100 <= t) }'; then
        echo "  rate $r: achieved $t_rate pps is more than $tolerance % off"
        [ "${BENCH_STRICT:-0}" = 1 ] && failed=1
      fi
      rate_line="$rate_line${rate_line:+, }$r -> $t_rate ($t_err)"
    done
    summaries+=("scan rate (asked -> measured by tcpdump, pps): $rate_line")
  fi
  echo
fi

for s in "${summaries[@]}"; do
  echo "make bench: $s"
done
if [ "$failed" -ne 0 ]; then
  echo "make bench: FAILED (see above)" >&2
  exit 1
fi
