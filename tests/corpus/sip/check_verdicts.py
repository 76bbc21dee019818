#!/usr/bin/env python3
"""Every message of RFC 4475 and RFC 5118 (read in place from ../shared/corpus) must get the
verdict of its EXPECTED.tsv from `voipsec sip parse --format json`, and the exit status must agree
with the verdict. Exits 77 (skip) with a reason when the corpus is absent."""
import csv, json, os, subprocess, sys

binary, corpus = sys.argv[1], sys.argv[2]
if not os.path.isdir(os.path.join(corpus, 'rfc4475')):
    print(f'SKIP: shared corpus not found at {corpus}')
    sys.exit(77)

failures, total = [], 0
for folder in ('rfc4475', 'rfc5118'):
    with open(os.path.join(corpus, folder, 'EXPECTED.tsv')) as f:
        rows = list(csv.DictReader(f, delimiter='\t'))
    for row in rows:
        total += 1
        path = os.path.join(corpus, folder, row['name'])
        p = subprocess.run([binary, 'sip', 'parse', '--format', 'json', path],
                           capture_output=True, timeout=30)
        lines = p.stdout.decode('utf-8').splitlines()
        if len(lines) != 1:
            failures.append(f'{folder}/{row["name"]}: {len(lines)} output lines (want 1); stderr={p.stderr[:200]!r}')
            continue
        obj = json.loads(lines[0])
        got = 'valid' if obj['valid'] else 'invalid'
        want_rc = 0 if got == 'valid' else 1
        errors = ','.join(e['code'] for e in obj['errors'])
        if got != row['expected']:
            failures.append(f'{folder}/{row["name"]}: got {got} (errors: {errors or "none"}), '
                            f'want {row["expected"]} — {row["reason"]}')
        elif p.returncode != want_rc:
            failures.append(f'{folder}/{row["name"]}: exit {p.returncode}, want {want_rc}')
        elif got == 'invalid' and not obj['errors']:
            failures.append(f'{folder}/{row["name"]}: invalid without any error listed')

for line in failures:
    print('FAIL', line)
print(f'{total - len(failures)} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
