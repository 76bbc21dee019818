#!/usr/bin/env python3
"""The `voipsec access` contract (docs/cli/access.md) as a user meets it: help and usage errors,
add/show (text, JSON lines, CSV, filters), the key file made 0600 next to the store, verify exit 0
with the count and the head when intact, exit 1 naming the first bad record after tampering with
plain SQL (and the access.log-tampered finding printed and recorded in the store), --expect-head
catching a cut tail whose head was rewritten, a missing or loose key file, a corrupted store.

usage: check_access_cli.py VOIPSEC_BINARY"""
import csv, io, json, os, shutil, sqlite3, stat, subprocess, sys, tempfile

binary = sys.argv[1]
if not os.access(binary, os.X_OK):
    print(f'SKIP: {binary} is not executable')
    sys.exit(77)

failures, passed = [], 0
tmp = tempfile.mkdtemp(prefix='vs-access-cli-', dir='/tmp')
env = dict(os.environ)
env.pop('VOIPSEC_DB', None)
env['HOME'] = tmp
env.pop('XDG_DATA_HOME', None)


def run(args, timeout=60):
    p = subprocess.run([binary] + args, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, cond, detail=''):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f'{name}: {detail}')


def fresh(name):
    db = os.path.join(tmp, name, 'v.db')
    os.makedirs(os.path.dirname(db), exist_ok=True)
    return db


def add(db, who, what, action, *extra):
    return run(['access', 'add', '--db', db, '--who', who, '--what', what, '--action', action]
               + list(extra))


def sql(db, text):
    c = sqlite3.connect(db)
    c.executescript(text)
    c.commit()
    c.close()


try:
    # help and usage
    rc, out, err = run(['access', '--help'])
    check('help', rc == 0 and 'verify' in out and '--expect-head' in out, out)
    for sub in ('add', 'show', 'verify'):
        rc, out, _ = run(['access', sub, '--help'])
        check(f'{sub} --help', rc == 0 and 'usage:' in out, out)
    rc, out, _ = run(['--help'])
    check('listed in voipsec --help', rc == 0 and 'access' in out, out)
    check('no subcommand', run(['access'])[0] == 2)
    check('unknown subcommand', run(['access', 'frobnicate'])[0] == 2)
    db = fresh('basic')
    rc, _, err = run(['access', 'add', '--db', db, '--who', 'alice'])
    check('add without --what/--action', rc == 2 and 'required' in err, err)
    check('nothing made by a usage error', not os.path.exists(db))
    rc, _, err = add(db, 'a', 'b', 'c', '--when', 'yesterday')
    check('bad --when', rc == 2 and 'not a time' in err, err)
    check('show --format xml', run(['access', 'show', '--db', db, '--format', 'xml'])[0] == 2)
    check('verify --format csv', run(['access', 'verify', '--db', db, '--format', 'csv'])[0] == 2)
    check('verify --who', run(['access', 'verify', '--db', db, '--who', 'x'])[0] == 2)
    rc, _, err = run(['access', 'verify', '--db', db, '--expect-head', '3:zz'])
    check('bad --expect-head', rc == 2 and 'SEQ:MAC' in err, err)

    # add and show
    rc, out, err = add(db, 'alice', 'PBX rack', 'open', '--why', 'disk, swap', '--when',
                       '2026-11-01T10:00:00Z')
    check('add', rc == 0 and 'record 1' in out, out + err)
    key = db + '.access-key'
    check('key made next to the store', os.path.exists(key))
    check('key mode 0600', stat.S_IMODE(os.stat(key).st_mode) == 0o600)
    check('key is 64 hex digits', len(open(key).read().strip()) == 64)
    check('db mode 0600', stat.S_IMODE(os.stat(db).st_mode) == 0o600)
    add(db, 'bob', 'phone room', 'enter', '--when', '2026-11-02T10:00:00Z')
    add(db, 'carol', 'PBX rack', 'close', '--when', 'now')
    rc, out, _ = run(['access', 'show', '--db', db])
    check('show text', rc == 0 and len(out.splitlines()) == 3 and 'alice' in out, out)
    rc, out, _ = run(['access', 'show', '--db', db, '--format', 'json', '--what', 'PBX rack'])
    rows = [json.loads(l) for l in out.splitlines()]
    check('show json --what', rc == 0 and [r['who'] for r in rows] == ['alice', 'carol'], out)
    check('show json fields', rows and rows[0]['why'] == 'disk, swap' and
          rows[0]['at'] == '2026-11-01T10:00:00.000Z' and len(rows[0]['mac']) == 64, out)
    rc, out, _ = run(['access', 'show', '--db', db, '--format', 'csv', '--since', '2026-11-02'])
    rows = list(csv.reader(io.StringIO(out)))
    check('show csv --since', rc == 0 and rows[0] == ['seq', 'at', 'who', 'what', 'action', 'why']
          and [r[2] for r in rows[1:]] == ['bob', 'carol'], out)
    rc, out, _ = run(['access', 'show', '--db', db, '--who', 'bob'])
    check('show --who', rc == 0 and len(out.splitlines()) == 1 and 'bob' in out, out)

    # verify intact
    rc, out, _ = run(['access', 'verify', '--db', db])
    check('verify intact', rc == 0 and 'intact: 3 records' in out, out)
    rc, out, _ = run(['access', 'verify', '--db', db, '--format', 'json'])
    v = json.loads(out.splitlines()[0]) if out else {}
    check('verify json', rc == 0 and v.get('intact') is True and v.get('count') == 3, out)
    head = v.get('head', '')
    rc, out, _ = run(['access', 'verify', '--db', db, '--expect-head', head])
    check('verify --expect-head intact', rc == 0, out)

    # default store path (HOME)
    rc, out, err = run(['access', 'add', '--who', 'dan', '--what', 'rack', '--action', 'open'])
    dflt = os.path.join(tmp, '.local/share/voipsec/voipsec.db')
    check('default store path', rc == 0 and os.path.exists(dflt) and
          os.path.exists(dflt + '.access-key'), err)

    # tampering: edit
    sql(db, "UPDATE access_log SET who = 'mallory' WHERE seq = 2")
    rc, out, err = run(['access', 'verify', '--db', db])
    check('edited: exit 1', rc == 1, out + err)
    check('edited: names record 2', 'record 2: edited' in out, out)
    check('edited: finding printed', 'access.log-tampered' in out, out)
    c = sqlite3.connect(db)
    n = c.execute("SELECT count(*) FROM findings WHERE rule = 'access.log-tampered' AND "
                  "practice = 'equipment' AND severity = 'high'").fetchone()[0]
    c.close()
    check('edited: finding stored', n == 1, str(n))
    rc, out, _ = run(['access', 'verify', '--db', db, '--format', 'json'])
    lines = [json.loads(l) for l in out.splitlines()]
    check('edited: json', rc == 1 and lines[0]['intact'] is False and lines[0]['bad_seq'] == 2 and
          lines[0]['problem'] == 'edited' and lines[1]['rule'] == 'access.log-tampered', out)

    # deletion, swap, truncation
    db = fresh('delete')
    for i in range(5):
        add(db, f'tech{i}', 'rack', 'open')
    sql(db, 'DELETE FROM access_log WHERE seq = 3')
    rc, out, _ = run(['access', 'verify', '--db', db])
    check('deleted', rc == 1 and 'record 3: deleted' in out, out)

    db = fresh('swap')
    for i in range(5):
        add(db, f'tech{i}', 'rack', 'open')
    sql(db, 'UPDATE access_log SET seq = 100 WHERE seq = 2; UPDATE access_log SET seq = 2 '
            'WHERE seq = 4; UPDATE access_log SET seq = 4 WHERE seq = 100')
    rc, out, _ = run(['access', 'verify', '--db', db])
    check('reordered', rc == 1 and 'record 2: reordered' in out, out)

    db = fresh('truncate')
    for i in range(5):
        add(db, f'tech{i}', 'rack', 'open')
    rc, out, _ = run(['access', 'verify', '--db', db, '--format', 'json'])
    head = json.loads(out.splitlines()[0])['head']
    sql(db, 'DELETE FROM access_log WHERE seq >= 4')
    rc, out, _ = run(['access', 'verify', '--db', db])
    check('truncated (head intact)', rc == 1 and 'record 4: truncated' in out, out)
    sql(db, 'UPDATE access_head SET (seq, mac) = (SELECT seq, mac FROM access_log WHERE seq = 3)')
    rc, out, _ = run(['access', 'verify', '--db', db])
    check('truncated + head rewritten: not detectable alone', rc == 0, out)
    rc, out, _ = run(['access', 'verify', '--db', db, '--expect-head', head])
    check('truncated + head rewritten: --expect-head', rc == 1 and 'record 4: truncated' in out,
          out)

    # key file problems
    db = fresh('keys')
    add(db, 'alice', 'rack', 'open')
    key = db + '.access-key'
    os.chmod(key, 0o644)
    rc, _, err = run(['access', 'verify', '--db', db])
    check('loose key refused', rc == 2 and '0644' in err, err)
    os.chmod(key, 0o600)
    moved = os.path.join(tmp, 'moved.key')
    shutil.move(key, moved)
    rc, _, err = add(db, 'bob', 'rack', 'open')
    check('missing key refused', rc == 2 and 'does not exist' in err, err)
    check('missing key: no key made', not os.path.exists(key))
    rc, out, _ = run(['access', 'verify', '--db', db, '--key', moved])
    check('--key', rc == 0 and 'intact: 1 records' in out, out)
    other = os.path.join(tmp, 'other.key')
    with open(other, 'w') as f:
        f.write('ab' * 32 + '\n')
    os.chmod(other, 0o600)
    add(db, 'bob', 'rack', 'open', '--key', moved)
    rc, out, _ = run(['access', 'verify', '--db', db, '--key', other])
    check('wrong key: exit 1 at record 1', rc == 1 and 'record 1: wrong-key' in out, out)

    # corrupted store
    bad = os.path.join(tmp, 'bad.db')
    with open(bad, 'wb') as f:
        f.write(b'x' * 4096)
    rc, _, err = add(bad, 'a', 'b', 'c')
    check('corrupted store', rc == 2 and bad in err, err)
    check('corrupted store: unchanged', open(bad, 'rb').read() == b'x' * 4096)
    check('corrupted store: no key', not os.path.exists(bad + '.access-key'))
finally:
    shutil.rmtree(tmp, ignore_errors=True)

for f in failures:
    print('FAIL', f)
print(f'{passed} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
