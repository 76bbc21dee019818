#!/usr/bin/env bash
# End-to-end: `voipsec scan` against real SIP services started on loopback — Kamailio over UDP,
# TCP and TLS, a Kamailio that claims to be an Asterisk PBX, a baresip softphone, an open
# registrar — and against things that are not SIP servers (a black hole, a non-SIP service, a
# closed address, a name that does not resolve). See docs/internals/e2e.md.
#
# usage: test_scan.sh VOIPSEC_BINARY SOURCE_DIR [SCENARIO...]
# Scenarios (all when none is given): discover tls enum-leak auth admin unresolved single db usage
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool missing).
#
# Network rule: packets go only to 127.0.0.0/8 (the devices are on 127.0.2.8/29, the DNS stub on
# 127.0.2.53; the name lookup runs in a mount namespace whose resolv.conf names only that stub);
# every scan is bounded in count (at most 8 addresses) and time (under `timeout`); everything
# started is stopped on exit (lib.sh).
# shellcheck disable=SC2317 # scenario functions are called as "scenario_$name"
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ $# -ge 2 ] || { echo "usage: $0 VOIPSEC_BINARY SOURCE_DIR [SCENARIO...]" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
shift 2
ALL=(discover tls enum-leak auth admin unresolved single db usage)
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=("${ALL[@]}")
for s in "${SCENARIOS[@]}"; do
    case " ${ALL[*]} " in
    *" $s "*) ;;
    *) echo "unknown scenario '$s' (one of: ${ALL[*]})" >&2; exit 2 ;;
    esac
done

need() { command -v "$1" >/dev/null 2>&1 || e2e_skip "$1 is not installed (scripts/install-deps.sh)"; }
for t in openssl sipsak baresip unshare mount; do need "$t"; done
KAM_MODULES=/usr/lib/x86_64-linux-gnu/kamailio/modules
[ -f "$KAM_MODULES/tls.so" ] || e2e_skip "kamailio-tls-modules is not installed ($KAM_MODULES/tls.so)"
[ -f "$KAM_MODULES/db_sqlite.so" ] || e2e_skip "kamailio-sqlite-modules is not installed"

e2e_init "$BIN" "$SRC"

CHECK=(python3 "$HERE/scan_check.py")
DATA=(--data-dir "$SRC/data")

# The devices: the block 127.0.2.8/29 (.8 to .15) is scanned whole.
NET=127.0.2.8/29
# 127.0.2.8: nothing
A_CLOSED=127.0.2.9   # nothing: ICMP port unreachable, TCP reset
A_KAM=127.0.2.10     # Kamailio, its own Server header; UDP, TCP 5060, TLS 5061; leaks users (404)
A_AST=127.0.2.11     # Kamailio claiming "Asterisk PBX 18.20.0"; challenges everybody; AMI on 5038
A_PHONE=127.0.2.12   # baresip 1.0 (answers OPTIONS 404 with its own Server header; TLS without a
                     # certificate on 5061: every handshake fails)
A_HOLE=127.0.2.13    # black hole on UDP and TCP 5060: reads, never answers
A_JUNK=127.0.2.14    # UDP 5060 answers bytes that are not SIP, TCP 5060 answers an HTTP error
A_OPEN=127.0.2.15    # Kamailio, open registrar: REGISTER 200 without credentials, INVITE 480
A_DNS=127.0.2.53     # DNS stub answering NXDOMAIN (only in the unresolved scenario)
ASTERISK_SERVER="Asterisk PBX 18.20.0"
ASTERISK_CVE=CVE-2024-42365 # affects Asterisk < 18.24.2 (data/firmware-catalogue.tsv)
SUBSCRIBERS="1001:Hv8-rT2q-7Kp4-xW9z 1002:Bn3-sL6d-2Jf8-qM5t"
SCANNER=127.0.0.1 # the source address the kernel gives a socket that talks to 127.0.2.x

VS_VERSION=$("$BIN" --version | awk '{print $2}')
KAM_VERSION=$(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\) .*/\1/p')
BARESIP_VERSION=$(dpkg-query -W -f '${Version}' baresip-core 2>/dev/null | sed 's/-.*//')
[ -n "$KAM_VERSION" ] || { e2e_log "cannot read the version from kamailio -v"; exit 1; }

# --------------------------------------------------------------------------------------------
# Devices.

# kam_config NAME ADDR SERVER_HEADER : $E2E_TMP/NAME/kamailio.cfg from kamailio-scan.cfg.in, with
# a fresh subscriber database; SERVER_HEADER "" keeps Kamailio's own.
kam_config() {
    local name=$1 addr=$2 header=$3 dir="$E2E_TMP/$1" line=""
    mkdir -p "$dir"
    e2e_subscriber_db "$dir/kamailio.sqlite" "$SUBSCRIBERS"
    [ -n "$header" ] && line="server_header=\"Server: $header\""
    sed -e "s|@WORKDIR@|$dir|g" -e "s|@ADDR@|$addr|g" -e "s|@SERVER_HEADER@|$line|" \
        "$HERE/kamailio-scan.cfg.in" >"$dir/kamailio.cfg"
}

# responder NAME MODE ADDR PORT SPEC... : scan_responders.py MODE ADDR PORT, up when SPEC... bound.
responder() {
    local name=$1 mode=$2 addr=$3 port=$4
    shift 4
    # bounded even if the EXIT trap never runs (the test is killed)
    e2e_bg "$name" timeout 600 python3 "$HERE/scan_responders.py" "$mode" "$addr" "$port" \
        ${RESPONDER_LOG:+"$RESPONDER_LOG"}
    e2e_wait_listening "$E2E_LAST_PID" 10 "$@" ||
        { e2e_log "$name did not come up:"; cat "$E2E_TMP/$name.log" >&2; exit 1; }
}

DEVICES_UP=0
start_devices() {
    [ "$DEVICES_UP" = 1 ] && return 0
    local d="$E2E_TMP/kam-pbx" n
    # (a) Kamailio on UDP, TCP and TLS, a self-signed certificate for its address, TLS 1.2+ only.
    kam_config kam-pbx "$A_KAM" ""
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 365 -subj "/CN=$A_KAM" \
        -addext "subjectAltName=IP:$A_KAM" -keyout "$d/key.pem" -out "$d/cert.pem" \
        >"$d/openssl.log" 2>&1 || { e2e_log "openssl req failed:"; cat "$d/openssl.log" >&2; exit 1; }
    e2e_kamailio_run kam-pbx "$d/kamailio.cfg" \
        "udp:$A_KAM:5060 tcp:$A_KAM:5060 tcp:$A_KAM:5061" -A WITH_TLS -A ENUM_LEAK
    # (b) a second device, fingerprinted differently: claims to be a vulnerable Asterisk; its
    # registrar challenges everybody (no enumeration leak); an AMI banner on 5038.
    kam_config kam-asterisk "$A_AST" "$ASTERISK_SERVER"
    e2e_kamailio_run kam-asterisk "$E2E_TMP/kam-asterisk/kamailio.cfg" \
        "udp:$A_AST:5060 tcp:$A_AST:5060"
    responder ami ami "$A_AST" 5038 "tcp:$A_AST:5038"
    # an open registrar
    kam_config kam-open "$A_OPEN" ""
    e2e_kamailio_run kam-open "$E2E_TMP/kam-open/kamailio.cfg" \
        "udp:$A_OPEN:5060 tcp:$A_OPEN:5060" -A OPEN
    # a softphone (no account: answers OPTIONS 404 with its own Server header)
    mkdir -p "$E2E_TMP/baresip"
    cat >"$E2E_TMP/baresip/config" <<EOF
poll_method epoll
sip_listen $A_PHONE:5060
net_interface $A_PHONE
audio_player aubridge,nil
audio_source ausine,440
audio_alert aubridge,nil
rtp_ports 10100-10199
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
EOF
    : >"$E2E_TMP/baresip/accounts"
    : >"$E2E_TMP/baresip/contacts"
    e2e_bg baresip baresip -f "$E2E_TMP/baresip" -t 300
    e2e_wait_listening "$E2E_LAST_PID" 10 "udp:$A_PHONE:5060" "tcp:$A_PHONE:5060" "tcp:$A_PHONE:5061" ||
        { e2e_log "baresip did not come up:"; tail -20 "$E2E_TMP/baresip.log" >&2; exit 1; }
    # things on SIP ports that are not SIP servers
    responder hole blackhole "$A_HOLE" 5060 "udp:$A_HOLE:5060" "tcp:$A_HOLE:5060"
    responder junk garbage "$A_JUNK" 5060 "udp:$A_JUNK:5060" "tcp:$A_JUNK:5060"
    # what is bound in the block now (ss), for the "no more than what listens" check
    ss -Hlnu | awk '{print "udp " $4}' | grep -F ' 127.0.2.' >"$E2E_TMP/bound.txt"
    ss -Hlnt | awk '{print "tcp " $4}' | grep -F ' 127.0.2.' >>"$E2E_TMP/bound.txt"
    # ground truth from the devices themselves (sipsak), for the fingerprint checks
    for n in kam-pbx:$A_KAM kam-asterisk:$A_AST baresip:$A_PHONE kam-open:$A_OPEN; do
        timeout 5 sipsak -vv -s "sip:${n#*:}" 2>/dev/null | tr -d '\r' |
            sed -n 's/^Server: //p' | head -1 >"$E2E_TMP/server-${n%%:*}.txt"
    done
    DEVICES_UP=1
}

server_of() { cat "$E2E_TMP/server-$1.txt"; }

# --------------------------------------------------------------------------------------------
# Running the scanner.

# scan NAME SECONDS ARGS... : voipsec scan ARGS --no-db (unless --db is among ARGS) --format json,
# standard output to $E2E_TMP/NAME.ndjson, stderr to .stderr; bounded by SECONDS. Sets SCAN_OUT
# and SCAN_RC.
scan() {
    local name=$1 secs=$2 nodb=(--no-db) a
    shift 2
    for a in "$@"; do [ "$a" = --db ] && nodb=(); done
    SCAN_OUT="$E2E_TMP/$name.ndjson"
    timeout -k 2 "$secs" "$BIN" scan "$@" "${nodb[@]}" --format json "${DATA[@]}" \
        >"$SCAN_OUT" 2>"$SCAN_OUT.stderr"
    SCAN_RC=$?
    printf '%s\n' "voipsec scan $* ${nodb[*]} --format json ${DATA[*]} -> exit $SCAN_RC" >"$SCAN_OUT.cmd"
}

ck() { "${CHECK[@]}" "$@"; }
rc_is() { [ "$SCAN_RC" = "$1" ]; }
rc_in() {
    local r
    for r in "$@"; do [ "$SCAN_RC" = "$r" ] && return 0; done
    return 1
}

# end_scan : on failure, what the scanner said and what went over the wire.
end_scan() {
    if [ "$E2E_SCENARIO_FAILED" = 1 ]; then
        E2E_FAILURES=$((E2E_FAILURES + 1))
        local f
        for f in "$E2E_TMP"/"$E2E_SCENARIO"*.ndjson; do
            [ -f "$f" ] || continue
            echo "  $(cat "$f.cmd" 2>/dev/null)"
            ck summary "$f"
            [ -s "$f.stderr" ] && sed 's/^/    stderr: /' "$f.stderr" | head -20
        done
        [ -n "${E2E_PCAP:-}" ] && [ -f "$E2E_PCAP" ] && e2e_traffic "$E2E_PCAP"
    fi
    E2E_PCAP=
}

capture() { e2e_capture_start_bpf "$1" "net 127.0.2.0/24"; }

# sets_equal WANT_FILE GOT_FILE : same lines (sorted); prints the difference.
sets_equal() {
    if diff <(sort -u "$1") <(sort -u "$2") >"$2.diff"; then
        return 0
    fi
    sed 's/^/    /' "$2.diff" >&2
    return 1
}

# --------------------------------------------------------------------------------------------
scenario_discover() {
    e2e_begin discover
    start_devices
    local out answered="$E2E_TMP/discover.answered" want="$E2E_TMP/discover.want" r
    printf '%s\n' "$A_KAM:5060/udp" "$A_KAM:5060/tcp" "$A_KAM:5061/tls" \
        "$A_AST:5060/udp" "$A_AST:5060/tcp" "$A_PHONE:5060/udp" "$A_PHONE:5060/tcp" \
        "$A_OPEN:5060/udp" "$A_OPEN:5060/tcp" >"$want"
    capture discover
    scan discover 60 "$NET" --port 5060,5061 --transport udp,tcp,tls --timeout 1 --fail-on medium
    e2e_capture_stop
    out=$SCAN_OUT
    e2e_check "scan exits 0 or 1 (got $SCAN_RC)" rc_in 0 1
    e2e_check "exit status agrees with --fail-on medium" ck fail-on "$out" medium "$SCAN_RC"
    e2e_check "JSON lines, host records complete, stats last" ck valid "$out"
    ck records "$out" answered | awk '{print $1}' >"$answered"
    e2e_check "the answered services are exactly the 9 started" sets_equal "$want" "$answered"
    # Every other record is at an address and port where something is bound; nothing at all
    # about the closed and empty addresses.
    e2e_check "no record where nothing listens" python3 - "$out" "$E2E_TMP/bound.txt" <<'EOF'
import json, sys
bound = {tuple(l.split()[1].rsplit(":", 1)) for l in open(sys.argv[2]) if l.strip()}
bad = []
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("record") == "host" and (d["ip"], str(d["port"])) not in bound:
        bad.append(l.strip())
for b in bad:
    print("    record where nothing listens:", b[:300], file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    e2e_check "stats: 8 addresses, 48 probes, answered = 9" \
        ck stat "$out" 's["addresses"] == 8 and s["probes"] == 48 and s["answered"] == 9'
    e2e_check "non-SIP answer on $A_JUNK:5060/udp is garbage" ck record "$out" "$A_JUNK" 5060 udp status=garbage
    e2e_check "HTTP answer on $A_JUNK:5060/tcp is garbage" ck record "$out" "$A_JUNK" 5060 tcp status=garbage
    e2e_check "baresip's TLS without a certificate is tls-failed" ck record "$out" "$A_PHONE" 5061 tls status=tls-failed
    # Versions, against what the devices say (sipsak) and kamailio -v.
    for r in "$A_KAM 5060 udp" "$A_KAM 5060 tcp" "$A_KAM 5061 tls"; do
        # shellcheck disable=SC2086
        e2e_check "Kamailio $KAM_VERSION read on ${r// /\/}" ck record "$out" $r \
            "server=$(server_of kam-pbx)" fingerprint.vendor=Kamailio "fingerprint.version=$KAM_VERSION"
    done
    e2e_check "sipsak saw the same Server from Kamailio" [ "$(server_of kam-pbx)" = "kamailio ($KAM_VERSION (x86_64/linux))" ]
    e2e_check "TLS record: TLS 1.3 negotiated, a cipher named" \
        ck record "$out" "$A_KAM" 5061 tls tls.version=TLSv1.3 tls.cipher~_
    for r in "$A_AST 5060 udp" "$A_AST 5060 tcp"; do
        # shellcheck disable=SC2086
        e2e_check "Asterisk 18.20.0 read on ${r// /\/}" ck record "$out" $r \
            "server=$ASTERISK_SERVER" fingerprint.vendor=Asterisk fingerprint.version=18.20.0
    done
    e2e_check "baresip $BARESIP_VERSION read on $A_PHONE" ck record "$out" "$A_PHONE" 5060 udp \
        "server=$(server_of baresip)" "server^=baresip v$BARESIP_VERSION" sip_status=404 \
        fingerprint.vendor=baresip "fingerprint.version=$BARESIP_VERSION"
    e2e_check "firmware.vulnerable $ASTERISK_CVE for the Asterisk" \
        ck finding "$out" firmware.vulnerable "$A_AST" "evidence.cve=$ASTERISK_CVE"
    e2e_check "firmware.vulnerable $ASTERISK_CVE reported once for the device" python3 - "$out" <<EOF
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = sum(1 for d in ds if d.get("rule") == "firmware.vulnerable" and d["dst"]["ip"] == "$A_AST"
        and d["evidence"].get("cve") == "$ASTERISK_CVE")
sys.exit(0 if n == 1 else 1)
EOF
    e2e_check "no firmware.vulnerable for Kamailio $KAM_VERSION" ck no-finding "$out" "$A_KAM" firmware.vulnerable
    e2e_check "no check findings without --checks" python3 - "$out" <<'EOF'
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = [d for d in ds if str(d.get("rule", "")).split(".")[0] in ("tls", "scan")]
for d in bad:
    print("    unexpected:", json.dumps(d)[:300], file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    ck pcap-dsts "$E2E_PCAP" "$SCANNER" >"$E2E_TMP/discover.dsts"
    e2e_check "packets went only to the 8 addresses of $NET" python3 - "$E2E_TMP/discover.dsts" <<'EOF'
import ipaddress, sys
dsts = [l.strip() for l in open(sys.argv[1]) if l.strip()]
bad = [d for d in dsts if ipaddress.ip_address(d) not in ipaddress.ip_network("127.0.2.8/29")]
print("    destinations:", " ".join(dsts), file=sys.stderr) if bad else None
sys.exit(1 if bad or not dsts else 0)
EOF
    e2e_check "every probe carries User-Agent: voipsec/$VS_VERSION" ck pcap-ua "$E2E_PCAP" "$SCANNER" "voipsec/$VS_VERSION"
    # the text format says the same
    timeout -k 2 30 "$BIN" scan "$NET" --port 5060,5061 --transport udp,tcp,tls --timeout 1 \
        --no-db "${DATA[@]}" >"$E2E_TMP/discover.txt" 2>&1
    e2e_check "text output names each answered service" python3 - "$E2E_TMP/discover.txt" "$want" <<'EOF'
import sys
text = open(sys.argv[1]).read()
missing = [w.strip() for w in open(sys.argv[2]) if w.strip() and w.strip() not in text]
for m in missing:
    print("    not in the text output:", m, file=sys.stderr)
sys.exit(1 if missing else 0)
EOF
    end_scan
}

# --------------------------------------------------------------------------------------------
scenario_tls() {
    e2e_begin tls
    start_devices
    local out v opt ossl name enabled=()
    # What the server really allows: one handshake per version with openssl s_client (security
    # level 0, so that the client side does not refuse TLS 1.0/1.1 itself).
    # s_client prints "New, VERSION, Cipher is ..." after a completed handshake, "New, (NONE), ..."
    # after a refused one (OpenSSL calls TLS 1.0 "TLSv1").
    for v in tls1:TLSv1:TLSv1.0 tls1_1:TLSv1.1:TLSv1.1 tls1_2:TLSv1.2:TLSv1.2 tls1_3:TLSv1.3:TLSv1.3; do
        IFS=: read -r opt ossl name <<<"$v"
        echo | timeout 5 openssl s_client -connect "$A_KAM:5061" "-$opt" -cipher 'DEFAULT:@SECLEVEL=0' \
            >"$E2E_TMP/tls-$opt.log" 2>&1
        grep -q "^New, $ossl, Cipher is " "$E2E_TMP/tls-$opt.log" && enabled+=("$name")
    done
    e2e_check "Kamailio (tls_method TLSv1.2+) allows exactly TLS 1.2 and 1.3 (openssl: ${enabled[*]})" \
        [ "${enabled[*]}" = "TLSv1.2 TLSv1.3" ]
    capture tls
    scan tls 60 "tls://$A_KAM:5061" --checks tls --timeout 2
    e2e_capture_stop
    out=$SCAN_OUT
    e2e_check "scan exits 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    e2e_check "the TLS service answered" ck record "$out" "$A_KAM" 5061 tls status=answered
    e2e_check "tls.self-signed" ck finding "$out" tls.self-signed "$A_KAM"
    e2e_check "the evidence lists exactly the enabled versions (${enabled[*]})" \
        ck tls-versions "$out" "$A_KAM" 5061 "${enabled[@]}"
    e2e_check "nothing else wrong with this certificate or these versions" ck no-finding "$out" "" \
        tls.old-protocol tls.no-modern-protocol tls.expired tls.expiring-soon tls.hostname-mismatch \
        tls.weak-key tls.weak-signature tls.factory-certificate
    e2e_check "TLS check: packets only to $A_KAM" [ "$(ck pcap-dsts "$E2E_PCAP" "$SCANNER")" = "$A_KAM" ]
    end_scan
}

# --------------------------------------------------------------------------------------------
scenario_enum-leak() {
    e2e_begin enum-leak
    start_devices
    local out
    # the set-up: the leaky registrar answers 404 for an unknown user, the other one 401
    e2e_check "set-up: $A_KAM answers REGISTER for an unknown user with 404" \
        bash -c "timeout 5 sipsak -U -s sip:7319@$A_KAM -a x -vv 2>&1 | grep -q '^SIP/2.0 404'"
    e2e_check "set-up: $A_AST challenges REGISTER for an unknown user (401)" \
        bash -c "timeout 5 sipsak -U -s sip:7319@$A_AST -a x -vv 2>&1 | grep -q '^SIP/2.0 401'"
    capture enum-leak
    scan enum-leak 60 "$A_KAM" "$A_AST" --checks enum-leak --enum-users 1001,1002,2000 --timeout 2
    e2e_capture_stop
    out=$SCAN_OUT
    e2e_check "scan exits 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    e2e_check "scan.enum-leak on $A_KAM (404 for unknown users, 401 for 1001)" \
        ck finding "$out" scan.enum-leak "$A_KAM"
    e2e_check "its evidence: the missing user got 404, 1001 and 1002 look real, 2000 does not" \
        python3 - "$out" "$A_KAM" <<'EOF'
import json, sys
ok = False
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("rule") == "scan.enum-leak" and d["dst"]["ip"] == sys.argv[2]:
        e = d.get("evidence") or {}
        if e.get("missing_user_status") == 404 and sorted(e.get("looks_real") or []) == ["1001", "1002"]:
            ok = True
        else:
            print("    evidence:", json.dumps(e), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
    e2e_check "no scan.enum-leak on $A_AST (401 for everybody)" ck no-finding "$out" "$A_AST" scan.enum-leak
    e2e_check "the scanner sent REGISTERs to both" python3 - "$E2E_PCAP" "$A_KAM" "$A_AST" <<EOF
import sys
sys.path.insert(0, "$HERE")
import scan_check
want = set(sys.argv[2:])
got = {d for s, d, p, sp, dp, pl in scan_check.packets(sys.argv[1]) if s == "$SCANNER" and pl.startswith(b"REGISTER ")}
sys.exit(0 if want <= got else 1)
EOF
    end_scan
}

# --------------------------------------------------------------------------------------------
scenario_auth() {
    e2e_begin auth
    start_devices
    local out
    e2e_check "set-up: $A_OPEN registers without credentials (200)" \
        bash -c "timeout 5 sipsak -vv -U -s sip:7319@$A_OPEN 2>&1 | grep -q 'registering user.*OK'"
    capture auth
    scan auth 60 "$A_KAM" "$A_AST" "$A_OPEN" --checks auth --timeout 2
    e2e_capture_stop
    out=$SCAN_OUT
    e2e_check "scan exits 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    e2e_check "scan.unauthenticated-register on the open registrar $A_OPEN" \
        ck finding "$out" scan.unauthenticated-register "$A_OPEN"
    e2e_check "scan.unauthenticated-invite on $A_OPEN (INVITE answered 480, no challenge)" \
        ck finding "$out" scan.unauthenticated-invite "$A_OPEN"
    e2e_check "nothing on $A_AST (401/407 for everything)" ck no-finding "$out" "$A_AST" \
        scan.unauthenticated-register scan.unauthenticated-invite
    e2e_check "no scan.unauthenticated-invite on $A_KAM (407)" ck no-finding "$out" "$A_KAM" \
        scan.unauthenticated-invite
    e2e_check "no scan.unauthenticated-register on $A_KAM (404 or 401: nothing was registered)" \
        ck no-finding "$out" "$A_KAM" scan.unauthenticated-register
    end_scan
}

# --------------------------------------------------------------------------------------------
scenario_admin() {
    e2e_begin admin
    start_devices
    local out
    capture admin
    scan admin 60 "$A_AST" "$A_KAM" --checks admin --timeout 2
    e2e_capture_stop
    out=$SCAN_OUT
    e2e_check "scan exits 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    e2e_check "scan.admin-exposed: the AMI banner on $A_AST:5038" \
        ck finding "$out" scan.admin-exposed "$A_AST" dst.port=5038
    e2e_check "no scan.admin-exposed on $A_KAM (nothing listens there)" \
        ck no-finding "$out" "$A_KAM" scan.admin-exposed
    e2e_check "admin check: packets only to $A_AST and $A_KAM" \
        [ "$(ck pcap-dsts "$E2E_PCAP" "$SCANNER" | tr '\n' ' ')" = "$A_KAM $A_AST " ]
    end_scan
}

# --------------------------------------------------------------------------------------------
# A name that does not resolve. glibc would ask the machine's resolver (not on loopback), so the
# scanner runs in a mount namespace whose /etc/resolv.conf names only a stub on 127.0.2.53 that
# answers NXDOMAIN and writes down every name it was asked.
# with_stub_resolver SECONDS CMD... : CMD, bounded in time, in a mount namespace whose
# /etc/resolv.conf is $E2E_TMP/resolv.conf.
with_stub_resolver() {
    local secs=$1
    shift
    # shellcheck disable=SC2016 # $1 and $@ belong to the inner shell
    timeout -k 2 "$secs" unshare --mount sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' \
        sh "$E2E_TMP/resolv.conf" "$@"
}

scenario_unresolved() {
    e2e_begin unresolved
    start_devices
    local out name=nosuch-pbx.voipsec-e2e.invalid rc
    RESPONDER_LOG="$E2E_TMP/dns.names" responder dns dns "$A_DNS" 53 "udp:$A_DNS:53"
    printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$A_DNS" >"$E2E_TMP/resolv.conf"
    SCAN_OUT="$E2E_TMP/unresolved.ndjson"
    with_stub_resolver 30 "$BIN" scan "$name" "$A_KAM" --timeout 1 --no-db --format json \
        "${DATA[@]}" >"$SCAN_OUT" 2>"$SCAN_OUT.stderr"
    SCAN_RC=$?
    echo "voipsec scan $name $A_KAM --timeout 1 --no-db --format json (resolv.conf: $A_DNS) -> exit $SCAN_RC" >"$SCAN_OUT.cmd"
    out=$SCAN_OUT
    e2e_check "scan exits 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    e2e_check "the stub was asked for $name" grep -qxF "$name" "$E2E_TMP/dns.names"
    e2e_check "a host record: $name unresolved" python3 - "$out" "$name" <<'EOF'
import json, sys
rs = [d for d in (json.loads(l) for l in open(sys.argv[1]) if l.strip()) if d.get("record") == "host"]
ok = [r for r in rs if r.get("target") == sys.argv[2] and r.get("status") == "unresolved" and r.get("error")]
sys.exit(0 if ok else 1)
EOF
    e2e_check "the other target still answered" ck record "$out" "$A_KAM" 5060 udp status=answered
    e2e_check "stats: unresolved = 1" ck stat "$out" 's["unresolved"] == 1'
    # a name alone: exit 0, one record
    SCAN_OUT="$E2E_TMP/unresolved-alone.ndjson"
    with_stub_resolver 30 "$BIN" scan "$name" --no-db --format json "${DATA[@]}" \
        >"$SCAN_OUT" 2>"$SCAN_OUT.stderr"
    rc=$?
    echo "voipsec scan $name (alone) -> exit $rc" >"$SCAN_OUT.cmd"
    e2e_check "the name alone: exit 0 (got $rc)" [ "$rc" = 0 ]
    e2e_check "the name alone: one host record, unresolved" python3 - "$SCAN_OUT" "$name" <<'EOF'
import json, sys
rs = [d for d in (json.loads(l) for l in open(sys.argv[1]) if l.strip()) if d.get("record") == "host"]
sys.exit(0 if len(rs) == 1 and rs[0].get("status") == "unresolved" and rs[0].get("target") == sys.argv[2] else 1)
EOF
    end_scan
}

# --------------------------------------------------------------------------------------------
# One host that does not answer: a record, not a hang, exit 0.
scenario_single() {
    e2e_begin single
    start_devices
    local out t0 t1
    t0=$(date +%s.%N)
    scan single-silent 30 "$A_HOLE" --transport udp,tcp --timeout 1 --retries 1
    t1=$(date +%s.%N)
    out=$SCAN_OUT
    e2e_check "silent host: exit 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    e2e_check "$A_HOLE:5060/udp is silent" ck record "$out" "$A_HOLE" 5060 udp status=silent
    e2e_check "$A_HOLE:5060/tcp (accepts, never answers) is silent" ck record "$out" "$A_HOLE" 5060 tcp status=silent
    e2e_check "stats: sent 2 datagrams (1 retry), silent 2" ck stat "$out" 's["sent"] == 2 and s["silent"] == 2'
    e2e_check "done in under 6 s ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s; timeout 1 s, 1 retry)" \
        awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 6) }'
    scan single-closed 30 "$A_CLOSED" --transport udp,tcp --timeout 1
    out=$SCAN_OUT
    e2e_check "closed host: exit 0 (got $SCAN_RC)" rc_is 0
    e2e_check "$A_CLOSED:5060/udp is refused (ICMP port unreachable)" ck record "$out" "$A_CLOSED" 5060 udp status=refused
    e2e_check "$A_CLOSED:5060/tcp is refused (reset)" ck record "$out" "$A_CLOSED" 5060 tcp status=refused
    scan single-junk 30 "udp://$A_JUNK:5060" --timeout 1
    e2e_check "non-SIP answer: exit 0 (got $SCAN_RC), garbage" ck record "$SCAN_OUT" "$A_JUNK" 5060 udp status=garbage
    end_scan
}

# --------------------------------------------------------------------------------------------
scenario_db() {
    e2e_begin db
    start_devices
    local out store="$E2E_TMP/scan.db" n
    scan db 60 "$NET" --transport udp --timeout 1 --db "$store"
    out=$SCAN_OUT
    e2e_check "scan exits 0 (got $SCAN_RC)" rc_is 0
    e2e_check "JSON lines, stats last" ck valid "$out"
    ck records "$out" answered | awk '{print $1}' >"$E2E_TMP/db.answered"
    sqlite3 "$store" "SELECT ip || ':' || port || '/' || transport FROM devices" >"$E2E_TMP/db.devices" 2>"$E2E_TMP/db.sqlite.err"
    e2e_check "the store holds one device per answered service ($(wc -l <"$E2E_TMP/db.answered") answered)" \
        sets_equal "$E2E_TMP/db.answered" "$E2E_TMP/db.devices"
    n=$(sqlite3 "$store" "SELECT count(*) FROM devices" 2>/dev/null)
    e2e_check "sqlite3 count(*) FROM devices = 4 (got $n)" [ "$n" = 4 ]
    e2e_check "the Asterisk's Server header is recorded" \
        [ "$(sqlite3 "$store" "SELECT user_agent FROM devices WHERE ip = '$A_AST'" 2>/dev/null)" = "$ASTERISK_SERVER" ]
    n=$(sqlite3 "$store" "SELECT count(*) FROM findings WHERE rule = 'firmware.vulnerable' AND dst_ip = '$A_AST'" 2>/dev/null)
    e2e_check "the firmware finding is recorded (got $n)" [ "${n:-0}" -ge 1 ]
    # a second run updates, does not duplicate
    scan db-again 60 "$NET" --transport udp --timeout 1 --db "$store"
    n=$(sqlite3 "$store" "SELECT count(*) FROM devices" 2>/dev/null)
    e2e_check "a second scan keeps 4 devices (got $n)" [ "$n" = 4 ]
    end_scan
}

# --------------------------------------------------------------------------------------------
# Usage errors: exit 2 and nothing sent.
scenario_usage() {
    e2e_begin usage
    local rc
    capture usage
    timeout -k 2 20 "$BIN" scan 127.0.0.0/15 --no-db >/dev/null 2>"$E2E_TMP/usage1.err"; rc=$?
    e2e_check "a block larger than a /16 without --allow-large: exit 2 (got $rc)" [ "$rc" = 2 ]
    timeout -k 2 20 "$BIN" scan "$A_KAM" --transport udp,sctp --no-db >/dev/null 2>"$E2E_TMP/usage2.err"; rc=$?
    e2e_check "--transport udp,sctp: exit 2 (got $rc)" [ "$rc" = 2 ]
    timeout -k 2 20 "$BIN" scan "$A_KAM" not_a_target! --no-db >/dev/null 2>"$E2E_TMP/usage3.err"; rc=$?
    e2e_check "one bad target among good ones: exit 2 (got $rc)" [ "$rc" = 2 ]
    timeout -k 2 20 "$BIN" scan --no-db >/dev/null 2>"$E2E_TMP/usage4.err"; rc=$?
    e2e_check "no target: exit 2 (got $rc)" [ "$rc" = 2 ]
    e2e_capture_stop
    e2e_check "usage errors sent nothing" [ -z "$(ck pcap-dsts "$E2E_PCAP" "$SCANNER")" ]
    end_scan
}

for s in "${SCENARIOS[@]}"; do
    "scenario_$s"
done
if [ "$E2E_FAILURES" -gt 0 ]; then
    echo "e2e: $E2E_FAILURES of ${#SCENARIOS[@]} scan scenario(s) failed"
    exit 1
fi
echo "e2e: ${#SCENARIOS[@]} scan scenario(s) passed"
exit 0
