#!/usr/bin/env python3
"""The `voipsec inventory` contract (docs/cli/inventory.md) as a user meets it: help and usage
errors, a store filled by `voipsec monitor -r` on the example captures and by devices rows written
with sqlite3 (times relative to now), then list (text, JSON lines), show (by address, name and id;
ambiguous and unknown devices), outdated (findings of the shared shape, --fail-on, --days, a policy
file, the run recorded in the store), review (the overdue finding goes away, --when, refusals),
the user's --fingerprints and --catalogue files read before the built-in ones, and clear errors
for a missing or corrupted store and for data files that do not load.

usage: check_inventory_cli.py VOIPSEC_BINARY SOURCE_ROOT"""
import json, os, re, shutil, sqlite3, subprocess, sys, tempfile, time

binary, root = sys.argv[1], sys.argv[2]
fixtures = os.path.join(root, 'tests', 'fixtures', 'inventory')
pcaps = os.path.join(root, 'examples', 'pcap')
if not os.path.isdir(fixtures):
    print(f'SKIP: no fixtures at {fixtures}')
    sys.exit(77)

failures, passed = [], 0
tmp = tempfile.mkdtemp(prefix='vs-inventory-cli-')
# A data directory of our own: the fixture rules and catalogue as the "built-in" files, so that the
# expected verdicts do not move when data/ grows.
data = os.path.join(tmp, 'data')
os.mkdir(data)
shutil.copy(os.path.join(fixtures, 'fingerprints.tsv'), os.path.join(data, 'fingerprints.tsv'))
shutil.copy(os.path.join(fixtures, 'catalogue.tsv'), os.path.join(data, 'firmware-catalogue.tsv'))
env = dict(os.environ, VOIPSEC_DATA_DIR=data, VOIPSEC_DB=os.path.join(tmp, 'default.db'))


def run(args, extra_env=None):
    p = subprocess.run([binary] + args, capture_output=True, timeout=120,
                       env=dict(env, **(extra_env or {})))
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, cond, detail=''):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f'{name}: {detail}')


def json_lines(out):
    try:
        return [json.loads(l) for l in out.splitlines() if l.strip()]
    except ValueError as e:
        failures.append(f'invalid JSON line: {e}: {out[:300]!r}')
        return []


db = os.path.join(tmp, 'voipsec.db')
I = ['inventory']

# ---- help and usage
for args in (I + ['--help'], I + ['list', '--help'], I + ['show', '--help'],
             I + ['outdated', '--help'], I + ['review', '--help']):
    rc, out, _ = run(args)
    check(' '.join(args), rc == 0 and 'usage: voipsec inventory' in out, f'rc={rc}')
rc, out, _ = run(['--help'])
check('top-level help lists inventory', rc == 0 and re.search(r'^\s+inventory\s', out, re.M), out)
for args, why in ((I, 'no subcommand'), (I + ['purge'], 'unknown subcommand'),
                  (I + ['show', '--db', db], 'show without DEVICE'),
                  (I + ['list', 'extra', '--db', db], 'list with an argument'),
                  (I + ['list', '--format', 'xml', '--db', db], 'unknown format'),
                  (I + ['outdated', '--fail-on', 'severe', '--db', db], 'unknown severity'),
                  (I + ['outdated', '--days', 'abc', '--db', db], '--days abc'),
                  (I + ['outdated', '--days', '-1', '--db', db], '--days -1'),
                  (I + ['outdated', '--days', '4000', '--db', db], '--days 4000'),
                  (I + ['list', '--fail-on', 'high', '--db', db], '--fail-on on list'),
                  (I + ['list', '--who', 'x', '--db', db], '--who on list'),
                  (I + ['review', '10.0.0.5', '--db', db], 'review without --who'),
                  (I + ['review', '10.0.0.5', '--who', 'a', '--format', 'json', '--db', db],
                   'review with --format'),
                  (I + ['list', '--preset', 'cia', '--db', db], 'unknown preset')):
    rc, _, err = run(args)
    check(f'usage error ({why})', rc == 2 and err.strip(), f'rc={rc} err={err!r}')
rc, _, err = run(I + ['outdated', '--days', 'abc', '--db', db])
check('--days message', 'from 0' in err and '3650' in err, err)
check('usage errors create no store', not os.path.exists(db), 'store created')

# ---- no store yet: a clear message, nothing created
for sub in (['list'], ['outdated'], ['show', '10.0.0.5'], ['review', '10.0.0.5', '--who', 'a']):
    rc, _, err = run(I + sub + ['--db', db])
    check(f'{sub[0]} without a store', rc == 2 and 'no store yet' in err and db in err,
          f'rc={rc} {err}')
check('missing store not created', not os.path.exists(db))
rc, _, err = run(I + ['list'])
check('default store ($VOIPSEC_DB) missing', rc == 2 and 'default.db' in err, err)

# ---- a store filled by the monitor: the example captures, or an empty capture when they are absent
have_pcaps = os.path.exists(os.path.join(pcaps, 'kamailio-ordinary.pcap'))
if have_pcaps:
    captures = [os.path.join(pcaps, 'kamailio-ordinary.pcap'), os.path.join(pcaps, 'kamailio-svwar.pcap')]
else:
    empty = os.path.join(tmp, 'empty.pcap')
    with open(empty, 'wb') as f:  # a pcap global header (Ethernet) and no packet
        f.write(bytes.fromhex('d4c3b2a1020004000000000000000000ffff000001000000'))
    captures = [empty]
rc, _, err = run(['monitor'] + [a for c in captures for a in ('-r', c)] + ['--db', db, '--format', 'json'],
                 {'VOIPSEC_DATA_DIR': os.path.join(root, 'data')})
check('monitor fills the store', rc == 0 and os.path.exists(db), f'rc={rc} {err}')
check('store is 0600', os.path.exists(db) and (os.stat(db).st_mode & 0o777) == 0o600)

rc, out, err = run(I + ['list', '--db', db])
check('list on the monitor store', rc == 0 and 'devices:' in out, f'rc={rc} {out} {err}')
if have_pcaps:
    check('monitor devices listed as unknown-version',
          '127.0.0.12' in out and 'friendly-scanner' in out and 'unknown-version' in out, out)
    # Kamailio at 127.0.0.1 forwards baresip's requests and answers: baresip's User-Agent must not
    # make a phantom baresip device at the proxy's address (monitor: relay-aware attribution)
    proxy_rows = [l for l in out.splitlines() if l.split()[1:2] == ['127.0.0.1']]
    check('no phantom device at the proxy', proxy_rows != [] and
          not any('baresip' in l for l in proxy_rows), '\n'.join(proxy_rows) or out)

# ---- devices rows written with sqlite3: times relative to now
NOW = time.time()


def ts(days_ago):
    t = NOW - days_ago * 86400
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + '.000Z'


rows = [
    # a phone upgraded 100 days ago: overdue under the default 90 days
    ('10.0.0.5', 5060, 'udp', 'Yealink SIP-T46S 66.84.0.10', '1001', ts(200), ts(120)),
    ('10.0.0.5', 5061, 'tls', 'Yealink SIP-T46S 66.86.0.15', '1001', ts(100), ts(1)),
    # a PBX on three transports, vulnerable (critical), seen for 50 days
    ('10.0.0.1', 5060, 'udp', 'Asterisk PBX 18.20.0', '', ts(50), ts(1)),
    ('10.0.0.1', 5060, 'tcp', 'Asterisk PBX 18.20.0', '', ts(50), ts(2)),
    ('10.0.0.1', 5061, 'tls', 'Asterisk PBX 18.20.0', '', ts(50), ts(1)),
    # a current phone, new (10 days)
    ('10.0.0.7', 5060, 'udp', 'Yealink SIP-T46S 66.86.0.15', '1003', ts(10), ts(1)),
    # the fixed version of the catalogue entry: not vulnerable; 2 phones behind one address
    ('10.0.0.9', 5060, 'udp', 'Yealink SIP-T46S 66.86.0.15', '', ts(20), ts(1)),
    ('10.0.0.9', 5062, 'udp', 'Asterisk PBX 18.20.1', '', ts(20), ts(1)),
    # a recognised model without a version
    ('10.0.0.20', 5060, 'udp', 'Yealink SIP-T54W', '', ts(300), ts(1)),
]
con = sqlite3.connect(db)
con.executemany('INSERT INTO devices (ip, port, transport, user_agent, "user", first_seen, '
                'last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)', rows)
con.commit()
con.close()

rc, out, err = run(I + ['list', '--db', db])
check('list text', rc == 0 and re.search(r'^ID\s+ADDRESS\s+VENDOR\s+MODEL\s+FIRMWARE', out, re.M),
      f'rc={rc} {out} {err}')
line = lambda ip: next((l for l in out.splitlines() if re.search(rf'\s{re.escape(ip)}\s', l)), '')
check('list: pbx on three transports in one row',
      'udp/5060,tcp/5060,tls/5061' in line('10.0.0.1') and line('10.0.0.1').endswith('vulnerable'),
      line('10.0.0.1'))
check('list: upgraded phone overdue', line('10.0.0.5').endswith('overdue') and
      '66.86.0.15' in line('10.0.0.5'), line('10.0.0.5'))
check('list: new phone ok', line('10.0.0.7').endswith(' ok'), line('10.0.0.7'))
check('list: no version', line('10.0.0.20').endswith('unknown-version'), line('10.0.0.20'))
check('list: firmware change shown',
      re.search(r'10\.0\.0\.5 Yealink SIP-T46S: 66\.84\.0\.10 \u2192 66\.86\.0\.15 first seen '
                r'\d{4}-\d\d-\d\dT', out), out)
check('list: summary', re.search(r'^\d+ devices: \d+ ok, 1 overdue, 1 vulnerable, \d+ '
                                 r'unknown-version; firmware review every 90 days', out, re.M), out)
ips = [l.split()[1] for l in out.splitlines() if re.match(r'^\d+\s', l)]
order = [ip for ip in ips if ip.startswith('10.0.0.')]
check('list: numeric address order', order == ['10.0.0.1', '10.0.0.5', '10.0.0.7', '10.0.0.9',
                                               '10.0.0.9', '10.0.0.20'], order)

rc, out, _ = run(I + ['list', '--db', db, '--format', 'json'])
lines = json_lines(out)
devs = {(d['device']['ip'], d['device']['vendor'], d['device']['model']): d['device']
        for d in lines if 'device' in d}
check('list json: summary last', lines and 'summary' in lines[-1] and
      lines[-1]['summary']['devices'] == len(devs) and lines[-1]['summary']['review_days'] == 90,
      lines[-1:] if lines else out)
phone = devs.get(('10.0.0.5', 'Yealink', 'SIP-T46S'), {})
check('list json: device fields',
      phone and phone['firmware'] == '66.86.0.15' and phone['status'] == 'overdue' and
      phone['overdue'] and not phone['vulnerable'] and phone['versions'] == 2 and
      phone['changes'] and phone['changes'][0]['from'] == '66.84.0.10' and
      phone['changes'][0]['direction'] == 'upgrade' and phone['users'] == ['1001'] and
      {(a['transport'], a['port']) for a in phone['addresses']} == {('udp', 5060), ('tls', 5061)} and
      phone['days'] == 100 and phone['last_review'] is None, phone)
pbx = devs.get(('10.0.0.1', 'Asterisk', 'Asterisk PBX'), {})
check('list json: vulnerable pbx', pbx.get('status') == 'vulnerable' and pbx.get('worst') == 'critical'
      and pbx.get('kind') == 'pbx' and len(pbx.get('addresses', [])) == 3, pbx)
check('list json: fixed version is ok',
      devs.get(('10.0.0.9', 'Yealink', 'SIP-T46S'), {}).get('status') == 'ok' and
      devs.get(('10.0.0.9', 'Asterisk', 'Asterisk PBX'), {}).get('status') == 'ok')
nover = devs.get(('10.0.0.20', 'Yealink', 'SIP-T54W'), {})
check('list json: unknown version', nover.get('firmware', 1) is None and
      nover.get('status') == 'unknown-version' and nover.get('days', 1) is None, nover)

# ---- show
rc, out, err = run(I + ['show', '10.0.0.5', '--db', db])
check('show by address', rc == 0 and 'Device ' in out and 'Firmware history:' in out and
      re.search(r'upgrade: 66\.84\.0\.10 \u2192 66\.86\.0\.15 first seen', out) and
      '"Yealink SIP-T46S 66.84.0.10"' in out and 'status       overdue' in out, f'{out} {err}')
rc, out, err = run(I + ['show', '10.0.0.1/asterisk/ASTERISK PBX', '--db', db])
check('show by name (case-insensitive): CVE with fixed version',
      rc == 0 and 'CVE-2099-0002' in out and 'fixed in 18.20.1' in out and
      'firmware-catalogue.tsv:5' in out, f'{out} {err}')
rc, out, _ = run(I + ['show', str(pbx.get('id')), '--db', db, '--format', 'json'])
doc = json_lines(out)
dev = doc[0]['device'] if doc and 'device' in doc[0] else {}
check('show by id, json', rc == 0 and len(doc) == 1 and dev.get('ip') == '10.0.0.1' and
      dev['vulnerabilities'][0]['cve'] == 'CVE-2099-0002' and
      dev['vulnerabilities'][0]['fixed'] == '18.20.1' and dev['history'][0]['current'] and
      dev['user_agents'] == ['Asterisk PBX 18.20.0'] and dev['reviews'] == [], out)
rc, _, err = run(I + ['show', '#' + str(pbx.get('id')), '--db', db])
check('show by #id', rc == 0, err)
rc, out, err = run(I + ['show', '10.0.0.9', '--db', db])
check('show ambiguous address', rc == 2 and 'matches 2 devices' in err and
      '10.0.0.9/Yealink/SIP-T46S' in err and not out, f'rc={rc} {err}')
for spec in ('10.0.0.99', '10.0.0.5/Cisco', '99999', '10.0.0.5/Yealink/SIP-T54W'):
    rc, out, err = run(I + ['show', spec, '--db', db])
    check(f'show unknown device {spec}', rc == 2 and 'no device' in err and spec in err and not out,
          f'rc={rc} {err}')

# ---- outdated
rc, out, err = run(I + ['outdated', '--db', db, '--format', 'json'])
lines = json_lines(out)
findings = [l for l in lines if 'rule' in l]
summary = lines[-1].get('summary', {}) if lines else {}
check('outdated: exit 0 without --fail-on', rc == 0, f'rc={rc} {err}')
check('outdated: shared finding shape', findings and all(
    f['practice'] == 'firmware' and f['rule'] in ('firmware.vulnerable', 'firmware.overdue') and
    f['severity'] and f['title'] and f['explain'] and f['advice'] and f['src']['ip']
    for f in findings), findings)
vuln = [f for f in findings if f['rule'] == 'firmware.vulnerable']
over = [f for f in findings if f['rule'] == 'firmware.overdue']
check('outdated: one vulnerable (pbx)', len(vuln) == 1 and vuln[0]['severity'] == 'critical' and
      vuln[0]['title'] == 'Asterisk PBX at 10.0.0.1 runs firmware 18.20.0 with a known '
                          'vulnerability (CVE-2099-0002)' and
      'update' in vuln[0]['advice'].lower() and '18.20.1 or later' in vuln[0]['advice'], vuln)
ev = vuln[0]['evidence'] if vuln else {}
check('outdated: vulnerable evidence', ev.get('cve') == 'CVE-2099-0002' and
      ev.get('fixed') == '18.20.1' and ev.get('source') == 'https://example.invalid/advisory-2' and
      ev.get('catalogue', '').endswith('firmware-catalogue.tsv:5'), ev)
check('outdated: one overdue (upgraded phone), low', len(over) == 1 and
      over[0]['src']['ip'] == '10.0.0.5' and over[0]['severity'] == 'low' and
      over[0]['evidence']['days'] == 100 and over[0]['evidence']['review_days'] == 90, over)
check('outdated: summary', summary.get('findings') == len(findings) and
      summary.get('vulnerable') == 1 and summary.get('overdue') == 1 and summary.get('run_id', 0) > 0,
      summary)
con = sqlite3.connect(db)
runs = con.execute("SELECT id FROM runs WHERE command = 'inventory outdated'").fetchall()
stored = con.execute("SELECT rule FROM findings WHERE source = 'inventory' AND run_id = ?",
                     (summary.get('run_id'),)).fetchall()
con.close()
check('outdated: run recorded with its findings', len(runs) == 1 and
      sorted(r[0] for r in stored) == sorted(f['rule'] for f in findings), (runs, stored))

rc, _, _ = run(I + ['outdated', '--db', db, '--fail-on', 'critical'])
check('outdated: --fail-on critical exits 1', rc == 1, f'rc={rc}')
rc, out, _ = run(I + ['outdated', '--db', db, '--fail-on', 'high', '--days', '0'])
check('outdated: --fail-on high exits 1', rc == 1, f'rc={rc}')
check('outdated text', '[CRITICAL] Asterisk PBX at 10.0.0.1' in out and
      re.search(r'^1 finding on \d+ devices', out, re.M) and 'from 10.0.0.1\n' in out, out)
rc, out, _ = run(I + ['outdated', '--db', db, '--days', '0', '--format', 'json'])
check('outdated --days 0: no overdue', rc == 0 and '"firmware.overdue"' not in out, out)
rc, out, _ = run(I + ['outdated', '--db', db, '--days', '5', '--format', 'json'])
over5 = sorted(f['src']['ip'] for f in json_lines(out) if f.get('rule') == 'firmware.overdue')
check('outdated --days 5: every device older than 5 days', over5 == ['10.0.0.1', '10.0.0.5',
                                                                    '10.0.0.7', '10.0.0.9',
                                                                    '10.0.0.9'], over5)
sev = {f['src']['ip']: f['severity'] for f in json_lines(out) if f.get('rule') == 'firmware.overdue'}
check('outdated --days 5: medium past twice the period', sev.get('10.0.0.1') == 'medium' and
      sev.get('10.0.0.7') == 'low', sev)
pol = os.path.join(tmp, 'policy.ini')
with open(pol, 'w') as f:
    f.write('[policy]\nfirmware_review_days = 30\n')
rc, out, _ = run(I + ['outdated', '--db', db, '--policy', pol, '--format', 'json'])
over30 = sorted(f['src']['ip'] for f in json_lines(out) if f.get('rule') == 'firmware.overdue')
check('outdated with a policy file (30 days)', over30 == ['10.0.0.1', '10.0.0.5'], over30)
rc, out, _ = run(I + ['outdated', '--db', db, '--policy', pol, '--days', '200', '--format', 'json'])
check('--days overrides the policy file', '"firmware.overdue"' not in out, out)
with open(pol, 'w') as f:
    f.write('[policy]\nfirmware_review_days = soon\n')
rc, _, err = run(I + ['outdated', '--db', db, '--policy', pol])
check('bad policy value', rc == 2 and 'policy.ini:2: firmware_review_days' in err, err)

# ---- review
con = sqlite3.connect(db)
before = con.execute('SELECT count(*) FROM device_reviews').fetchone()[0]
con.close()
rc, _, err = run(I + ['review', '10.0.0.9', '--who', 'alice', '--db', db])
check('review of an ambiguous address refused', rc == 2 and 'matches 2 devices' in err, err)
rc, _, err = run(I + ['review', '10.0.0.99', '--who', 'alice', '--db', db])
check('review of an unknown device refused', rc == 2 and 'no device' in err, err)
for when in ('yesterday', '2026-13-01', '2999-01-01'):
    rc, _, err = run(I + ['review', '10.0.0.5', '--who', 'alice', '--when', when, '--db', db])
    check(f'review --when {when} refused', rc == 2 and when in err, f'rc={rc} {err}')
con = sqlite3.connect(db)
after = con.execute('SELECT count(*) FROM device_reviews').fetchone()[0]
con.close()
check('refused reviews write nothing', before == after == 0, (before, after))

# a review older than the upgrade does not restart the clock
rc, out, err = run(I + ['review', '10.0.0.5/Yealink/SIP-T46S', '--who', 'bob', '--when',
                        time.strftime('%Y-%m-%d', time.gmtime(NOW - 150 * 86400)), '--db', db])
check('review in the past', rc == 0 and re.match(r'review \d+ recorded: 10\.0\.0\.5/Yealink/SIP-T46S, '
                                                 r'firmware 66\.86\.0\.15, checked by bob', out),
      f'rc={rc} {out} {err}')
rc, out, _ = run(I + ['outdated', '--db', db, '--format', 'json'])
check('an old review leaves it overdue', '"10.0.0.5"' in out and '"firmware.overdue"' in out, out)
rc, out, err = run(I + ['review', '10.0.0.5', '--who', 'alice', '--note', 'checked yealink.com: '
                        'latest', '--db', db])
check('review now', rc == 0 and 'checked by alice' in out, f'rc={rc} {out} {err}')
rc, out, _ = run(I + ['outdated', '--db', db, '--format', 'json'])
check('review clears overdue', '"firmware.overdue"' not in out and '"firmware.vulnerable"' in out, out)
rc, out, _ = run(I + ['list', '--db', db, '--format', 'json'])
phone = next((l['device'] for l in json_lines(out) if l.get('device', {}).get('ip') == '10.0.0.5'), {})
check('list after review', phone.get('status') == 'ok' and phone.get('review_count') == 2 and
      (phone.get('last_review') or {}).get('who') == 'alice' and phone.get('days') == 0, phone)
rc, out, _ = run(I + ['show', '10.0.0.5', '--db', db])
check('show lists reviews', rc == 0 and 'bob' in out and 'alice' in out and
      'checked yealink.com: latest' in out and 'last reviewed' in out, out)
rc, out, _ = run(I + ['review', '10.0.0.20', '--who', 'carol', '--db', db])
check('review of a device without a version', rc == 0 and 'firmware unknown' in out, out)

# ---- the user's files come before the built-in ones
user_fp = os.path.join(tmp, 'my-rules.tsv')
with open(user_fp, 'w') as f:
    f.write('# my own rule: wins over the built-in one\n'
            'mine-t46s\tYealink\tphone\t^Yealink SIP-T46S ([0-9.]+)$\tT46S (office)\t\\1\t-\t-\n')
rc, out, err = run(I + ['list', '--db', db, '--fingerprints', user_fp, '--format', 'json'])
models = {l['device']['model'] for l in json_lines(out) if 'device' in l}
check('--fingerprints first', rc == 0 and 'T46S (office)' in models and 'SIP-T46S' not in models,
      f'{models} {err}')
user_cat = os.path.join(tmp, 'my-catalogue.tsv')
with open(user_cat, 'w') as f:
    f.write('Yealink\t*\t<=66.86.0.15\t66.86.0.99\tCVE-2099-0100\tmedium\tmy own entry\tmy notes\n')
rc, out, err = run(I + ['outdated', '--db', db, '--catalogue', user_cat, '--format', 'json'])
mine = [f for f in json_lines(out) if f.get('evidence', {}).get('cve') == 'CVE-2099-0100']
check('--catalogue adds entries', rc == 0 and len(mine) == 3 and
      all(f['evidence']['catalogue'] == user_cat + ':1' for f in mine), f'{mine} {err}')

# ---- data files that do not load
bad = os.path.join(tmp, 'bad-rules.tsv')
with open(bad, 'w') as f:
    f.write('only\ttwo\n')
rc, _, err = run(I + ['list', '--db', db, '--fingerprints', bad])
check('bad --fingerprints file', rc == 2 and 'bad-rules.tsv:1' in err, err)
rc, _, err = run(I + ['list', '--db', db, '--catalogue', bad])
check('bad --catalogue file', rc == 2 and 'bad-rules.tsv:1' in err, err)
rc, _, err = run(I + ['list', '--db', db, '--data-dir', os.path.join(tmp, 'nowhere')])
check('missing data directory', rc == 2 and 'fingerprints.tsv' in err, err)

# ---- the built-in data files of the project load (when present)
builtin = os.path.join(root, 'data')
if os.path.exists(os.path.join(builtin, 'fingerprints.tsv')):
    rc, out, err = run(I + ['list', '--db', db, '--data-dir', builtin])
    check('built-in data files load', rc == 0 and 'devices:' in out, f'rc={rc} {err}')

# ---- a corrupted store and a file that is not a database
garbage = os.path.join(tmp, 'garbage.db')
with open(garbage, 'wb') as f:
    f.write(b'this is not a database, just text\n' * 100)
rc, out, err = run(I + ['list', '--db', garbage])
check('not a database', rc == 2 and 'garbage.db' in err and 'not a database' in err and not out,
      f'rc={rc} {err}')
broken = os.path.join(tmp, 'broken.db')
con = sqlite3.connect(db)
con.execute('PRAGMA wal_checkpoint(TRUNCATE)')
con.close()
with open(db, 'rb') as f:
    img = bytearray(f.read())
# keep the header, damage every page after the first: the schema page survives, tables do not
for off in range(4096, len(img), 4096):
    img[off:off + 64] = b'\xff' * 64
with open(broken, 'wb') as f:
    f.write(img)
os.chmod(broken, 0o600)
rc, out, err = run(I + ['list', '--db', broken])
check('corrupted store', rc == 2 and 'broken.db' in err and
      re.search(r'corrupt|malformed|not a database', err), f'rc={rc} {err}')

shutil.rmtree(tmp, ignore_errors=True)
print(f'{passed} passed, {len(failures)} failed')
for f in failures:
    print('FAIL', f)
sys.exit(1 if failures else 0)
