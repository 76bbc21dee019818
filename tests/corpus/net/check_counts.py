#!/usr/bin/env python3
"""SIP messages found in each public capture: voipsec against tshark.

Usage: check_counts.py COUNT_SIP_BINARY PCAP_DIR

For EVERY capture (*.pcap, *.pcapng) in PCAP_DIR (../shared/corpus/pcap), the number of SIP
messages that vs_capture + vs_net hand out and vs_sip_parse accepts (tests/corpus/net/count_sip)
must equal tshark's count, method by method and status code by status code.

tshark's count: `tshark -n -r FILE -Y sip -T fields -e sip.Method -e sip.Status-Code` prints one
line per *frame*; when one TCP segment carries several SIP messages (or one datagram a request
and a response) the values of a field are joined with ',' on that line (the default
-E occurrence=a). So every comma-separated value of either column is one message. The totals are
also checked against the sip_messages column of PCAPS.tsv (which tshark produced), so a change in
the tshark invocation cannot silently move the reference.

Per-file tshark options (TSHARK_EXTRA) are the decode-as settings that PCAPS.tsv was made with.
Where voipsec legitimately differs from tshark's default dissection, the file is listed in
KNOWN_DIFFERENCES with the reason and the tshark options under which tshark agrees with voipsec:
such a file passes only when voipsec matches tshark run with those options (message by message),
while tshark without them must still match PCAPS.tsv, so the difference stays visible. Exit 0 when everything matches, 1 on a mismatch, 77
(skipped) when tshark or the corpus is missing.
"""
import csv
import os
import shutil
import subprocess
import sys
from collections import Counter

# SIP on a port tshark does not dissect as SIP by default (PCAPS.tsv notes "decode-as needed").
TSHARK_EXTRA = {
    "heplify-sip_ipv4_tcp_fragmented.pcap": ["-d", "tcp.port==6060,sip"],
}

# file -> (reason, tshark options under which tshark finds what voipsec finds).
KNOWN_DIFFERENCES = {
    "initconf-SIP-Bruteforce-Single-IP.pcap": (
        "6 datagrams (frames 1974-1979: 3 REGISTER, 3 401) use UDP port 1293, PacketCable's "
        "registered port, and tshark dissects them as PKTC instead of SIP; they are plain SIP "
        "(same attacker, same REGISTER sequence) and voipsec, which does not select by port, "
        "counts them",
        ["-d", "udp.port==1293,sip"]),
}


def tsv_total(text):
    """Sum of the N in 'INVITE:16 100:2 ...' (PCAPS.tsv sip_messages); 0 for 'none'/'-'."""
    total = Counter()
    for tok in text.split():
        name, sep, num = tok.rpartition(":")
        if sep and num.isdigit():
            total[name] += int(num)
    return total


def tshark_counts(path, extra):
    cmd = ["tshark", "-n", "-r", path] + extra + [
        "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"tshark failed on {path}: {res.stderr.strip()}")
    kinds = Counter()
    for line in res.stdout.splitlines():
        for col in line.split("\t"):
            for value in col.split(","):
                if value:
                    kinds[value] += 1
    return kinds


def voipsec_counts(binary, path):
    res = subprocess.run([binary, path], capture_output=True, text=True, check=False)
    if res.returncode not in (0, 3):
        raise RuntimeError(f"count_sip failed on {path} ({res.returncode}): {res.stderr.strip()}")
    kinds, stats = Counter(), {}
    for line in res.stdout.splitlines():
        key, _, rest = line.partition(" ")
        if key == "sip_by_kind":
            for tok in rest.split():
                name, _, num = tok.rpartition(":")
                kinds[name] += int(num)
        else:
            stats[key] = rest
    if res.returncode == 3:
        stats["read_error"] = "yes"
    return kinds, stats


def fmt(c):
    return " ".join(f"{k}:{v}" for k, v in sorted(c.items())) or "-"


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary, pcap_dir = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        print("skipped: tshark is not installed")
        return 77
    if not os.path.isdir(pcap_dir):
        print(f"skipped: no capture corpus at {pcap_dir}")
        return 77
    files = sorted(f for f in os.listdir(pcap_dir) if f.endswith((".pcap", ".pcapng")))
    if not files:
        print(f"skipped: no captures in {pcap_dir}")
        return 77
    tsv = {}
    tsv_path = os.path.join(pcap_dir, "PCAPS.tsv")
    if os.path.exists(tsv_path):
        with open(tsv_path, newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                tsv[row["file"]] = tsv_total(row.get("sip_messages", ""))

    failures = 0
    print(f"{'capture':48} {'tshark':>7} {'voipsec':>7}  note")
    for name in files:
        path = os.path.join(pcap_dir, name)
        ts = tshark_counts(path, TSHARK_EXTRA.get(name, []))
        vs, stats = voipsec_counts(binary, path)
        t_total, v_total = sum(ts.values()), sum(vs.values())
        notes = []
        ok = True
        if name in tsv and tsv[name] != ts:
            notes.append(f"tshark ({fmt(ts)}) disagrees with PCAPS.tsv ({fmt(tsv[name])})")
            ok = False
        if name in KNOWN_DIFFERENCES:
            why, fix = KNOWN_DIFFERENCES[name]
            ts_fixed = tshark_counts(path, TSHARK_EXTRA.get(name, []) + fix)
            notes.append(f"known difference ({fmt(vs - ts)} more than tshark): {why}")
            if ts_fixed != vs:
                notes.append(f"but tshark {' '.join(fix)} finds {fmt(ts_fixed)}")
                ok = False
        elif ts != vs:
            notes.append(f"tshark {fmt(ts - vs)} missing; voipsec extra {fmt(vs - ts)}")
            ok = False
        if stats.get("read_error"):
            notes.append("capture file could not be read to the end")
        print(f"{name:48} {t_total:7} {v_total:7}  {'ok' if ok else 'MISMATCH'} "
              f"{'; '.join(notes)}".rstrip())
        if not ok:
            failures += 1
            print(f"    voipsec stats: " + " ".join(
                f"{k}={v}" for k, v in stats.items() if v not in ("0", "")))
    print(f"{len(files)} captures, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
