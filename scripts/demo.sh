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
# exit 1 is expected: one example is deliberately invalid (a scanner'"'"'s OPTIONS with CSeq INVITE)
[ "$rc" -le 1 ] && echo "demo: done (sip parse exit status $rc: 1 means at least one message is invalid, as one example is on purpose)"
