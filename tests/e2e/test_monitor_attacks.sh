#!/usr/bin/env bash
# End-to-end: real attack tools and real clients against a real Kamailio registrar on loopback,
# watched by `voipsec monitor`. See docs/internals/e2e.md.
#
# usage: test_monitor_attacks.sh VOIPSEC_BINARY SOURCE_DIR [SCENARIO...]
# Scenarios (all when none is given): svmap svwar svcrack nmap flood mistyping ordinary live
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool missing).
#
# Network rule: packets go only to 127.0.0.0/8; every tool has its own 127.0.0.x source; every
# load is bounded in count and time; everything started is stopped on exit (lib.sh).
# Scenario functions are called as "scenario_$name".
# shellcheck disable=SC2317
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ $# -ge 2 ] || { echo "usage: $0 VOIPSEC_BINARY SOURCE_DIR [SCENARIO...]" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
shift 2
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(svmap svwar svcrack nmap flood mistyping ordinary live)

# Tools each scenario needs; a missing one skips the run (exit 77) with the reason.
need() { command -v "$1" >/dev/null 2>&1 || e2e_skip "$1 is not installed (scripts/install-deps.sh)"; }
for s in "${SCENARIOS[@]}"; do
    case $s in
    svmap) need svmap ;;
    svwar | live) need svwar ;;
    svcrack) need svcrack ;;
    nmap) need nmap ;;
    flood | mistyping) need sipsak ;;
    ordinary) need baresip; [ -f /usr/lib/baresip/modules/opus.so ] || e2e_skip "baresip opus module missing" ;;
    *) echo "unknown scenario '$s'" >&2; exit 2 ;;
    esac
done

e2e_init "$BIN" "$SRC"

# Subscribers. 1001's password is a weak one (on data/weak-passwords.txt and on svcrack's list);
# the others are strong random strings, on no list.
WEAK_USER=1001
WEAK_PASS=1234
PASS_1002=Xq7-vT3k-9Lp2-wQ8m
PASS_1003=Zr4-hN6b-8Kw1-pD5s
PASS_1004=Mc9-yF2s-4Gt7-bJ3n
SUBSCRIBERS="$WEAK_USER:$WEAK_PASS 1002:$PASS_1002 1003:$PASS_1003 1004:$PASS_1004"

# Source address of each actor (the registrar is 127.0.0.1).
ADDR_SVMAP=127.0.0.11
ADDR_SVWAR=127.0.0.12
ADDR_SVCRACK=127.0.0.13
ADDR_NMAP=127.0.0.14
ADDR_FLOOD=127.0.0.15
ADDR_MISTYPE=127.0.0.16
ADDR_CALLER=127.0.0.17
ADDR_CALLEE=127.0.0.18
ADDR_LIVE=127.0.0.19

# json_stat OUT EXPR : evaluate a Python expression over the stats object `s` (prints it).
json_stat() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
s = {}
for l in open(sys.argv[1]):
    l = l.strip()
    if l:
        d = json.loads(l)
        if "stats" in d:
            s = d["stats"]
print(eval(sys.argv[2], {"s": s}))
EOF
}
stat_true() { [ "$(json_stat "$1" "$2")" = True ]; }
log_has() { grep -q -- "$2" "$E2E_TMP/$1.log"; }

# --------------------------------------------------------------------------------------------
scenario_svmap() {
    e2e_begin svmap
    local out="$E2E_TMP/svmap.ndjson"
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start svmap
    # OPTIONS sweep over 127.0.0.1-16 (16 targets, one of them the registrar), bound to its address.
    e2e_run 30 svmap svmap -b "$ADDR_SVMAP" -p 5060 127.0.0.1-16
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "svmap found the registrar" log_has svmap "127.0.0.1:5060"
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "scan from $ADDR_SVMAP" e2e_expect "$out" scan "$ADDR_SVMAP"
    e2e_end "$out" "$E2E_PCAP"
}

scenario_svwar() {
    e2e_begin svwar
    local out="$E2E_TMP/svwar.ndjson"
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start svwar
    e2e_from "$ADDR_SVWAR" # svwar ignores -b
    e2e_run 30 svwar "${E2E_FROM[@]}" svwar -e1000-1050 127.0.0.1
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "svwar found extension 1001" log_has svwar "| 1001 "
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "enumeration from $ADDR_SVWAR" e2e_expect "$out" enumeration "$ADDR_SVWAR"
    e2e_check "scan from $ADDR_SVWAR" e2e_expect "$out" scan "$ADDR_SVWAR"
    e2e_end "$out" "$E2E_PCAP"
}

scenario_svcrack() {
    e2e_begin svcrack
    local out="$E2E_TMP/svcrack.ndjson" words="$E2E_TMP/svcrack-words.txt"
    # 20 wrong guesses, then the weak password (svcrack stops when it finds it).
    printf '%s\n' password 123456 qwerty letmein admin 0000 1111 12345 secret voip sip \
        abc123 111111 654321 000000 passw0rd welcome asterisk 4321 9999 "$WEAK_PASS" >"$words"
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start svcrack
    e2e_from "$ADDR_SVCRACK" # svcrack ignores -b
    e2e_run 30 svcrack "${E2E_FROM[@]}" svcrack -u"$WEAK_USER" -d "$words" 127.0.0.1
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "svcrack found the password of $WEAK_USER" log_has svcrack "| $WEAK_PASS "
    e2e_check "data/weak-passwords.txt lists '$WEAK_PASS'" grep -qxF "$WEAK_PASS" "$SRC/data/weak-passwords.txt"
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "bruteforce on user $WEAK_USER from $ADDR_SVCRACK" \
        e2e_expect "$out" bruteforce "$ADDR_SVCRACK" "$WEAK_USER"
    e2e_check "weak-credential for user $WEAK_USER" e2e_expect "$out" weak-credential "" "$WEAK_USER"
    e2e_end "$out" "$E2E_PCAP"
}

scenario_nmap() {
    e2e_begin nmap
    local out="$E2E_TMP/nmap.ndjson"
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start nmap
    e2e_run 60 nmap nmap -n -Pn -sU -p5060 -e lo -S "$ADDR_NMAP" --max-retries 1 \
        --script sip-enum-users \
        --script-args 'sip-enum-users.minext=1000,sip-enum-users.maxext=1050' 127.0.0.1
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "nmap found extension 1001" log_has nmap "1001: Auth required"
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "enumeration from $ADDR_NMAP" e2e_expect "$out" enumeration "$ADDR_NMAP"
    e2e_end "$out" "$E2E_PCAP"
}

scenario_flood() {
    e2e_begin flood
    local out="$E2E_TMP/flood.ndjson"
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start flood
    # 2000 OPTIONS as fast as sipsak can (tens of milliseconds); bounded count and time.
    e2e_run 20 flood sipsak -k "$ADDR_FLOOD" -F -e 2000 -s sip:127.0.0.1
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "the capture holds the 2000 OPTIONS" stat_true "$out" 's.get("requests",{}).get("OPTIONS",0) >= 2000'
    e2e_check "flood from $ADDR_FLOOD" e2e_expect "$out" flood "$ADDR_FLOOD"
    e2e_end "$out" "$E2E_PCAP"
}

scenario_mistyping() {
    e2e_begin mistyping
    local out="$E2E_TMP/mistyping.ndjson" ok=0
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start mistyping
    # A person: two wrong passwords a second apart, then the right one.
    e2e_run 10 mistype sipsak -k "$ADDR_MISTYPE" -U -x 300 -s sip:1004@127.0.0.1 -a Mc9-yF2s-4Gt7
    sleep 1
    e2e_run 10 mistype sipsak -k "$ADDR_MISTYPE" -U -x 300 -s sip:1004@127.0.0.1 -a mc9-yf2s-4gt7-bj3n
    sleep 1
    e2e_run 10 mistype sipsak -k "$ADDR_MISTYPE" -U -x 300 -s sip:1004@127.0.0.1 -a "$PASS_1004" && ok=1
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "the third attempt registers" [ "$ok" = 1 ]
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "the monitor saw the 6 REGISTERs" stat_true "$out" 's.get("requests",{}).get("REGISTER",0) >= 6'
    e2e_check "no activity finding for $ADDR_MISTYPE" \
        e2e_expect_none "$out" "$ADDR_MISTYPE" "${E2E_ACTIVITY_RULES[@]}"
    e2e_check "no weak-credential (strong password)" e2e_expect_none "$out" "" weak-credential
    e2e_end "$out" "$E2E_PCAP"
}

# baresip_config NAME USER PASSWORD ADDR PORT : a headless baresip (sine source, null player,
# opus), auto-answering, registering USER from ADDR:PORT.
baresip_config() {
    local d="$E2E_TMP/baresip-$1"
    mkdir -p "$d"
    cat >"$d/config" <<EOF
poll_method epoll
sip_listen $4:$5
net_interface $4
audio_player aubridge,nil
audio_source ausine,440
audio_alert aubridge,nil
rtp_ports 10000-10099
module_path /usr/lib/baresip/modules
module opus.so
module ausine.so
module aubridge.so
module_app account.so
module_app menu.so
EOF
    echo "<sip:$2@127.0.0.1>;auth_pass=$3;answermode=auto;audio_codecs=opus/48000/2;regint=300;mwi=no;pubint=0" \
        >"$d/accounts"
    : >"$d/contacts"
}

scenario_ordinary() {
    e2e_begin ordinary
    local out="$E2E_TMP/ordinary.ndjson" n callee
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start ordinary "udp portrange 10000-10099"
    baresip_config callee 1003 "$PASS_1003" "$ADDR_CALLEE" 5080
    baresip_config caller 1002 "$PASS_1002" "$ADDR_CALLER" 5070
    e2e_bg baresip-callee baresip -f "$E2E_TMP/baresip-callee" -t 15
    callee=$E2E_LAST_PID
    for ((n = 50; n > 0; n--)); do # registered (at most 5 s)
        log_has baresip-callee "1003@127.0.0.1: .*200 OK" && break
        sleep 0.1
    done
    # The caller registers, calls 1003 (auto-answered), talks ~5 s, hangs up when it quits.
    e2e_run 20 baresip-caller baresip -f "$E2E_TMP/baresip-caller" -t 6 -e "/dial sip:1003@127.0.0.1"
    e2e_stop "$callee" TERM
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "the callee registered" log_has baresip-callee "1003@127.0.0.1: .*200 OK"
    e2e_check "the call was established" log_has baresip-caller "Call established"
    e2e_check "monitor exits 0" e2e_monitor "$E2E_PCAP" "$out"
    e2e_check "the monitor saw the call (INVITE, BYE)" \
        stat_true "$out" 's.get("requests",{}).get("INVITE",0) >= 1 and s.get("requests",{}).get("BYE",0) >= 1'
    e2e_check "no activity finding from any source" e2e_expect_none "$out" "" "${E2E_ACTIVITY_RULES[@]}"
    e2e_check "no weak-credential (strong passwords)" e2e_expect_none "$out" "" weak-credential
    e2e_check "unencrypted-media reported (plain RTP)" e2e_expect "$out" unencrypted-media ""
    e2e_end "$out" "$E2E_PCAP"
}

# Live mode: the monitor captures on lo itself (default filter, drops root to nobody), svwar
# runs, the monitor is stopped with SIGINT and must print the findings, a stats line, exit 0.
scenario_live() {
    e2e_begin live
    local out="$E2E_TMP/live.ndjson" pid n uid rc
    e2e_kamailio_start "$SUBSCRIBERS"
    e2e_capture_start live # the same traffic, for the failure report
    setsid "$E2E_BIN" monitor -i lo --format json --no-db --user nobody \
        --data-dir "$SRC/data" >"$out" 2>"$out.stderr" &
    pid=$!
    E2E_PIDS+=("$pid")
    for ((n = 50; n > 0; n--)); do # wait until it has opened lo and dropped root (at most 5 s)
        uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -n "$uid" ] && [ "$uid" != 0 ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    e2e_check "the live monitor runs as nobody" [ "${uid:-0}" = "$(id -u nobody)" ]
    sleep 0.5
    e2e_from "$ADDR_LIVE"
    e2e_run 30 live-svwar "${E2E_FROM[@]}" svwar -e1000-1050 127.0.0.1
    sleep 1
    e2e_stop "$pid" INT
    rc=$?
    e2e_capture_stop
    e2e_kamailio_stop
    e2e_check "the live monitor exits 0 on SIGINT (got $rc)" [ "$rc" = 0 ]
    e2e_check "it printed a stats line last" \
        python3 -c 'import json,sys; l=[x for x in open(sys.argv[1]) if x.strip()]; sys.exit(0 if l and "stats" in json.loads(l[-1]) else 1)' "$out"
    e2e_check "scan from $ADDR_LIVE (live)" e2e_expect "$out" scan "$ADDR_LIVE"
    e2e_check "enumeration from $ADDR_LIVE (live)" e2e_expect "$out" enumeration "$ADDR_LIVE"
    e2e_end "$out" "$E2E_PCAP"
}

for s in "${SCENARIOS[@]}"; do
    "scenario_$s"
done
if [ "$E2E_FAILURES" -gt 0 ]; then
    echo "e2e: $E2E_FAILURES of ${#SCENARIOS[@]} scenario(s) failed"
    exit 1
fi
echo "e2e: ${#SCENARIOS[@]} scenario(s) passed"
exit 0
