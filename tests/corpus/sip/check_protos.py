#!/usr/bin/env python3
"""All PROTOS c07-sip cases (read in place from ../shared/corpus/protos-c07-sip) go through
`voipsec sip parse --format json`: each must get exactly one verdict line, the process must exit 0
or 1, and nothing may appear on stderr (a sanitizer report or a crash would). Run under the ASan
build by `make check`. Files are given in batches so that 3018 cases take seconds, and a failing
batch is re-run case by case to name the culprit."""
import json, os, subprocess, sys

binary, corpus = sys.argv[1], sys.argv[2]
folder = os.path.join(corpus, 'protos-c07-sip')
if not os.path.isdir(folder):
    print(f'SKIP: PROTOS corpus not found at {folder}')
    sys.exit(77)

cases = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith('.sip'))
if len(cases) < 3000:
    print(f'FAIL: expected the 3018 PROTOS cases, found {len(cases)}')
    sys.exit(1)

def run(paths):
    p = subprocess.run([binary, 'sip', 'parse', '--format', 'json'] + paths,
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')

failures, verdicts = [], {'valid': 0, 'invalid': 0}
BATCH = 200
for i in range(0, len(cases), BATCH):
    batch = cases[i:i + BATCH]
    rc, out, err = run(batch)
    lines = out.splitlines()
    ok = rc in (0, 1) and not err.strip() and len(lines) == len(batch)
    if ok:
        for path, line in zip(batch, lines):
            obj = json.loads(line)
            if obj['file'] != path or not isinstance(obj['valid'], bool):
                ok = False
                break
            verdicts['valid' if obj['valid'] else 'invalid'] += 1
    if not ok:
        for path in batch:
            rc1, out1, err1 = run([path])
            if rc1 not in (0, 1) or err1.strip() or len(out1.splitlines()) != 1:
                failures.append(f'{os.path.basename(path)}: exit {rc1}: {err1.strip()[:300]}')

# Case 0 is the suite's unmutated reference INVITE: it must be valid, or the parser is simply
# rejecting everything.
rc0, out0, _ = run([os.path.join(folder, '0000000.sip')])
if not out0.strip() or json.loads(out0.splitlines()[0])['valid'] is not True:
    failures.append('0000000.sip: the unmutated reference case is not valid: ' + out0[:300])

for f in failures[:20]:
    print('FAIL', f)
print(f'PROTOS verdicts: {verdicts["valid"]} valid, {verdicts["invalid"]} invalid')
print(f'{len(cases) - len(failures)} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
