#!/usr/bin/env python3
"""The `voipsec audit` contract (docs/cli/audit.md) as a user meets it: help and usage errors, exit
codes with --fail-on, the three output formats (JSON lines with a summary last, SARIF 2.1.0
validated for structure, text grouped by practice), the findings expected on every example of
examples/audit/ (fixtures in tests/fixtures/audit/expected/<example>.tsv, compared exactly), no
planted secret in any output or in the store, unreadable paths, an include cycle, policy files,
--list-checks, --output and the store.

usage: check_audit_cli.py VOIPSEC_BINARY SOURCE_ROOT [--regen]
  --regen rewrites the fixtures from the current output. Read every line of them against the
  example configurations before committing: a fixture nobody read is a defect."""
import json, os, re, sqlite3, stat, subprocess, sys, tempfile

binary, root = sys.argv[1], sys.argv[2]
regen = '--regen' in sys.argv[3:]
examples_dir = os.path.join(root, 'examples', 'audit')
expected_dir = os.path.join(root, 'tests', 'fixtures', 'audit', 'expected')
if not os.path.isdir(examples_dir):
    print(f'SKIP: no examples under {examples_dir}')
    sys.exit(77)
EXAMPLES = sorted(d for d in os.listdir(examples_dir) if os.path.isdir(os.path.join(examples_dir, d)))
SEVERITIES = ['info', 'low', 'medium', 'high', 'critical']
PRACTICES = ['credentials', 'firmware', 'network', 'equipment', 'activity', 'provider']
PRODUCTS = {'small-office-pjsip': 'asterisk', 'legacy-chan-sip': 'asterisk',
            'hardened-office': 'asterisk', 'freeswitch-defaults': 'freeswitch',
            'kamailio-edge': 'kamailio'}

# Every secret planted in the examples, and the ones commented out there. None may appear in any
# output format nor in the store. Secrets equal to an extension ("6001", "201") are not listed:
# the extension is the account's name and is printed as such.
SECRETS = {
    'small-office-pjsip': ['welcome1', 'Harbour-Lantern-58', 'sip4471office', 'amp111', '1234',
                           '0000', '730519', '918264'],
    'legacy-chan-sip': ['q7Rm-Vexa-29Lt', 'dect204base', 'trunkpass2012', '4826153', '5093172'],
    'hardened-office': ['I3nY6%9VaAY2SuYKvJ%bohtX', 't5TlysWUgaImqv07F7NZLc.Y',
                        '_NiBYXp-JloJMb3NBoY_6TzR', 'YjsDXQwfzP4BW46VK%snzNOp',
                        'd7QGf1OHCP%xSUTyS2PoCZJP', 'nBVR6RJAjFn101NLbfkC1JD9', '24169095',
                        '08309347', '37067492', '53223468',
                        'office6001', 'panel2019'],  # the last two are commented out
    'freeswitch-defaults': [],
    'kamailio-edge': [],
}
# Published vendor defaults (FreeSWITCH's 1234 and ClueCon, the stock Kamailio database password):
# the checks name them in titles and rationales on purpose ("The default password 1234 is still
# set"), because the value is public knowledge and tells the reader what to look for. They must
# still never appear where a configured value would be printed: in the evidence, the user field,
# or the store's evidence column.
PUBLIC_DEFAULTS = {'freeswitch-defaults': ['1234', 'ClueCon'], 'kamailio-edge': ['kamailiorw']}

failures, passed = [], 0


def run(args, cwd=None, timeout=60):
    p = subprocess.run([binary] + args, capture_output=True, timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, cond, detail=''):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f'{name}: {detail}')
    return cond


def ex(name):
    return os.path.join(examples_dir, name)


def rel(example, path):
    """A finding's file relative to its example directory."""
    base = os.path.normpath(ex(example))
    p = os.path.normpath(path if os.path.isabs(path) else os.path.join(root, path))
    return os.path.relpath(p, base)


def json_run(args, cwd=root):
    rc, out, err = run(['audit', '--no-db', '--format', 'json'] + args, cwd=cwd)
    objs = []
    for line in out.splitlines():
        try:
            objs.append(json.loads(line))
        except ValueError:
            objs.append({'unparsable': line})
    return rc, objs, err


# ---- help, usage errors ------------------------------------------------------------------------
rc, out, _ = run(['audit', '--help'])
check('--help', rc == 0 and '--format' in out and '--fail-on' in out and '--policy' in out
      and '--list-checks' in out and 'sarif' in out, f'rc={rc}')
rc, out, _ = run(['--help'])
check('voipsec --help lists audit', rc == 0 and re.search(r'^\s+audit\s', out, re.M), out[:300])
for args, what in [([], 'give at least one PATH'), (['--format', 'xml', ex('hardened-office')], 'xml'),
                   (['--fail-on', 'dire', ex('hardened-office')], 'dire'),
                   (['--preset', 'strict', ex('hardened-office')], 'strict'),
                   (['--db', '/tmp/x.db', '--no-db', ex('hardened-office')], 'exclude'),
                   (['--bogus', ex('hardened-office')], ''),
                   (['--list-checks', ex('hardened-office')], 'no PATH'),
                   (['--list-checks', '--format', 'sarif'], 'text or json')]:
    rc, out, err = run(['audit'] + args)
    check(f'usage error {args}', rc == 2 and what in err and out == '', f'rc={rc} out={out[:100]} err={err[:200]}')

# ---- --list-checks -----------------------------------------------------------------------------
rc, out, _ = run(['audit', '--list-checks', '--format', 'json'])
catalogue = [json.loads(l) for l in out.splitlines()] if rc == 0 else []
ids = [c['id'] for c in catalogue]
check('--list-checks json', rc == 0 and len(ids) == len(set(ids)) and all(
    c['severity'] in SEVERITIES and c['practice'] in PRACTICES and c['title'] and c['rationale']
    and c['product'] in ('asterisk', 'freeswitch', 'kamailio', 'unknown')
    and re.fullmatch(r'[a-z0-9]+(\.[a-z0-9-]+)+', c['id']) for c in catalogue), f'rc={rc} {out[:200]}')
rc, out, _ = run(['audit', '--list-checks'])
check('--list-checks text', rc == 0 and all(i in out for i in ids)
      and f'{len(ids)} checks' in out, f'rc={rc}')

# ---- every example: JSON, SARIF and text agree, with the fixture -------------------------------
def load_fixture(example):
    path = os.path.join(expected_dir, example + '.tsv')
    if not os.path.exists(path):
        return None
    rows = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        rule, file, ln = line.split('\t')[:3]  # a fourth column is the reviewer's note
        rows.append((rule, file, int(ln)))
    return sorted(rows)


def fixture_notes(example):
    path = os.path.join(expected_dir, example + '.tsv')
    notes = {}
    if os.path.exists(path):
        for line in open(path, encoding='utf-8'):
            parts = line.rstrip('\n').split('\t')
            if len(parts) >= 4 and not line.startswith('#'):
                notes[(parts[0], parts[1], int(parts[2]))] = parts[3]
    return notes


def validate_sarif(name, doc, catalogue_ids):
    ok = check(f'{name}: sarif header', doc.get('version') == '2.1.0' and 'sarif-2.1.0' in doc.get('$schema', '')
               and isinstance(doc.get('runs'), list) and len(doc['runs']) == 1, str(doc)[:200])
    if not ok:
        return []
    run0 = doc['runs'][0]
    driver = run0.get('tool', {}).get('driver', {})
    rules = driver.get('rules', [])
    rids = [r.get('id') for r in rules]
    check(f'{name}: sarif driver', driver.get('name') == 'voipsec' and driver.get('version')
          and 'informationUri' not in driver or driver.get('informationUri', '').startswith('http'), str(driver)[:200])
    check(f'{name}: sarif rule ids unique', len(rids) == len(set(rids)) and set(catalogue_ids) <= set(rids))
    levels = {'critical': 'error', 'high': 'error', 'medium': 'warning', 'low': 'note', 'info': 'note'}
    for r in rules:
        props = r.get('properties', {})
        check(f'{name}: rule {r.get("id")}', r.get('shortDescription', {}).get('text')
              and r.get('defaultConfiguration', {}).get('level') == levels.get(props.get('severity'))
              and props.get('practice') in PRACTICES, str(r)[:300])
    rows = []
    for res in run0.get('results', []):
        rid = res.get('ruleId')
        locs = res.get('locations') or [{}]
        pl = locs[0].get('physicalLocation', {})
        uri = pl.get('artifactLocation', {}).get('uri', '')
        line = pl.get('region', {}).get('startLine', 0)
        sev = res.get('properties', {}).get('severity')
        check(f'{name}: result {rid}', rid in rids and res.get('ruleIndex') == rids.index(rid)
              and res.get('level') == levels.get(sev) and res.get('message', {}).get('text')
              and uri and not uri.startswith('/') and isinstance(line, int) and line >= 1,
              json.dumps(res)[:300])
        rows.append((rid, uri, line))
    return rows


all_outputs = {}
for example in EXAMPLES:
    path = os.path.relpath(ex(example), root)  # relative, as a CI job would give it
    rc, objs, err = json_run([path])
    check(f'{example}: json exit 0', rc == 0, f'rc={rc} {err[:300]}')
    check(f'{example}: json lines parse', objs and all('unparsable' not in o for o in objs), str(objs)[:300])
    findings = [o for o in objs[:-1]]
    summary = objs[-1].get('summary', {}) if objs else {}
    check(f'{example}: summary last', summary.get('findings') == len(findings)
          and sum(summary.get('severity', {}).values()) == len(findings)
          and sum(summary.get('practice', {}).values()) == len(findings)
          and summary.get('paths') == [{'path': path, 'product': PRODUCTS.get(example, summary.get('paths', [{}])[0].get('product')),
                                        'findings': len(findings)}], str(summary)[:400])
    for f in findings:
        check(f'{example}: finding shape', all(k in f for k in ('rule', 'practice', 'severity', 'title', 'explain', 'advice', 'file', 'line'))
              and f['severity'] in SEVERITIES and f['practice'] in PRACTICES and f['rule'] in ids
              and isinstance(f['line'], int) and f['line'] >= 1
              and os.path.exists(os.path.join(root, f['file'])), str(f)[:300])
    got = sorted((f['rule'], rel(example, f['file']), f['line']) for f in findings)

    rc, sout, err = run(['audit', '--no-db', '--format', 'sarif', path], cwd=root)
    check(f'{example}: sarif exit 0', rc == 0, f'rc={rc} {err[:200]}')
    try:
        doc = json.loads(sout)
    except ValueError as e:
        doc = {}
        check(f'{example}: sarif parses', False, str(e))
    srows = validate_sarif(example, doc, ids)
    check(f'{example}: sarif = json', sorted((r, rel(example, u), l) for r, u, l in srows) == got,
          f'{srows[:5]} vs {got[:5]}')

    rc, tout, err = run(['audit', '--no-db', path], cwd=root)
    check(f'{example}: text exit 0', rc == 0, f'rc={rc} {err[:200]}')
    text_rows = sorted((m.group(3), rel(example, m.group(1)), int(m.group(2)))
                       for m in re.finditer(r'^  (\S+):(\d+)  \(([a-z0-9.-]+)', tout, re.M))
    check(f'{example}: text = json', text_rows == got, f'{text_rows[:5]} vs {got[:5]}')
    # grouped by practice in the documented order, then a summary naming the product
    heads = re.findall(r'^== (\w+)', tout, re.M)
    want_heads = [p.capitalize() for p in PRACTICES if summary.get('practice', {}).get(p)] + ['Summary']
    check(f'{example}: text groups', heads == want_heads, f'{heads} vs {want_heads}')
    check(f'{example}: text summary', f'{path}: {PRODUCTS.get(example)} configuration, {len(findings)} finding' in tout,
          tout[-400:])
    for p in PRACTICES:
        block = re.search(r'^== ' + p.capitalize() + r'.*?(?=^== )', tout, re.M | re.S)
        if block:
            sevs = [SEVERITIES.index(s.lower()) for s in re.findall(r'^\[([A-Z]+)\]', block.group(0), re.M)]
            check(f'{example}: {p} most severe first', sevs == sorted(sevs, reverse=True), str(sevs))

    # --fail-on: exit 1 exactly when a finding is at or above the threshold
    worst = max((SEVERITIES.index(f['severity']) for f in findings), default=-1)
    for i, sev in enumerate(SEVERITIES):
        rc, _, _ = run(['audit', '--no-db', '--format', 'json', '--fail-on', sev, path], cwd=root)
        check(f'{example}: --fail-on {sev}', rc == (1 if worst >= i else 0), f'rc={rc} worst={worst}')

    all_outputs[example] = {'json': '\n'.join(json.dumps(o) for o in objs), 'sarif': sout, 'text': tout,
                            'findings': findings}

    fixture = load_fixture(example)
    if regen:
        notes = fixture_notes(example)
        os.makedirs(expected_dir, exist_ok=True)
        with open(os.path.join(expected_dir, example + '.tsv'), 'w', encoding='utf-8') as fh:
            fh.write(f'# Expected findings of `voipsec audit examples/audit/{example}`: rule, file (relative\n'
                     '# to the example), line, and the reviewer\'s note: what the line holds and why the\n'
                     '# finding is right. Each line was checked by hand against the configuration.\n')
            for r in got:
                fh.write('\t'.join(map(str, r)) + '\t' + notes.get(r, 'NOT REVIEWED') + '\n')
    elif check(f'{example}: fixture exists', fixture is not None, os.path.join(expected_dir, example + '.tsv')):
        missing = [r for r in fixture if r not in got]
        extra = [r for r in got if r not in fixture]
        check(f'{example}: findings = fixture', got == fixture, f'missing {missing} unexpected {extra}')
        unreviewed = [r for r, n in fixture_notes(example).items() if n == 'NOT REVIEWED']
        check(f'{example}: every fixture line reviewed', not unreviewed, str(unreviewed))

# The hardened office: nothing at or above medium, whatever the checks learn later.
hard = all_outputs.get('hardened-office', {}).get('findings', [])
check('hardened-office: nothing at or above medium',
      all(SEVERITIES.index(f['severity']) < SEVERITIES.index('medium') for f in hard),
      str([(f['rule'], f['file'], f['line']) for f in hard]))
rc, _, _ = run(['audit', '--no-db', '--fail-on', 'medium', ex('hardened-office')])
check('hardened-office: --fail-on medium exits 0', rc == 0, f'rc={rc}')

# ---- several paths, one bad: the others are audited, exit 2 ------------------------------------
with tempfile.TemporaryDirectory() as tmp:
    empty = os.path.join(tmp, 'empty')
    os.mkdir(empty)
    rc, objs, err = json_run([ex('small-office-pjsip'), '/nonexistent/asterisk', empty])
    summary = objs[-1].get('summary', {}) if objs else {}
    paths = summary.get('paths', [])
    check('bad paths: exit 2, named', rc == 2 and '/nonexistent/asterisk' in err and 'empty' in err, f'rc={rc} {err[:300]}')
    check('bad paths: the good one still audited', len(paths) == 3 and paths[0].get('findings', 0) > 0
          and 'error' not in paths[0] and 'error' in paths[1] and 'error' in paths[2]
          and len(objs) - 1 == paths[0]['findings'], str(summary)[:400])
    rc, sout, err = run(['audit', '--no-db', '--format', 'sarif', '/nonexistent/asterisk'])
    doc = json.loads(sout) if sout.strip() else {}
    inv = (doc.get('runs') or [{}])[0].get('invocations', [{}])[0]
    check('bad path: sarif says not successful', rc == 2 and inv.get('executionSuccessful') is False
          and '/nonexistent/asterisk' in json.dumps(inv), f'rc={rc} {sout[:300]}')
    # an unreadable file (unless we are root, who reads everything)
    if os.geteuid() != 0:
        d = os.path.join(tmp, 'locked')
        os.mkdir(d)
        conf = os.path.join(d, 'pjsip.conf')
        open(conf, 'w').write('[t]\ntype=transport\nprotocol=udp\n')
        os.chmod(conf, 0)
        rc, _, err = run(['audit', '--no-db', conf])
        check('unreadable file', rc == 2 and 'pjsip.conf' in err, f'rc={rc} {err[:200]}')
        os.chmod(conf, 0o600)

    # ---- an #include cycle: exit 2 with the chain, quickly -------------------------------------
    cyc = os.path.join(tmp, 'cycle')
    os.mkdir(cyc)
    open(os.path.join(cyc, 'pjsip.conf'), 'w').write('[global]\ntype=global\n#include "endpoints.conf"\n')
    open(os.path.join(cyc, 'endpoints.conf'), 'w').write('; endpoints\n#include "phones.conf"\n')
    open(os.path.join(cyc, 'phones.conf'), 'w').write('[6001]\ntype=endpoint\n#include "endpoints.conf"\n')
    try:
        rc, _, err = run(['audit', '--no-db', cyc], timeout=20)
        check('include cycle', rc == 2 and 'cycle' in err and 'endpoints.conf' in err and 'phones.conf' in err
              and re.search(r'\.conf:\d+', err), f'rc={rc} {err[:300]}')
    except subprocess.TimeoutExpired:
        check('include cycle', False, 'hangs')

    # ---- policy ------------------------------------------------------------------------------
    pol = os.path.join(tmp, 'policy.ini')
    open(pol, 'w').write('[policy]\npreset = nist\nmin_lenght = 16\n')
    rc, _, err = run(['audit', '--no-db', '--policy', pol, ex('hardened-office')])
    check('policy: unknown key', rc == 2 and 'policy.ini:3' in err and 'min_lenght' in err, f'rc={rc} {err[:200]}')
    rc, _, err = run(['audit', '--no-db', '--policy', os.path.join(tmp, 'none.ini'), ex('hardened-office')])
    check('policy: missing file', rc == 2 and 'none.ini' in err, f'rc={rc} {err[:200]}')
    open(pol, 'w').write('# strict\n[policy]\npreset = nist\nmin_length = 16\n')
    rc, objs, err = json_run(['--policy', pol, ex('hardened-office')])
    check('policy: nist file', rc == 0 and objs and objs[-1].get('summary', {}).get('policy') == 'nist', f'rc={rc} {err[:200]}')
    rc, objs, err = json_run(['--preset', 'nist', ex('small-office-pjsip')])
    check('--preset nist', rc == 0 and objs and objs[-1].get('summary', {}).get('policy') == 'nist'
          and objs[-1]['summary']['findings'] > 0, f'rc={rc} {err[:200]}')

    # ---- --output: 0600, same bytes as standard output ---------------------------------------
    outp = os.path.join(tmp, 'audit.sarif')
    rc, _, _ = run(['audit', '--no-db', '--format', 'sarif', '-o', outp, 'examples/audit/small-office-pjsip'], cwd=root)
    mode = stat.S_IMODE(os.stat(outp).st_mode) if os.path.exists(outp) else None
    check('--output 0600', rc == 0 and mode == 0o600
          and open(outp).read() == all_outputs.get('small-office-pjsip', {}).get('sarif'), f'rc={rc} mode={mode}')
    rc, _, err = run(['audit', '--no-db', '-o', os.path.join(tmp, 'no', 'such', 'dir'), ex('hardened-office')])
    check('--output unwritable', rc == 2 and 'no/such/dir' in err, f'rc={rc} {err[:200]}')

    # ---- SARIF URIs: relative to the current directory for an absolute PATH under it ---------
    rc, sout, _ = run(['audit', '--no-db', '--format', 'sarif', ex('legacy-chan-sip')], cwd=root)
    uris = [r['locations'][0]['physicalLocation']['artifactLocation']['uri'] for r in json.loads(sout)['runs'][0]['results']]
    check('sarif uri relative to cwd', uris and all(u.startswith('examples/audit/legacy-chan-sip/') for u in uris), str(uris[:3]))
    rc, sout, _ = run(['audit', '--no-db', '--format', 'sarif', ex('legacy-chan-sip')], cwd=tmp)
    uris = [r['locations'][0]['physicalLocation']['artifactLocation']['uri'] for r in json.loads(sout)['runs'][0]['results']]
    check('sarif uri outside cwd', uris and all(u.startswith('file:///') for u in uris), str(uris[:3]))

    # ---- the store: every finding of every example, as source "audit", and no secret --------
    db = os.path.join(tmp, 'store', 'voipsec.db')
    total = 0
    for example in EXAMPLES:
        rc, _, err = run(['audit', '--format', 'json', '--db', db, ex(example)])
        check(f'{example}: --db exit 0', rc == 0, f'rc={rc} {err[:200]}')
        total += len(all_outputs.get(example, {}).get('findings', []))
    con = sqlite3.connect(db)
    n = con.execute("select count(*) from findings where source = 'audit'").fetchone()[0]
    runs = con.execute("select count(*) from runs where command = 'audit'").fetchone()[0]
    rows = con.execute('select evidence, "user" from findings').fetchall()
    con.close()
    check('store: findings and runs', n == total and runs == len(EXAMPLES), f'{n} vs {total}, runs {runs}')
    check('store: file 0600', stat.S_IMODE(os.stat(db).st_mode) == 0o600, oct(os.stat(db).st_mode))
    store_bytes = b''
    for suffix in ('', '-wal', '-journal'):
        if os.path.exists(db + suffix):
            store_bytes += open(db + suffix, 'rb').read()

    # ---- no planted secret anywhere ----------------------------------------------------------
    def leaks(secret, blob):
        if len(secret) <= 6:  # short PINs: as a whole token, not inside a longer number
            return re.search(r'(?<![0-9A-Za-z])' + re.escape(secret) + r'(?![0-9A-Za-z])', blob) is not None
        return secret in blob

    for example, secrets in SECRETS.items():
        outs = all_outputs.get(example)
        if not outs:
            continue
        for secret in secrets:
            for fmt in ('text', 'json', 'sarif'):
                check(f'{example}: no leak of {secret!r} in {fmt}', not leaks(secret, outs[fmt]))
            check(f'{example}: no leak of {secret!r} in the store',
                  not leaks(secret, store_bytes.decode('latin-1')))
        for secret in PUBLIC_DEFAULTS.get(example, []):
            where = ' '.join(json.dumps(f.get('evidence', {})) + ' ' + f.get('user', '') for f in outs['findings'])
            check(f'{example}: {secret!r} not in evidence', not leaks(secret, where))
            check(f'{example}: {secret!r} not in stored evidence',
                  not any(leaks(secret, (e or '') + ' ' + (u or '')) for e, u in rows))
    # the secret line numbers are in the fixtures; the values never are
    for example in EXAMPLES:
        p = os.path.join(expected_dir, example + '.tsv')
        if os.path.exists(p):
            text = open(p).read()
            check(f'{example}: no secret in the fixture', not any(leaks(s, text) for s in SECRETS.get(example, [])))

if regen:
    print(f'regenerated fixtures in {expected_dir}: review every line against the examples')
for f in failures:
    print('FAIL', f)
print(f'{passed} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
