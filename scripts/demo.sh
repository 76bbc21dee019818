#!/usr/bin/env bash
# The demo: what voipsec does today, on examples the project made itself (examples/).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/voipsec
[ -x "$bin" ] || { echo "demo: $bin is missing; run 'make' first" >&2; exit 2; }

echo "== voipsec $($bin --version | cut -d' ' -f2): parsing the example SIP messages in examples/sip"
echo
set +e
$bin sip parse examples/sip/*.sip
rc=$?
set -e
echo
echo "== the same as JSON lines (one object per file), summarised"
set +o pipefail
$bin sip parse --format json examples/sip/*.sip | python3 -c "$(cat <<'PY'
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    media = ", ".join(("encrypted" if m["encrypted"] else "NOT encrypted") + " " + m["media"] for m in o.get("media", []))
    errs = ", ".join(e["code"] for e in o["errors"])
    verdict = "valid  " if o["valid"] else "INVALID"
    what = str(o.get("method") or o.get("status"))
    print(f"{o['file']:45} {verdict} {what:9} {media or '-':22} {errs}")
PY
)" 
echo
echo
echo "== voipsec monitor on captures of real attack tools against a local Kamailio (examples/pcap)"
for cap in examples/pcap/*.pcap; do
  echo
  echo "-- $cap"
  $bin monitor -r "$cap" --no-db
done
echo
echo
echo "== voipsec audit: the same small office on Asterisk PJSIP, set up weakly and then hardened (examples/audit)"
for ex in small-office-pjsip hardened-office; do
  echo
  echo "-- examples/audit/$ex"
  $bin audit --no-db "examples/audit/$ex"
done
summarise() {
  $bin audit --no-db --format json "examples/audit/$1" | tail -n 1 | python3 -c "$(cat <<'PY'
import json, sys
s = json.load(sys.stdin)["summary"]
sev = ", ".join(f"{n} {k}" for k, n in s["severity"].items() if n)
print(f"{s['findings']} findings" + (f" ({sev})" if sev else ""))
PY
)"
}
echo "== audit comparison: weak office $(summarise small-office-pjsip); hardened office $(summarise hardened-office)"
echo
echo
echo "== voipsec scan: three pretend devices on 127.0.5.0/29 (tests/e2e/scan_responders.py),"
echo "   answering OPTIONS with the Server header of a FreePBX, a Grandstream phone and a Kamailio"
demo_tmp=$(mktemp -d /tmp/voipsec-demo.XXXXXX)
responders=()
stop_responders() {
  for p in "${responders[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$demo_tmp"
}
trap stop_responders EXIT
start_responder() { # ADDR SERVER
  python3 tests/e2e/scan_responders.py sip "$1" 5060 - "$2" >"$demo_tmp/resp.$1" 2>&1 &
  responders+=($!)
  for _ in $(seq 50); do grep -q ready "$demo_tmp/resp.$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "demo: the pretend device on $1 did not start: $(cat "$demo_tmp/resp.$1")" >&2
  return 1
}
if start_responder 127.0.5.2 "FPBX-16.0.40.7(18.20.0)" &&
   start_responder 127.0.5.3 "Grandstream GXP1625 1.0.4.140" &&
   start_responder 127.0.5.4 "kamailio (5.8.4 (x86_64/linux))"; then
  echo
  # findings shortened to their title here; the full text explains each one and says what to do
  $bin scan 127.0.5.0/29 --timeout 0.5 --db "$demo_tmp/demo.db" |
    grep -v -e '^    ' -e '^  What' -e '^  rule ' -e '^  to ' -e '^$' || true
  echo
  echo "== the same store, fed also by the monitor on the example captures: voipsec inventory"
  for cap in examples/pcap/*.pcap; do $bin monitor -r "$cap" --db "$demo_tmp/demo.db" >/dev/null; done
  $bin inventory list --db "$demo_tmp/demo.db"
  echo
  $bin inventory outdated --db "$demo_tmp/demo.db" | grep '^\[' || true
fi
echo
# exit 1 is expected: one example is deliberately invalid (a scanner'"'"'s OPTIONS with CSeq INVITE)
[ "$rc" -le 1 ] && echo "demo: done (sip parse exit status $rc: 1 means at least one message is invalid, as one example is on purpose)"
