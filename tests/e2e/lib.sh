# shellcheck shell=bash disable=SC2034 # variables are used by the scripts that source this
# Helpers for voipsec's end-to-end tests (sourced by tests/e2e/test_*.sh; see docs/internals/e2e.md).
#
# Network rule: every packet goes to 127.0.0.0/8. Each tool gets its own 127.0.0.x source
# address (svmap -b, sipsak -k, nmap -S, baresip sip_listen; svwar and svcrack ignore -b, so an
# LD_PRELOAD shim built here rebinds their wildcard sockets). Everything started is stopped by the
# EXIT trap; every wait and every load is bounded.
#
# Variables a test may set before sourcing: none. After e2e_init:
#   E2E_SRC     source tree          E2E_BIN   voipsec binary
#   E2E_TMP     temporary directory (removed on exit unless E2E_KEEP=1)
#   E2E_SERVER  registrar address (127.0.0.1), port 5060

E2E_SERVER=127.0.0.1
E2E_PORT=5060
E2E_PIDS=()
E2E_FAILURES=0
E2E_LOCK_FD=
# A finding of one of these rules means "somebody is attacking"; ordinary users must not get one.
E2E_ACTIVITY_RULES=(scan enumeration bruteforce flood toll-fraud malformed)

e2e_log() { printf 'e2e: %s\n' "$*" >&2; }

e2e_skip() {
    printf 'e2e: SKIP: %s\n' "$*"
    exit 77
}

# e2e_init VOIPSEC_BINARY SOURCE_DIR
e2e_init() {
    E2E_BIN=${1:?voipsec binary}
    E2E_SRC=${2:?source dir}
    [ "$(id -u)" = 0 ] || e2e_skip "needs root (tcpdump on lo, live capture, privilege drop)"
    local t
    for t in kamailio sqlite3 tcpdump python3 ss; do
        command -v "$t" >/dev/null 2>&1 || e2e_skip "$t is not installed (scripts/install-deps.sh)"
    done
    [ -d /usr/share/kamailio/db_sqlite ] || e2e_skip "kamailio-sqlite-modules is not installed"
    [ -x "$E2E_BIN" ] || { e2e_log "no voipsec binary at $E2E_BIN"; exit 1; }
    E2E_TMP=$(mktemp -d /tmp/voipsec-e2e.XXXXXX)
    chmod 755 "$E2E_TMP" # the live monitor drops to nobody; it only writes to inherited fds
    export HOME="$E2E_TMP/home" # sipvicious keeps its sessions in ~/.sipvicious
    mkdir -p "$HOME"
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # Port 5060 on loopback is shared by every e2e test (and by the release and ASan passes of
    # make check): one at a time, waiting at most 3 minutes.
    exec {E2E_LOCK_FD}>/tmp/voipsec-e2e.lock
    if ! flock -w 180 "$E2E_LOCK_FD"; then
        e2e_log "another e2e test held /tmp/voipsec-e2e.lock for 3 minutes"
        exit 1
    fi
    if ss -Hlnu "sport = :$E2E_PORT" | grep -q . || ss -Hlnt "sport = :$E2E_PORT" | grep -q .; then
        e2e_log "port $E2E_PORT is already in use on this machine:"
        ss -Hlnup "sport = :$E2E_PORT" >&2
        exit 1
    fi
}

e2e_cleanup() {
    local rc=$? pid i
    trap - EXIT
    for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${E2E_PIDS[i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${E2E_PIDS[@]}"; do
        e2e_wait_gone "$pid" 5 || kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        e2e_log "kept $E2E_TMP"
    elif [ -n "${E2E_TMP:-}" ]; then
        rm -rf "$E2E_TMP"
    fi
    exit "$rc"
}

# e2e_bg NAME CMD... : start CMD in its own process group (so that its children are stopped
# with it), stdout/stderr to $E2E_TMP/NAME.log; sets E2E_LAST_PID.
e2e_bg() {
    local name=$1
    shift
    setsid "$@" >"$E2E_TMP/$name.log" 2>&1 &
    E2E_LAST_PID=$!
    E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_wait_gone PID SECONDS: 0 when PID has exited within SECONDS.
e2e_wait_gone() {
    local pid=$1 n=$(($2 * 10))
    while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
        sleep 0.1
        n=$((n - 1))
    done
    ! kill -0 "$pid" 2>/dev/null
}

# e2e_stop PID [SIGNAL] : signal a process group we started, wait for it (at most 10 s).
# Returns the process's exit status (or 124 when it had to be killed).
e2e_stop() {
    local pid=$1 sig=${2:-TERM} rc p keep=()
    for p in "${E2E_PIDS[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    E2E_PIDS=("${keep[@]}")
    kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null
    if ! e2e_wait_gone "$pid" 10; then
        kill -KILL -- "-$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid" 2>/dev/null
    rc=$?
    return "$rc"
}

# e2e_run SECONDS NAME CMD... : run a tool in the foreground, bounded in time, output to
# $E2E_TMP/NAME.log. Returns its exit status (124 on timeout).
e2e_run() {
    local secs=$1 name=$2
    shift 2
    timeout -k 2 "$secs" "$@" >>"$E2E_TMP/$name.log" 2>&1
}

# ---------------------------------------------------------------------------------------------
# Source addresses.

# Build the bind shim: a wildcard IPv4 bind (or the implicit bind of an unbound socket's first
# sendto/connect) is made to $VS_E2E_BIND instead. Built without sanitizers, with the system cc.
e2e_build_shim() {
    [ -f "$E2E_TMP/bindshim.so" ] && return 0
    cat >"$E2E_TMP/bindshim.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int (*real_bind)(int, const struct sockaddr *, socklen_t);

static int want(struct in_addr *a)
{
    const char *s = getenv("VS_E2E_BIND");
    return s && inet_pton(AF_INET, s, a) == 1;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (!real_bind)
        real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    struct in_addr a;
    if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in) && want(&a)) {
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof sin);
        if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
            sin.sin_addr = a;
            return real_bind(fd, (struct sockaddr *)&sin, sizeof sin);
        }
    }
    return real_bind(fd, sa, len);
}

static void bind_if_unbound(int fd, const struct sockaddr *to)
{
    struct sockaddr_in cur;
    socklen_t l = sizeof cur;
    struct in_addr a;
    if (!to || to->sa_family != AF_INET || !want(&a))
        return;
    if (getsockname(fd, (struct sockaddr *)&cur, &l) != 0 || cur.sin_family != AF_INET ||
        cur.sin_port != 0)
        return;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr = a;
    bind(fd, (struct sockaddr *)&sin, sizeof sin);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tl)
{
    static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t))dlsym(
            RTLD_NEXT, "sendto");
    bind_if_unbound(fd, to);
    return real(fd, buf, n, flags, to, tl);
}

int connect(int fd, const struct sockaddr *to, socklen_t tl)
{
    static int (*real)(int, const struct sockaddr *, socklen_t);
    if (!real)
        real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    bind_if_unbound(fd, to);
    return real(fd, to, tl);
}
EOF
    local cc=${E2E_CC:-cc}
    command -v "$cc" >/dev/null 2>&1 || e2e_skip "no C compiler ($cc) to build the bind shim"
    "$cc" -shared -fPIC -O1 -o "$E2E_TMP/bindshim.so" "$E2E_TMP/bindshim.c" -ldl ||
        { e2e_log "cannot build the bind shim"; exit 1; }
}

# e2e_from ADDR : set the array E2E_FROM to a command prefix that runs a program with its
# wildcard IPv4 sockets bound to ADDR (through the shim), e.g. e2e_run 20 x "${E2E_FROM[@]}" svwar ...
e2e_from() {
    e2e_build_shim
    E2E_FROM=(env LD_PRELOAD="$E2E_TMP/bindshim.so" VS_E2E_BIND="$1")
}

# ---------------------------------------------------------------------------------------------
# Kamailio.

# e2e_subscriber_db FILE "USER:PASSWORD ..." : a fresh Kamailio SQLite database (standard and
# auth_db tables) with these subscribers in the domain voipsec-e2e (plain passwords: the configs
# set calculate_ha1).
e2e_subscriber_db() {
    local db=$1 subs=$2 s user pass
    rm -f "$db"
    cat /usr/share/kamailio/db_sqlite/standard-create.sql \
        /usr/share/kamailio/db_sqlite/auth_db-create.sql | sqlite3 "$db" ||
        { e2e_log "cannot create the subscriber database $db"; exit 1; }
    for s in $subs; do
        user=${s%%:*}
        pass=${s#*:}
        sqlite3 "$db" \
            "INSERT INTO subscriber (username, domain, password) VALUES ('$user', 'voipsec-e2e', '$pass');"
    done
}

# e2e_listening SPEC : 0 when SPEC is bound: "udp:ADDR:PORT" (a UDP socket) or "tcp:ADDR:PORT"
# (a listening TCP socket).
e2e_listening() {
    local proto=${1%%:*} where=${1#*:}
    case $proto in
    udp) ss -Hlnu "src $where" | grep -q . ;;
    tcp) ss -Hlnt "src $where" | grep -q . ;;
    *) return 1 ;;
    esac
}

# e2e_wait_listening PID SECONDS SPEC... : wait until every SPEC (see e2e_listening) is bound.
# 1 when PID exits first or SECONDS run out.
e2e_wait_listening() {
    local pid=$1 n=$(($2 * 10)) spec all
    shift 2
    while [ "$n" -gt 0 ]; do
        all=1
        for spec in "$@"; do
            e2e_listening "$spec" || { all=0; break; }
        done
        [ "$all" = 1 ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# e2e_kamailio_run NAME CFG "SPEC ..." [KAMAILIO_OPTION...] : check CFG (kamailio -c with the same
# options, e.g. -A SYMBOL), then run a Kamailio from it in the background (work and runtime files
# in the directory of CFG; log $E2E_TMP/NAME.log) until every SPEC (see e2e_listening) is bound,
# at most 10 s. Sets E2E_LAST_PID (stop it with e2e_stop). Exits the test when it does not come up.
e2e_kamailio_run() {
    local name=$1 cfg=$2 specs=$3 dir pid
    shift 3
    dir=$(dirname "$cfg")
    kamailio -c -f "$cfg" "$@" >"$dir/check.log" 2>&1 ||
        { e2e_log "kamailio ($name) rejects its configuration:"; tail -20 "$dir/check.log" >&2; exit 1; }
    # bounded even if the EXIT trap never runs (the test is killed)
    e2e_bg "$name" timeout 600 kamailio -f "$cfg" -P "$dir/kamailio.pid" -DD -E -w "$dir" -Y "$dir" \
        -m 64 -M 8 "$@"
    pid=$E2E_LAST_PID
    # shellcheck disable=SC2086 # specs is a list
    if e2e_wait_listening "$pid" 10 $specs; then
        sleep 0.3 # let the workers come up
        E2E_LAST_PID=$pid
        return 0
    fi
    e2e_log "kamailio ($name) did not come up on $specs; its log:"
    tail -30 "$E2E_TMP/$name.log" >&2
    exit 1
}

# e2e_kamailio_start "USER:PASSWORD ..." : registrar on 127.0.0.1:5060 (udp, tcp) with these
# subscribers; waits (at most 10 s) until it listens.
e2e_kamailio_start() {
    local subs=$1 dir="$E2E_TMP/kamailio"
    mkdir -p "$dir"
    e2e_subscriber_db "$dir/kamailio.sqlite" "$subs"
    sed -e "s|@WORKDIR@|$dir|g" -e "s|@LISTEN_EXTRA@||" \
        "$E2E_SRC/tests/e2e/kamailio.cfg.in" >"$dir/kamailio.cfg"
    kamailio -c -f "$dir/kamailio.cfg" >"$dir/check.log" 2>&1 ||
        { e2e_log "kamailio rejects its configuration:"; tail -20 "$dir/check.log" >&2; exit 1; }
    e2e_bg kamailio kamailio -f "$dir/kamailio.cfg" -P "$dir/kamailio.pid" -DD -E \
        -w "$dir" -Y "$dir" -m 64 -M 8
    E2E_KAMAILIO_PID=$E2E_LAST_PID
    local n=100
    while [ "$n" -gt 0 ]; do
        if ss -Hlnu "src $E2E_SERVER:$E2E_PORT" | grep -q . &&
            ss -Hlnt "src $E2E_SERVER:$E2E_PORT" | grep -q .; then
            sleep 0.3 # let the workers come up
            return 0
        fi
        kill -0 "$E2E_KAMAILIO_PID" 2>/dev/null || break
        sleep 0.1
        n=$((n - 1))
    done
    e2e_log "kamailio did not come up; its log:"
    tail -30 "$E2E_TMP/kamailio.log" >&2
    exit 1
}

e2e_kamailio_stop() {
    [ -n "${E2E_KAMAILIO_PID:-}" ] || return 0
    e2e_stop "$E2E_KAMAILIO_PID" TERM
    E2E_KAMAILIO_PID=
}

# ---------------------------------------------------------------------------------------------
# Capture and monitor.

# e2e_capture_start NAME [EXTRA_BPF] : tcpdump on lo into $E2E_TMP/NAME.pcap (SIP on 5060, plus
# "or EXTRA_BPF"); waits (at most 5 s) until it listens.
e2e_capture_start() {
    local bpf="udp port $E2E_PORT or tcp port $E2E_PORT"
    [ -n "${2:-}" ] && bpf="$bpf or $2"
    e2e_capture_start_bpf "$1" "$bpf"
}

# e2e_capture_start_bpf NAME BPF : tcpdump on lo into $E2E_TMP/NAME.pcap with this filter; waits
# (at most 5 s) until it listens. Stop it with e2e_capture_stop.
e2e_capture_start_bpf() {
    local name=$1 bpf=$2
    E2E_PCAP="$E2E_TMP/$name.pcap"
    e2e_bg "tcpdump-$name" tcpdump -i lo -n -U -Z root -s 65535 -B 32768 -w "$E2E_PCAP" "$bpf"
    E2E_TCPDUMP_PID=$E2E_LAST_PID
    local n=50
    while [ "$n" -gt 0 ]; do
        grep -q 'listening on' "$E2E_TMP/tcpdump-$name.log" 2>/dev/null && return 0
        kill -0 "$E2E_TCPDUMP_PID" 2>/dev/null || break
        sleep 0.1
        n=$((n - 1))
    done
    e2e_log "tcpdump did not start:"
    cat "$E2E_TMP/tcpdump-$name.log" >&2
    exit 1
}

e2e_capture_stop() {
    # Without --immediate-mode (which drops packets under a flood) libpcap hands packets over a
    # ring block at a time, a partly filled block after its 1 s timeout; SIGINT drops what was
    # not handed over yet. So wait for the last block (and the last answers) first.
    sleep 2
    e2e_stop "$E2E_TCPDUMP_PID" INT
    E2E_TCPDUMP_PID=
}

# e2e_monitor PCAP OUT : voipsec monitor -r PCAP --format json --no-db > OUT; 0 when it exits 0.
e2e_monitor() {
    local pcap=$1 out=$2 rc
    "$E2E_BIN" monitor -r "$pcap" --format json --no-db --data-dir "$E2E_SRC/data" \
        >"$out" 2>"$out.stderr"
    rc=$?
    if [ "$rc" != 0 ]; then
        e2e_log "voipsec monitor -r $pcap exited $rc:"
        cat "$out.stderr" >&2
        return 1
    fi
    return 0
}

# ---------------------------------------------------------------------------------------------
# Checks on the monitor's JSON lines (python3, no jq).

# e2e_expect OUT RULE SRC_IP [USER] : a finding with this rule, from SRC_IP ("" = any source),
# for USER when given.
e2e_expect() {
    python3 - "$@" <<'EOF'
import json, sys
out, rule, src = sys.argv[1], sys.argv[2], sys.argv[3]
user = sys.argv[4] if len(sys.argv) > 4 else None
found = []
with open(out) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        d = json.loads(line)
        if "stats" in d:
            continue
        if d.get("rule") != rule:
            continue
        if src and (d.get("src") or {}).get("ip") != src:
            continue
        if user is not None and d.get("user") != user:
            continue
        found.append(d)
sys.exit(0 if found else 1)
EOF
}

# e2e_expect_none OUT SRC_IP RULE... : no finding of these rules from SRC_IP ("" = any source).
e2e_expect_none() {
    python3 - "$@" <<'EOF'
import json, sys
out, src, rules = sys.argv[1], sys.argv[2], set(sys.argv[3:])
bad = []
with open(out) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        d = json.loads(line)
        if "stats" in d or d.get("rule") not in rules:
            continue
        if src and (d.get("src") or {}).get("ip") != src:
            continue
        bad.append(d)
for d in bad:
    print("unexpected:", json.dumps(d)[:600], file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# e2e_summary OUT : one line per finding (rule, src, user, tool, count, title), then the stats.
e2e_summary() {
    python3 - "$1" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    lines = [l for l in f if l.strip()]
n = 0
for l in lines:
    try:
        d = json.loads(l)
    except ValueError:
        print("    not JSON:", l.rstrip()[:300])
        continue
    if "stats" in d:
        s = d["stats"]
        print("    stats: packets=%s sip_messages=%s requests=%s responses=%s malformed=%s findings=%s"
              % (s.get("packets"), s.get("sip_messages"), json.dumps(s.get("requests")),
                 json.dumps(s.get("responses")), s.get("malformed"), s.get("findings")))
        continue
    n += 1
    src = d.get("src") or {}
    print("    finding: rule=%s src=%s:%s user=%s tool=%s count=%s severity=%s title=%s"
          % (d.get("rule"), src.get("ip"), src.get("port"), d.get("user"), d.get("tool"),
             d.get("count"), d.get("severity"), d.get("title")))
if n == 0:
    print("    (no findings)")
EOF
}

# e2e_traffic PCAP : what the capture holds, for failure reports (tshark when installed).
e2e_traffic() {
    local pcap=$1
    if command -v tshark >/dev/null 2>&1; then
        echo "    traffic (count, src, dst, method or status, user-agent):"
        tshark -r "$pcap" -Y sip -T fields -E separator=' ' -e ip.src -e ip.dst \
            -e sip.Method -e sip.Status-Code -e sip.User-Agent 2>/dev/null |
            sort | uniq -c | sort -rn | head -25 | sed 's/^/      /'
        tshark -r "$pcap" -q -z sip,stat 2>/dev/null | sed -n '1,40p' | grep -v '^$' | sed 's/^/      /'
    else
        tcpdump -r "$pcap" -n 2>/dev/null | head -20 | sed 's/^/      /'
    fi
}

# ---------------------------------------------------------------------------------------------
# Scenario bookkeeping: a scenario records failed checks and goes on, so that one run reports
# every detector that misses.

E2E_SCENARIO=
E2E_SCENARIO_FAILED=0

e2e_begin() {
    E2E_SCENARIO=$1
    E2E_SCENARIO_FAILED=0
    e2e_log "--- scenario $E2E_SCENARIO"
}

# e2e_check DESCRIPTION CMD... : CMD must succeed.
e2e_check() {
    local what=$1
    shift
    if "$@"; then
        printf 'ok   %s: %s\n' "$E2E_SCENARIO" "$what"
    else
        printf 'FAIL %s: %s\n' "$E2E_SCENARIO" "$what"
        E2E_SCENARIO_FAILED=1
    fi
}

# e2e_end OUT PCAP : on failure print what the monitor said and what the traffic was.
e2e_end() {
    local out=$1 pcap=$2
    if [ "$E2E_SCENARIO_FAILED" = 1 ]; then
        E2E_FAILURES=$((E2E_FAILURES + 1))
        echo "  monitor output for $E2E_SCENARIO:"
        [ -f "$out" ] && e2e_summary "$out"
        [ -s "$out.stderr" ] && sed 's/^/    stderr: /' "$out.stderr" | head -20
        [ -f "$pcap" ] && e2e_traffic "$pcap"
    fi
}
