#!/usr/bin/env python3
"""docs/audit-checks.md documents every check that `voipsec audit --list-checks` knows, and no id
twice in the catalogue: the catalogue and its documentation cannot drift apart."""
import json, subprocess, sys

binary, root = sys.argv[1], sys.argv[2]
out = subprocess.run([binary, 'audit', '--list-checks', '--format', 'json'], capture_output=True,
                     timeout=30).stdout.decode()
ids = [json.loads(l)['id'] for l in out.splitlines() if l.strip()]
doc = open(f'{root}/docs/audit-checks.md').read()
failures = []
if len(ids) < 50:
    failures.append(f'only {len(ids)} checks listed')
if len(set(ids)) != len(ids):
    failures.append('duplicate ids: ' + ' '.join(sorted({i for i in ids if ids.count(i) > 1})))
failures += [f'{i} is not documented in docs/audit-checks.md' for i in ids if f'`{i}`' not in doc]
for f in failures:
    print('FAIL', f)
print(f'{len(ids) - len(failures)} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
