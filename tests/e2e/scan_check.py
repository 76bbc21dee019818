#!/usr/bin/env python3
"""Checks on `voipsec scan --format json` output and on captures of a scan, for
tests/e2e/test_scan.sh. Exit 0 when the check holds, 1 (with the reason on stderr) when not.

  scan_check.py valid OUT                 every line is a JSON object; host records have the
                                          documented fields; the last line is {"stats":...}
  scan_check.py records OUT [STATUS]      print "IP:PORT/TRANSPORT STATUS" per host record
                                          (only those with STATUS when given), sorted
  scan_check.py record OUT IP PORT TRANSPORT [PATH=VALUE | PATH^=PREFIX | PATH~SUBSTR]...
                                          a host record for that service whose fields match
                                          (PATH is dotted: fingerprint.vendor, tls.version)
  scan_check.py finding OUT RULE IP [COND...]
                                          a finding with this rule and dst.ip (IP "" = any);
                                          COND as above, or TEXT~SUBSTR: anywhere in its JSON
  scan_check.py no-finding OUT IP RULE... no finding with one of these rules for IP ("" = any)
  scan_check.py stat OUT EXPR             the Python expression over the stats object `s` holds
  scan_check.py fail-on OUT SEV RC        RC is 1 exactly when a finding has severity >= SEV,
                                          else 0
  scan_check.py tls-versions OUT IP PORT V...
                                          the tls check's evidence for IP:PORT lists exactly the
                                          protocol versions V... as enabled
  scan_check.py summary OUT               the records and findings, one line each (failure report)
  scan_check.py pcap-dsts PCAP SRC        print the destinations (IP) SRC sent packets to
  scan_check.py pcap-ua PCAP SRC UA       every SIP request SRC sent in clear (UDP, TCP) carries
                                          User-Agent: UA, and there is at least one
"""
import json
import struct
import sys

SEVERITIES = ["info", "low", "medium", "high", "critical"]
STATUSES = {"answered", "garbage", "silent", "refused", "unreachable", "unresolved",
            "tls-failed", "error"}
TLS_NAMES = {"TLSv1": "1.0", "TLSv1.0": "1.0", "TLSv1.1": "1.1", "TLSv1.2": "1.2",
             "TLSv1.3": "1.3", "1.0": "1.0", "1.1": "1.1", "1.2": "1.2", "1.3": "1.3",
             "TLS 1.0": "1.0", "TLS 1.1": "1.1", "TLS 1.2": "1.2", "TLS 1.3": "1.3",
             "SSLv3": "ssl3", "SSLv3.0": "ssl3"}


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    lines = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                lines.append(json.loads(line))
            except ValueError:
                fail("%s:%d: not JSON: %s" % (path, n, line[:200]))
    return lines


def records(lines):
    return [d for d in lines if d.get("record") == "host"]


def findings(lines):
    return [d for d in lines if "rule" in d]


def stats(lines):
    for d in reversed(lines):
        if "stats" in d:
            return d["stats"]
    return None


def get(d, path):
    for part in path.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def matches(d, conds):
    for c in conds:
        if c.startswith("TEXT~"):
            if c[5:] not in json.dumps(d):
                return False
            continue
        for op in ("^=", "~", "="):
            if op in c:
                path, want = c.split(op, 1)
                break
        else:
            fail("bad condition %r" % c)
        got = get(d, path)
        if isinstance(got, bool):
            got = "true" if got else "false"
        elif got is not None and not isinstance(got, str):
            got = str(got)
        if got is None:
            return False
        if op == "=" and got != want:
            return False
        if op == "^=" and not got.startswith(want):
            return False
        if op == "~" and want not in got:
            return False
    return True


def key(r):
    return "%s:%s/%s" % (r.get("ip"), r.get("port"), r.get("transport"))


def short(d):
    return json.dumps(d, sort_keys=True)[:700]


def cmd_valid(out):
    lines = load(out)
    if not lines:
        fail("%s is empty" % out)
    if "stats" not in lines[-1]:
        fail("the last line is not the stats line: %s" % short(lines[-1]))
    if sum(1 for d in lines if "stats" in d) != 1:
        fail("more than one stats line")
    bad = []
    for r in records(lines):
        for k in ("target", "ip", "port", "transport", "status"):
            if k not in r:
                bad.append("host record without %s: %s" % (k, short(r)))
        if r.get("status") not in STATUSES:
            bad.append("unknown status: %s" % short(r))
        if r.get("transport") not in ("udp", "tcp", "tls") and not (
                r.get("status") == "unresolved" and r.get("transport") == ""):
            bad.append("unknown transport: %s" % short(r))
        if r.get("status") != "answered" and not r.get("error"):
            bad.append("a record that is not answered has no error text: %s" % short(r))
        if r.get("status") == "answered" and not isinstance(r.get("sip_status"), int):
            bad.append("an answered record without sip_status: %s" % short(r))
    for f in findings(lines):
        for k in ("rule", "severity", "title"):
            if not f.get(k):
                bad.append("finding without %s: %s" % (k, short(f)))
        if f.get("severity") not in SEVERITIES:
            bad.append("unknown severity: %s" % short(f))
    others = [d for d in lines if "stats" not in d and d.get("record") != "host" and "rule" not in d]
    bad += ["neither a host record, a finding nor stats: %s" % short(d) for d in others]
    if bad:
        fail("\n".join(bad))


def cmd_records(out, status=None):
    for r in sorted(records(load(out)), key=key):
        if status is None or r.get("status") == status:
            print(key(r), r.get("status"))


def cmd_record(out, ip, port, transport, *conds):
    rs = [r for r in records(load(out))
          if r.get("ip") == ip and str(r.get("port")) == port and r.get("transport") == transport]
    if not rs:
        fail("no host record for %s:%s/%s" % (ip, port, transport))
    if not any(matches(r, conds) for r in rs):
        fail("the record for %s:%s/%s does not have %s: %s"
             % (ip, port, transport, " ".join(conds), " | ".join(short(r) for r in rs)))


def finding_for(f, ip):
    return not ip or (f.get("dst") or {}).get("ip") == ip


def cmd_finding(out, rule, ip, *conds):
    fs = [f for f in findings(load(out)) if f.get("rule") == rule and finding_for(f, ip)]
    if not fs:
        fail("no %s finding for %s" % (rule, ip or "any address"))
    if not any(matches(f, conds) for f in fs):
        fail("no %s finding for %s with %s: %s"
             % (rule, ip or "any address", " ".join(conds), " | ".join(short(f) for f in fs)))


def cmd_no_finding(out, ip, *rules):
    bad = [f for f in findings(load(out)) if f.get("rule") in rules and finding_for(f, ip)]
    if bad:
        fail("unexpected:\n" + "\n".join(short(f) for f in bad))


def cmd_stat(out, expr):
    s = stats(load(out))
    if s is None:
        fail("no stats line")
    if not eval(expr, {"s": s}):
        fail("stats do not satisfy %s: %s" % (expr, json.dumps(s)))


def cmd_fail_on(out, sev, rc):
    lim = SEVERITIES.index(sev)
    worst = [f for f in findings(load(out)) if SEVERITIES.index(f.get("severity", "info")) >= lim]
    want = 1 if worst else 0
    if int(rc) != want:
        fail("exit status %s with --fail-on %s, expected %d (%d finding(s) at or above %s)"
             % (rc, sev, want, len(worst), sev))


def norm_version(v):
    return TLS_NAMES.get(str(v).strip())


def versions_in(value):
    """The TLS versions named by an evidence value: a list, or text such as "TLSv1.2, TLSv1.3"."""
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = [x for x in value.replace(";", ",").replace(" ", ",").split(",") if x]
        # "TLS 1.2" written with a space
        joined = []
        for x in items:
            if joined and joined[-1] == "TLS" and x[:1].isdigit():
                joined[-1] = "TLS " + x
            else:
                joined.append(x)
        items = joined
    else:
        return None
    vs = [norm_version(x) for x in items]
    if not vs or None in vs:
        return None
    return vs


def cmd_tls_versions(out, ip, port, *want):
    want_set = sorted(norm_version(v) for v in want)
    lines = load(out)
    seen = []
    for f in findings(lines):
        if not f.get("rule", "").startswith("tls."):
            continue
        dst = f.get("dst") or {}
        if dst.get("ip") != ip or str(dst.get("port")) != port:
            continue
        ev = f.get("evidence") or {}
        for k, v in ev.items():
            if "enabled" in k or k in ("versions_accepted", "versions", "protocols", "offered", "accepted"):
                vs = versions_in(v)
                seen.append((f.get("rule"), k, v))
                if vs is not None and sorted(set(vs)) != want_set:
                    fail("%s evidence %s = %r, expected exactly %s"
                         % (f.get("rule"), k, v, " ".join(want)))
    if not seen:
        fail("no tls.* finding for %s:%s with a list of enabled versions in its evidence" % (ip, port))
    if not any(versions_in(v) is not None for _, _, v in seen):
        fail("cannot read a version list in %r" % seen)


def cmd_summary(out):
    try:
        lines = load(out)
    except SystemExit:
        return
    for r in sorted(records(lines), key=key):
        fp = r.get("fingerprint") or {}
        print("    record: %-24s %-10s %s %s server=%r fp=%s/%s/%s tls=%s error=%r" % (
            key(r), r.get("status"), r.get("sip_status"), r.get("reason"), r.get("server"),
            fp.get("vendor"), fp.get("model"), fp.get("version"), json.dumps(r.get("tls")),
            r.get("error")))
    for f in findings(lines):
        d = f.get("dst") or {}
        print("    finding: %s %s %s:%s/%s %s evidence=%s" % (
            f.get("rule"), f.get("severity"), d.get("ip"), d.get("port"), d.get("transport"),
            f.get("title"), json.dumps(f.get("evidence"))[:300]))
    s = stats(lines)
    print("    stats: %s" % json.dumps(s))


# ---- captures ----------------------------------------------------------------------------------

def packets(path):
    """(src, dst, proto, sport, dport, payload) of the IPv4 packets of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        fail("%s is not a classic pcap file" % path)
    link = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if link == 1:  # Ethernet (lo)
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif link == 113:  # Linux cooked
            if len(pkt) < 16 or pkt[14:16] != b"\x08\x00":
                continue
            ip = pkt[16:]
        elif link in (0, 108):  # BSD loopback
            ip = pkt[4:]
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        proto = ip[9]
        src = ".".join(str(b) for b in ip[12:16])
        dst = ".".join(str(b) for b in ip[16:20])
        l4 = ip[ihl:]
        sport = dport = 0
        payload = b""
        if proto == 17 and len(l4) >= 8:
            sport, dport = struct.unpack("!HH", l4[:4])
            payload = l4[8:]
        elif proto == 6 and len(l4) >= 20:
            sport, dport = struct.unpack("!HH", l4[:4])
            payload = l4[(l4[12] >> 4) * 4:]
        yield src, dst, proto, sport, dport, payload


def cmd_pcap_dsts(pcap, src):
    for d in sorted({p[1] for p in packets(pcap) if p[0] == src and p[2] in (6, 17)},
                    key=lambda a: tuple(int(x) for x in a.split("."))):
        print(d)


METHODS = (b"OPTIONS ", b"INVITE ", b"REGISTER ", b"ACK ", b"CANCEL ", b"BYE ")


def cmd_pcap_ua(pcap, src, ua):
    n, bad = 0, []
    for s, d, proto, sport, dport, payload in packets(pcap):
        if s != src or not payload.startswith(METHODS):
            continue
        n += 1
        head = payload.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
        uas = [h.split(":", 1)[1].strip() for h in head[1:]
               if h.split(":", 1)[0].strip().lower() == "user-agent"]
        if uas != [ua]:
            bad.append("%s to %s:%d: User-Agent %r" % (head[0], d, dport, uas))
    if n == 0:
        fail("no SIP request from %s in %s" % (src, pcap))
    if bad:
        fail("%d of %d requests without User-Agent %r:\n%s" % (len(bad), n, ua, "\n".join(bad[:10])))


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {
        "valid": cmd_valid, "records": cmd_records, "record": cmd_record,
        "finding": cmd_finding, "no-finding": cmd_no_finding, "stat": cmd_stat,
        "fail-on": cmd_fail_on, "tls-versions": cmd_tls_versions, "summary": cmd_summary,
        "pcap-dsts": cmd_pcap_dsts, "pcap-ua": cmd_pcap_ua,
    }.get(cmd)
    if fn is None:
        print("unknown check %s" % cmd, file=sys.stderr)
        sys.exit(2)
    fn(*args)


if __name__ == "__main__":
    main()
