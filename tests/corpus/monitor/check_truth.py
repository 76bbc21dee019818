#!/usr/bin/env python3
"""`voipsec monitor` against the public captures (read in place from ../shared/corpus/pcap) and
their TRUTH.tsv: every capture is read (exit 0 and a stats line), every attack row is found with
its rule and attacker address, and benign captures give no `activity` finding (malformed excepted,
as in the scorecard). In attack captures, an activity finding for a source that TRUTH.tsv does not
list is accepted only when it is a `scan` finding of a tool that named itself (a User-Agent on the
scanner list): the SIPVicious capture holds five more sources sending the same friendly-scanner
OPTIONS as the six listed ones, and reporting them is right. Exits 77 when the corpus is absent."""
import csv, json, os, subprocess, sys, tempfile

binary, corpus = sys.argv[1], sys.argv[2]
folder = os.path.join(corpus, 'pcap')
if not os.path.isfile(os.path.join(folder, 'TRUTH.tsv')):
    print(f'SKIP: no TRUTH.tsv under {folder}')
    sys.exit(77)

rows = list(csv.DictReader(open(os.path.join(folder, 'TRUTH.tsv')), delimiter='\t'))
captures = sorted(f for f in os.listdir(folder) if f.endswith(('.pcap', '.pcapng')))
failures, passed = [], 0

def monitor(path):
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, 'v.db')
        p = subprocess.run([binary, 'monitor', '-r', path, '--format', 'json', '--db', db],
                           capture_output=True, timeout=120)
        mode = oct(os.stat(db).st_mode & 0o777) if os.path.exists(db) else None
    objs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return p.returncode, objs, p.stderr.decode(), mode

results = {}
for cap in captures:
    rc, objs, err, mode = monitor(os.path.join(folder, cap))
    results[cap] = objs
    stats = [o for o in objs if 'stats' in o]
    if rc != 0 or len(stats) != 1 or 'stats' not in objs[-1]:
        failures.append(f'{cap}: exit {rc}, {len(stats)} stats lines; stderr: {err.strip()[:300]}')
        continue
    if mode != '0o600':
        failures.append(f'{cap}: store file mode {mode}, want 0o600')
        continue
    passed += 1

for cap in sorted({r['capture'] for r in rows}):
    objs = results.get(cap)
    if objs is None:
        failures.append(f'{cap}: listed in TRUTH.tsv but not in the folder')
        continue
    mine = [r for r in rows if r['capture'] == cap]
    attackers = {r['attacker'] for r in mine if r['attacker']}
    findings = [o for o in objs if 'rule' in o]
    activity = [f for f in findings if f.get('practice') == 'activity' and f['rule'] != 'malformed']
    for r in mine:
        if r['kind'] != 'attack':
            continue
        hit = [f for f in findings if f['rule'] in r['rules'].split(',')
               and (f.get('src') or {}).get('ip') == r['attacker']]
        if hit:
            passed += 1
        else:
            failures.append(f'{cap}: {r["rules"]} from {r["attacker"]} not found '
                            f'(rules seen: {sorted({f["rule"] for f in findings})})')
    for f in activity:
        ip = (f.get('src') or {}).get('ip')
        if ip in attackers:
            continue
        kind = mine[0]['kind']
        if kind == 'attack' and f['rule'] == 'scan' and f.get('tool'):
            continue  # a self-identified scanner that TRUTH.tsv does not list: reported on purpose
        failures.append(f'{cap} ({kind}): unexpected {f["rule"]} finding for {ip}: {f["title"]}')
    if not any(f for f in activity if (f.get('src') or {}).get('ip') not in attackers) or mine[0]['kind'] != 'benign':
        passed += 1

for f in failures:
    print('FAIL', f)
print(f'{passed} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
